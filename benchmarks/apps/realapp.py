"""The real-app benchmark: a typical Flask-style app, written once for two frameworks.

``build(framework, app_class)`` builds it against Flask or microframe: the views,
hooks and templates are the same code, only the module they come from differs
(``flask_realapp.py`` and ``microframe_realapp.py`` are the two import lines). It is
what a new user writes and what a logged-in browser asks of it:

- ``SECRET_KEY`` set, and every request carries a valid signed session cookie;
- an ``after_request`` hook adding security headers to every response, 404s too;
- a blueprint under ``/api`` answering with ``jsonify``, one view reading
  ``request.get_json()``;
- a page whose template extends a base and calls ``url_for`` once per row of a
  20-row table (an endpoint with an int argument) plus a few static and nav links;
- views reading ``session["user"]``, and two that write the session: a login POST
  that redirects and a visit counter.
"""

from __future__ import annotations

import types
import typing as t

SECRET_KEY = "benchmark-only secret, not for production"
USER = "ada"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}
ROWS = tuple(
    {"id": 1000 + i, "title": f"Order {i} & co", "total": f"{9.5 + i * 3.25:.2f}"}
    for i in range(20)
)
PAGE_TEMPLATE = "realapp/dashboard.html"
#: The request body of ``POST /api/orders``.
ORDER = {"sku": "SKU-0042", "qty": 3, "note": "gift wrap, please", "rush": False}


def order(order_id: int, owner: str) -> dict[str, t.Any]:
    """What ``GET /api/orders/<order_id>`` answers (the Bottle app uses it too)."""
    return {"id": order_id, "owner": owner, "status": "shipped", "lines": 3}


def build(framework: types.ModuleType, app_class: type) -> t.Any:
    """The app, built from ``framework``'s names (``flask`` or ``microframe``)."""
    request, session = framework.request, framework.session
    jsonify, url_for = framework.jsonify, framework.url_for

    app = app_class(__name__, static_folder="realapp_static", static_url_path="/static")
    app.config["SECRET_KEY"] = SECRET_KEY
    api = framework.Blueprint("api", __name__, url_prefix="/api")

    @app.after_request
    def security_headers(response: t.Any) -> t.Any:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/hello")
    def hello() -> str:
        return f"Hello, {session['user']}!"

    @app.get("/dashboard")
    def dashboard() -> str:
        return framework.render_template(PAGE_TEMPLATE, rows=ROWS)

    @app.post("/login")
    def login() -> t.Any:
        session["user"] = request.form["user"]
        return framework.redirect(url_for("dashboard"))

    @app.get("/visit")
    def visit() -> str:
        visits = session.get("visits", 0) + 1
        session["visits"] = visits
        return f"Visit {visits} by {session['user']}"

    @api.get("/orders/<int:order_id>")
    def get_order(order_id: int) -> t.Any:
        return jsonify(order(order_id, session["user"]))

    @api.post("/orders")
    def create_order() -> t.Any:
        data = request.get_json()
        return jsonify(created=data, owner=session["user"]), 201

    app.register_blueprint(api)
    return app


def session_reader(app: t.Any) -> t.Callable[[str], dict[str, t.Any]]:
    """Decode a session cookie value with ``app``'s own session interface."""
    serializer = app.session_interface.get_signing_serializer(app)
    return lambda value: dict(serializer.loads(value))
