"""The benchmark app in microframe, written exactly as the Flask one."""

from microframe import Microframe, render_template, request

app = Microframe(__name__)

ITEMS = tuple(f"item {i}" for i in range(10))


@app.get("/")
def hello():
    return "Hello, World!"


@app.get("/users/<int:uid>")
def user(uid):
    return {"id": uid, "name": f"user{uid}"}


@app.get("/page/<name>")
def page(name):
    return render_template("page.html", name=name, items=ITEMS)


@app.post("/echo")
def echo():
    return request.get_json()
