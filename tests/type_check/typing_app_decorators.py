"""App and blueprint hook decorators keep the type of the decorated function.

Only type-checked (``mypy``), never run by pytest. Each ``assert_type`` calls
the decorated function: if a decorator lost its type, the call would be ``Any``
and mypy would report it.
"""

from __future__ import annotations

import sys
import typing as t

from microframe import Blueprint, Microframe, Response

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

app = Microframe(__name__)
bp = Blueprint("bp", __name__)


@app.before_request
def before() -> None:
    return None


@app.before_request
def before_answer() -> str | None:
    return None


@app.after_request
def after(response: Response) -> Response:
    return response


@app.teardown_request
def teardown(exc: BaseException | None) -> None:
    return None


@app.teardown_appcontext
def teardown_app(exc: BaseException | None) -> None:
    return None


@app.template_filter()
def reverse(value: str) -> str:
    return value[::-1]


@app.template_filter("shout")
def shout(value: str) -> str:
    return value.upper()


@app.template_test()
def is_short(value: str) -> bool:
    return len(value) < 3


@app.template_test("long")
def is_long(value: str) -> bool:
    return len(value) > 10


@app.template_global()
def answer() -> int:
    return 42


@app.template_global("question")
def question() -> str:
    return "why"


@app.context_processor
def inject() -> dict[str, t.Any]:
    return {"site": "example"}


@app.url_defaults
def defaults(endpoint: str, values: dict[str, t.Any]) -> None:
    return None


@app.url_value_preprocessor
def preprocess(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
    return None


@app.shell_context_processor
def shell() -> dict[str, t.Any]:
    return {"app": app}


@bp.before_request
def bp_before() -> None:
    return None


@bp.before_app_request
def bp_before_app() -> None:
    return None


@bp.after_app_request
def bp_after(response: Response) -> Response:
    return response


@bp.teardown_app_request
def bp_teardown(exc: BaseException | None) -> None:
    return None


@bp.app_template_filter()
def bp_filter(value: int) -> int:
    return value * 2


@bp.app_template_test("even")
def bp_test(value: int) -> bool:
    return value % 2 == 0


@bp.app_template_global()
def bp_global() -> str:
    return "global"


@bp.app_context_processor
def bp_processor() -> dict[str, t.Any]:
    return {}


@bp.app_url_defaults
def bp_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
    return None


@bp.app_url_value_preprocessor
def bp_preprocess(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
    return None


@app.cli.command("hello")
def hello() -> None:
    return None


def _check_types() -> None:
    assert_type(before(), None)
    assert_type(before_answer(), str | None)
    assert_type(after(Response()), Response)
    assert_type(teardown(None), None)
    assert_type(teardown_app(None), None)
    assert_type(reverse("abc"), str)
    assert_type(shout("abc"), str)
    assert_type(is_short("abc"), bool)
    assert_type(is_long("abc"), bool)
    assert_type(answer(), int)
    assert_type(question(), str)
    assert_type(inject(), dict[str, t.Any])
    assert_type(defaults("index", {}), None)
    assert_type(preprocess(None, None), None)
    assert_type(shell(), dict[str, t.Any])
    assert_type(bp_before(), None)
    assert_type(bp_before_app(), None)
    assert_type(bp_after(Response()), Response)
    assert_type(bp_teardown(None), None)
    assert_type(bp_filter(2), int)
    assert_type(bp_test(2), bool)
    assert_type(bp_global(), str)
    assert_type(bp_processor(), dict[str, t.Any])
    assert_type(bp_defaults("index", {}), None)
    assert_type(bp_preprocess(None, None), None)
