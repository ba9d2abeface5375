"""The benchmark app in Bottle, with its SimpleTemplate engine."""

from bottle import Bottle, request, template

from benchmarks.apps._common import ITEMS, NOT_FOUND_HTML, TEMPLATES

app = Bottle()


@app.get("/")
def hello():
    return "Hello, World!"


@app.get("/users/<uid:int>")
@app.get("/users/<uid:int>/jsonify")
def user(uid):
    return {"id": uid, "name": f"user{uid}"}


@app.get("/page/<name>")
def page(name):
    return template("page", template_lookup=[TEMPLATES], name=name, items=ITEMS)


@app.post("/echo")
@app.post("/echo/jsonify")
def echo():
    return request.json


@app.error(404)
def not_found(error):
    return NOT_FOUND_HTML
