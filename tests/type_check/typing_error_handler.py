"""Error handler decorators keep the type of the decorated function.

Only type-checked (``mypy``), never run by pytest.
"""

from __future__ import annotations

import sys
from http import HTTPStatus

from werkzeug.exceptions import HTTPException, NotFound

from microframe import Blueprint, Microframe, Response

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

app = Microframe(__name__)
bp = Blueprint("bp", __name__)


@app.errorhandler(400)
def bad_request(e: HTTPException) -> tuple[str, int]:
    return str(e.description), 400


@app.errorhandler(NotFound)
def not_found(e: NotFound) -> tuple[str, HTTPStatus]:
    return "missing", HTTPStatus.NOT_FOUND


@app.errorhandler(ValueError)
def value_error(e: ValueError) -> Response:
    return Response(str(e), status=500)


@app.errorhandler(500)
async def server_error(e: HTTPException) -> str:
    return "async handler"


@bp.errorhandler(KeyError)
def key_error(e: KeyError) -> str:
    return "key"


@bp.app_errorhandler(403)
def forbidden(e: HTTPException) -> dict[str, str]:
    return {"error": "forbidden"}


def teapot(e: Exception) -> str:
    return "teapot"


app.register_error_handler(418, teapot)
bp.register_error_handler(LookupError, teapot)


def _check_types() -> None:
    assert_type(bad_request(HTTPException()), tuple[str, int])
    assert_type(not_found(NotFound()), tuple[str, HTTPStatus])
    assert_type(value_error(ValueError()), Response)
    assert_type(key_error(KeyError()), str)
    assert_type(forbidden(HTTPException()), dict[str, str])
