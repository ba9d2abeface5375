"""The benchmark app as a bare WSGI callable: the floor no framework can go under."""

import json

import jinja2

from benchmarks.apps._common import ITEMS, NOT_FOUND_HTML, TEMPLATES

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape()
)
HTML = "text/html; charset=utf-8"
JSON = "application/json"


def respond(start_response, status, content_type, body):
    start_response(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    )
    return [body]


def dump(obj):
    return (json.dumps(obj, separators=(",", ":"), sort_keys=True) + "\n").encode()


def app(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ["PATH_INFO"]
    if method == "GET":
        if path == "/":
            return respond(start_response, "200 OK", HTML, b"Hello, World!")
        user = path[7:].removesuffix("/jsonify")
        if path.startswith("/users/") and user.isdigit():
            uid = int(user)
            body = dump({"id": uid, "name": f"user{uid}"})
            return respond(start_response, "200 OK", JSON, body)
        if path.startswith("/page/") and "/" not in path[6:] and path[6:]:
            name = path[6:].encode("latin-1").decode()  # PEP 3333 "bytes as latin-1"
            page = templates.get_template("page.html")
            body = page.render(name=name, items=ITEMS).encode()
            return respond(start_response, "200 OK", HTML, body)
    elif method == "POST" and path in ("/echo", "/echo/jsonify"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length))
        return respond(start_response, "200 OK", JSON, dump(data))
    return respond(start_response, "404 NOT FOUND", HTML, NOT_FOUND_HTML.encode())
