"""Check that every app answers every endpoint the way Flask does, before any timing.

``python -m benchmarks.check`` runs it alone (``nox -s bench`` runs it first), for
these apps and for the real apps (``benchmarks/realapp.py`` holds that check).
microframe must match Flask byte for byte: status line, headers' Content-Type and
body. The other frameworks must match Flask's status code, Content-Type (compared
case-insensitively, as MIME types and charsets are) and body, where JSON bodies are
compared as the values they decode to (frameworks space and order keys their own
way).
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import typing as t
from dataclasses import dataclass, field

from benchmarks.apps import FRAMEWORKS, module_name
from benchmarks.endpoints import ENDPOINTS, Endpoint, fresh_environs

WSGIApp = t.Callable[..., t.Iterable[bytes]]


@dataclass(frozen=True)
class Reply:
    """What a WSGI app answered."""

    status: str
    content_type: str
    body: bytes
    #: Every header as sent; not compared by ``==`` (the check says which count).
    headers: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    @property
    def code(self) -> int:
        return int(self.status.split(None, 1)[0])


class MismatchError(AssertionError):
    """An app answered an endpoint differently from Flask."""


def load_app(framework: str) -> WSGIApp:
    """Import ``framework``'s benchmark module and return its WSGI callable."""
    return t.cast(WSGIApp, importlib.import_module(module_name(framework)).app)


def call(app: WSGIApp, endpoint: Endpoint, cookie: str = "") -> Reply:
    """Send ``endpoint`` through ``app`` as a server would, closing the iterable.

    ``cookie`` is the request's ``Cookie`` header, if it carries one.
    """
    started: list[t.Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):  # type: ignore[no-untyped-def]
        started[:] = [status, headers]
        return lambda data: None

    (environ,) = fresh_environs(endpoint, 1, cookie)
    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    status, headers = started
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    return Reply(status, content_type, body, tuple(headers))


def normal_type(content_type: str) -> str:
    return content_type.replace(" ", "").lower()


def same_body(reply: Reply, expected: Reply) -> bool:
    if normal_type(expected.content_type).startswith("application/json"):
        try:
            return bool(json.loads(reply.body) == json.loads(expected.body))
        except ValueError:
            return False
    return reply.body == expected.body


def body_difference(expected: bytes, got: bytes) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    start = max(0, at - 40)
    return (
        f"bodies differ from byte {at}: expected ...{expected[start : at + 40]!r}"
        f" ({len(expected)} bytes) but got ...{got[start : at + 40]!r}"
        f" ({len(got)} bytes)"
    )


def differences(framework: str, reply: Reply, expected: Reply) -> list[str]:
    """What in ``reply`` differs from Flask's ``expected`` reply, as readable lines."""
    found = []
    if framework == "microframe":
        if reply != expected:
            found.append(f"expected Flask's exact reply {expected!r} but got {reply!r}")
        return found
    if reply.code != expected.code:
        found.append(f"expected status {expected.status!r} but got {reply.status!r}")
    if normal_type(reply.content_type) != normal_type(expected.content_type):
        found.append(
            f"expected Content-Type {expected.content_type!r}"
            f" but got {reply.content_type!r}"
        )
    if not same_body(reply, expected):
        found.append(body_difference(expected.body, reply.body))
    return found


def check_all(frameworks: t.Sequence[str] = FRAMEWORKS) -> dict[str, WSGIApp]:
    """Check every app against Flask's; return the apps, or raise ``MismatchError``."""
    apps = {name: load_app(name) for name in ("flask", *frameworks)}
    problems: list[str] = []
    for endpoint in ENDPOINTS:
        expected = call(apps["flask"], endpoint)
        if expected.code != (404 if endpoint.name == "404" else 200):
            problems.append(f"flask {endpoint.name}: unexpected {expected.status!r}")
        for framework in frameworks:
            # Twice: the second call must not differ (caches, consumed state).
            for _ in range(2):
                reply = call(apps[framework], endpoint)
                problems.extend(
                    f"{framework} {endpoint.method} {endpoint.url}: {line}"
                    for line in differences(framework, reply, expected)
                )
    if problems:
        raise MismatchError(
            "the apps do not answer alike, so timing them would compare different"
            " work:\n  " + "\n  ".join(problems)
        )
    return apps


def main() -> int:
    from benchmarks.realapp import REAL_ENDPOINTS, REAL_FRAMEWORKS, check_real_apps

    # (what is checked, the check, what success means)
    checks: list[tuple[str, t.Callable[[], object], str]] = [
        (
            framework,
            functools.partial(check_all, [framework]),
            f"{len(ENDPOINTS)} endpoints answer as Flask's do",
        )
        for framework in FRAMEWORKS
        if framework != "flask"
    ]
    checks += [
        (
            f"{framework} real app",
            functools.partial(check_real_apps, [framework]),
            f"{len(REAL_ENDPOINTS)} endpoints, logged in, answer as Flask's do",
        )
        for framework in REAL_FRAMEWORKS
        if framework != "flask"
    ]
    failed = 0
    for name, check, success in checks:
        try:
            check()
        except MismatchError as error:
            failed += 1
            print(f"FAILED {name}: {error}", file=sys.stderr)
        else:
            print(f"ok {name}: {success}")
    print(f"check: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
