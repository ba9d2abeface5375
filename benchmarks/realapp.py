"""Scenario 6: the real app of ``apps/realapp.py``, in process, as a logged-in browser.

Every request carries a valid session cookie, made once per framework before any
timing by that framework's own login view (``POST /login``), so each app verifies a
cookie it signed itself. The requests, in the order of the table:

- ``hello``: ``GET /hello``, a str built from ``session["user"]``;
- ``json``: ``GET /api/orders/42``, a blueprint view answering with ``jsonify``;
- ``post``: ``POST /api/orders``, ``request.get_json()`` → ``jsonify``, 201;
- ``page``: ``GET /dashboard``, a template extending a base, 23 ``url_for`` calls;
- ``404``: ``GET /no/such/page``, with the hook's headers on the error page;
- ``login``: ``POST /login`` (a form), writes the session, 302 with ``Set-Cookie``;
- ``visit``: ``GET /visit``, a view that writes the session (a new cookie each time).

Flask is the baseline, Bottle does the same work its own way (``bottle_realapp.py``);
"jinja alone" renders the page's template with a stock Jinja environment and nothing
around it: the ceiling for a framework that renders with stock Jinja (microframe's
environment renders the same text faster). The check (``check_real_apps``) runs before
anything is timed.
"""

# The notes print the multiplication sign on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import importlib
import json
import typing as t
from dataclasses import dataclass
from http.cookies import SimpleCookie

from benchmarks.apps._common import TEMPLATES
from benchmarks.apps.realapp import (
    ORDER,
    PAGE_TEMPLATE,
    ROWS,
    SECURITY_HEADERS,
    USER,
)
from benchmarks.check import (
    MismatchError,
    Reply,
    WSGIApp,
    body_difference,
    call,
    differences,
)
from benchmarks.endpoints import Endpoint
from benchmarks.inprocess import MOST_CALLS, wsgi_batch
from benchmarks.timing import Batch, Rounds, Scenario, calibrate, rotated, timed

#: The frameworks that can do the real app's work; Flask first, the baseline.
REAL_FRAMEWORKS = ("flask", "microframe", "bottle")
JINJA = "jinja alone"
#: Why a peer of the cookieless set is not in this one.
CANNOT = {
    "falcon": "Falcon has no sessions, templates or URL building of its own, so it"
    " cannot do this app's work without one written for it: it is not in this set.",
    "wsgi": "The bare WSGI floor is not in this set: it would have to reimplement"
    " the signed session; the page's floor is the 'jinja alone' column.",
}

LOGIN = Endpoint(
    "login",
    "POST",
    "/login",
    f"user={USER}".encode(),
    "application/x-www-form-urlencoded",
)
REAL_ENDPOINTS = (
    Endpoint("hello", "GET", "/hello"),
    Endpoint("json", "GET", "/api/orders/42"),
    Endpoint(
        "post", "POST", "/api/orders", json.dumps(ORDER).encode(), "application/json"
    ),
    Endpoint("page", "GET", "/dashboard"),
    Endpoint("404", "GET", "/no/such/page"),
    LOGIN,
    Endpoint("visit", "GET", "/visit"),
)
#: The status Flask must answer each with; a sanity check of the baseline itself.
EXPECTED_STATUS = {"post": 201, "404": 404, "login": 302}
#: The views that show the session's user in their body.
SHOWS_USER = ("hello", "json", "post", "page", "visit")


def module_name(framework: str) -> str:
    """The import path of ``framework``'s real-app module."""
    return f"benchmarks.apps.{framework}_realapp"


@dataclass(frozen=True)
class RealApp:
    """One framework's real app, with the session cookie every request carries."""

    framework: str
    app: WSGIApp
    #: Decodes a session cookie's value with the app's own session code.
    read_session: t.Callable[[str], dict[str, t.Any]]
    #: The ``Cookie`` request header: the session the app's own login view set.
    cookie: str


def session_cookie(reply: Reply) -> str | None:
    """The value of the ``session`` cookie ``reply`` sets, if it sets one."""
    for name, value in reply.headers:
        if name.lower() == "set-cookie":
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(value)
            if "session" in parsed:
                return parsed["session"].value
    return None


def _cookie_header(value: str) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie["session"] = value
    return f"session={cookie['session'].coded_value}"


def load_real_app(framework: str) -> RealApp:
    """Import ``framework``'s real app and log in through it once, for its cookie."""
    module = importlib.import_module(module_name(framework))
    reply = call(module.app, LOGIN)
    value = session_cookie(reply)
    if value is None:
        raise MismatchError(
            f"{framework} POST /login answered {reply.status!r} without a session"
            f" cookie; headers {reply.headers!r}: the real app cannot be timed"
            " logged in"
        )
    return RealApp(framework, module.app, module.read_session, _cookie_header(value))


def _header(reply: Reply, name: str) -> list[str]:
    return [v for k, v in reply.headers if k.lower() == name.lower()]


def _other_headers(reply: Reply) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in reply.headers if k.lower() != "set-cookie")


def _cookie_attributes(reply: Reply) -> list[str]:
    return [value.partition(";")[2] for value in _header(reply, "Set-Cookie")]


def real_differences(
    real: RealApp, reply: Reply, flask: RealApp, expected: Reply
) -> list[str]:
    """What in ``real``'s reply differs from Flask's, as readable lines.

    microframe must match exactly, every header included, except the session
    cookie's signed value (it holds a timestamp), which must decode to the same
    session. Peers are held to ``check.differences`` plus the security headers and
    the same session written.
    """
    found = differences(real.framework, reply, expected)
    if real.framework == "microframe":
        if _other_headers(reply) != _other_headers(expected):
            found.append(
                f"expected Flask's headers {_other_headers(expected)!r}"
                f" but got {_other_headers(reply)!r}"
            )
        if _cookie_attributes(reply) != _cookie_attributes(expected):
            found.append(
                f"expected Set-Cookie attributes {_cookie_attributes(expected)!r}"
                f" but got {_cookie_attributes(reply)!r}"
            )
    for name, value in SECURITY_HEADERS.items():
        if _header(reply, name) != [value]:
            found.append(f"expected {name}: {value!r} but got {_header(reply, name)!r}")
    wrote, expected_wrote = session_cookie(reply), session_cookie(expected)
    if (wrote is None) != (expected_wrote is None):
        found.append(
            "expected "
            + ("no session cookie" if expected_wrote is None else "a session cookie")
            + f" but got Set-Cookie {_header(reply, 'Set-Cookie')!r}"
        )
    elif wrote is not None and expected_wrote is not None:
        got, want = real.read_session(wrote), flask.read_session(expected_wrote)
        if got != want:
            found.append(f"expected the session {want!r} but got {got!r}")
    return found


def _baseline_problems(endpoint: Endpoint, expected: Reply) -> list[str]:
    problems = []
    status = EXPECTED_STATUS.get(endpoint.name, 200)
    if expected.code != status:
        problems.append(f"expected {status} but got {expected.status!r}")
    if endpoint.name in SHOWS_USER and USER.encode() not in expected.body:
        problems.append(
            f"the body does not show the session's user {USER!r}: was the session"
            f" cookie accepted? {expected.body[:200]!r}"
        )
    return [f"flask {endpoint.name}: {line}" for line in problems]


def check_real_apps(
    frameworks: t.Sequence[str] = REAL_FRAMEWORKS,
) -> dict[str, RealApp]:
    """Check every real app against Flask's; return them, or raise ``MismatchError``."""
    apps = {name: load_real_app(name) for name in ("flask", *frameworks)}
    flask = apps["flask"]
    problems: list[str] = []
    for endpoint in REAL_ENDPOINTS:
        expected = call(flask.app, endpoint, flask.cookie)
        problems.extend(_baseline_problems(endpoint, expected))
        for name in frameworks:
            if name == "flask":
                continue
            real = apps[name]
            for _ in range(2):  # the second call must not differ either
                reply = call(real.app, endpoint, real.cookie)
                problems.extend(
                    f"{name} real app {endpoint.method} {endpoint.url}: {line}"
                    for line in real_differences(real, reply, flask, expected)
                )
    rendered = render_alone()
    page = next(e for e in REAL_ENDPOINTS if e.name == "page")
    flask_page = call(flask.app, page, flask.cookie).body
    if rendered != flask_page:
        problems.append(f"{JINJA}: {body_difference(flask_page, rendered)}")
    if problems:
        raise MismatchError(
            "the real apps do not answer alike, so timing them would compare"
            " different work:\n  " + "\n  ".join(problems)
        )
    return apps


#: ``url_for`` for the page rendered alone: the same URLs by string formatting.
PLAIN_URLS = {
    "static": "/static/{filename}",
    "dashboard": "/dashboard",
    "hello": "/hello",
    "api.get_order": "/api/orders/{order_id}",
}


def _plain_url_for(endpoint: str, **values: t.Any) -> str:
    return PLAIN_URLS[endpoint].format_map(values)


def render_alone() -> bytes:
    """The page rendered by a bare Jinja environment, as Flask's body would be."""
    return _page_renderer()()


def _page_renderer() -> t.Callable[[], bytes]:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(),
    )
    environment.globals["url_for"] = _plain_url_for
    template = environment.get_template(PAGE_TEMPLATE)
    session = {"user": USER}
    return lambda: template.render(rows=ROWS, session=session).encode()


def _render_batch() -> Batch:
    render = _page_renderer()

    def run(count: int) -> float:
        def renders() -> None:
            for _ in range(count):
                render()

        return timed(renders)

    return run


def run(apps: dict[str, RealApp], rounds: Rounds, batch_seconds: float) -> Scenario:
    """Time every real endpoint of every app, and the page alone, round after round."""
    columns = [*apps, JINJA]
    scenario = Scenario(
        key="realapp",
        title="Real app in process: session cookie, hooks, blueprint, url_for",
        columns=columns,
        baseline="flask",
        unit="µs per request",
    )
    batches: dict[tuple[str, str], Batch] = {
        (endpoint.name, name): wsgi_batch(real.app, endpoint, real.cookie)
        for endpoint in REAL_ENDPOINTS
        for name, real in apps.items()
    }
    batches["page", JINJA] = _render_batch()
    counts = {
        key: min(MOST_CALLS, calibrate(batch, batch_seconds))
        for key, batch in batches.items()
    }
    for round_index in rounds:
        for endpoint in REAL_ENDPOINTS:
            row = scenario.row(endpoint.name)
            for name in rotated(columns, round_index):
                if (endpoint.name, name) in batches:
                    count = counts[endpoint.name, name]
                    row.add(name, batches[endpoint.name, name](count) / count)
    scenario.rounds = rounds.done
    scenario.notes.extend(_notes(scenario))
    return scenario


def page_ceiling(scenario: Scenario) -> float | None:
    """Flask's page request ÷ Jinja's rendering of the page alone, if measured."""
    row = scenario.row("page")
    if JINJA not in row.samples or "flask" not in row.samples:
        return None
    return scenario.ratio("page", JINJA)


def _notes(scenario: Scenario) -> list[str]:
    notes = [
        "every request carries the session cookie its app's own login view set;"
        " `login` and `visit` write the session (a 302, a 200, each with Set-Cookie).",
    ]
    ceiling = page_ceiling(scenario)
    if ceiling is not None:
        alone = scenario.row("page").median(JINJA) * 1e6
        notes.append(
            f"{JINJA}: the page's template rendered by a bare Jinja environment"
            f" (url_for by string formatting) takes {alone:.1f} µs, 1/{ceiling:.1f}"
            f" of Flask's whole request: no framework rendering with stock Jinja"
            f" can pass {ceiling:.1f}× there (microframe's environment renders"
            " the same text faster)."
        )
    notes.append(
        "Bottle does the same work its own way: a signed cookie (HMAC over a"
        " pickled JSON string, no timestamp), a mounted child app, named routes"
        " and SimpleTemplate's rebase; it sets no `Vary: Cookie`."
    )
    notes.extend(CANNOT.values())
    return notes
