"""Route decorators keep the type of the decorated view function.

Only type-checked (``mypy``), never run by pytest. Each ``assert_type`` calls
the decorated function: if a decorator lost its type, the call would be ``Any``
and mypy would report it.
"""

from __future__ import annotations

import sys

from microframe import Blueprint, Microframe, Response, jsonify, make_response

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

app = Microframe(__name__)
bp = Blueprint("bp", __name__)


@app.route("/")
def index() -> str:
    return "Hello"


@app.route("/user/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int) -> dict[str, int]:
    return {"id": user_id}


@app.get("/status")
def status() -> tuple[str, int]:
    return "created", 201


@app.post("/headers")
def with_headers() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"X-Header": "value"}


@app.put("/response")
def response_object() -> Response:
    return make_response("body", 202)


@app.delete("/json")
def json_view() -> Response:
    return jsonify(deleted=True)


@app.patch("/list")
def list_view() -> list[int]:
    return [1, 2]


@app.route("/async")
async def async_view() -> str:
    return "async"


@bp.route("/in-blueprint/<name>")
def in_blueprint(name: str) -> str:
    return name


@bp.get("/bp-get")
def bp_get() -> bytes:
    return b""


@app.endpoint("named")
def named() -> str:
    return ""


app.add_url_rule("/added", view_func=index)
app.add_url_rule("/lambda", "lambda", lambda: "ok")
app.register_blueprint(bp, url_prefix="/bp")


def _check_types() -> None:
    assert_type(index(), str)
    assert_type(user(1), dict[str, int])
    assert_type(status(), tuple[str, int])
    assert_type(with_headers(), tuple[str, int, dict[str, str]])
    assert_type(response_object(), Response)
    assert_type(json_view(), Response)
    assert_type(list_view(), list[int])
    assert_type(in_blueprint("x"), str)
    assert_type(bp_get(), bytes)
    assert_type(named(), str)


async def _check_async_types() -> None:
    assert_type(await async_view(), str)
