"""The benchmark app in Flask 3.1, the baseline every ratio is taken against."""

from flask import Flask, jsonify, render_template, request

app = Flask(__name__)

ITEMS = tuple(f"item {i}" for i in range(10))


@app.get("/")
def hello():
    return "Hello, World!"


@app.get("/users/<int:uid>")
def user(uid):
    return {"id": uid, "name": f"user{uid}"}


@app.get("/users/<int:uid>/jsonify")
def user_jsonify(uid):
    return jsonify(id=uid, name=f"user{uid}")


@app.get("/page/<name>")
def page(name):
    return render_template("page.html", name=name, items=ITEMS)


@app.post("/echo")
def echo():
    return request.get_json()


@app.post("/echo/jsonify")
def echo_jsonify():
    return jsonify(request.get_json())
