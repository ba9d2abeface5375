"""The real-app benchmark in Bottle, doing the same work its own way.

Bottle's equivalents: a signed cookie (``secret=``, HMAC over a pickled JSON string)
for the session, an ``after_request`` hook, a child app mounted at ``/api/``, named
routes built with ``get_url`` and SimpleTemplate's ``rebase`` for the base page.
It sets no ``Vary: Cookie`` and its signature carries no timestamp, so its session
work is somewhat lighter than Flask's.
"""

import json
from http.cookies import SimpleCookie

from bottle import Bottle, request, response, template

from benchmarks.apps._common import NOT_FOUND_HTML, TEMPLATES
from benchmarks.apps.realapp import ROWS, SECRET_KEY, SECURITY_HEADERS, order

#: Flask's (werkzeug's) redirect page, sent with the same 302 here.
REDIRECT_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
    "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the"
    ' target URL: <a href="{0}">{0}</a>. If not, click the link.\n'
)

#: One list for every call: ``template`` caches compiled templates by its ``id``.
LOOKUP = [TEMPLATES]

app = Bottle()
api = Bottle()


def load_session():
    return json.loads(request.get_cookie("session", "{}", secret=SECRET_KEY))


def save_session(data):
    response.set_cookie(
        "session", json.dumps(data), secret=SECRET_KEY, path="/", httponly=True
    )


@app.hook("after_request")
def security_headers():
    for name, value in SECURITY_HEADERS.items():
        response.set_header(name, value)


@app.get("/hello", name="hello")
def hello():
    return f"Hello, {load_session()['user']}!"


@app.get("/dashboard", name="dashboard")
def dashboard():
    return template(
        "realapp_dashboard",
        template_lookup=LOOKUP,
        session=load_session(),
        rows=ROWS,
        url=app.get_url,
    )


@app.post("/login")
def login():
    data = load_session()
    data["user"] = request.forms["user"]
    save_session(data)
    location = app.get_url("dashboard")
    response.status = 302
    response.set_header("Location", location)
    return REDIRECT_HTML.format(location)


@app.get("/visit")
def visit():
    data = load_session()
    data["visits"] = data.get("visits", 0) + 1
    save_session(data)
    return f"Visit {data['visits']} by {data['user']}"


@app.get("/static/<filename:path>", name="static")
def static(filename):
    raise NotImplementedError("the benchmark only builds static URLs")


@api.get("/orders/<order_id:int>", name="api.get_order")
def get_order(order_id):
    return order(order_id, load_session()["user"])


@api.post("/orders")
def create_order():
    response.status = 201
    return {"created": request.json, "owner": load_session()["user"]}


@app.error(404)
def not_found(error):
    return NOT_FOUND_HTML


app.mount("/api/", api)


def read_session(value):
    """Decode a session cookie value the way the views do (outside a request)."""
    cookie = SimpleCookie()
    cookie["session"] = value
    request.bind({"HTTP_COOKIE": cookie.output(attrs=[], header="").strip()})
    return load_session()
