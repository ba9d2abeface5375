"""Changing an app while it is being served: the next request sees the change,
and a request in flight never sees a half-updated app."""

from __future__ import annotations

import threading
import typing as t

import pytest
import requests

from microframe import Blueprint, Microframe, render_template_string


def _cell(app: Microframe, source: str) -> dict[str, t.Any]:
    # Run ``source`` the way a notebook cell runs: in __main__, from "<cell>".
    namespace: dict[str, t.Any] = {"__name__": "__main__", "app": app}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


@pytest.fixture
def served(app: Microframe) -> t.Iterator[tuple[Microframe, str]]:
    """``app`` with ``/`` and ``/items/<int:n>``, served; yields it and its URL."""
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/items/<int:n>", "item", lambda n: f"item {n}")
    with app.serve() as server:
        assert requests.get(server.url, timeout=5).text == "index"
        yield app, server.url


def test_route_added_after_the_first_request(served: tuple[Microframe, str]) -> None:
    app, url = served
    assert requests.get(url + "/late", timeout=5).status_code == 404

    @app.route("/late")
    def late() -> str:
        return "late"

    assert requests.get(url + "/late", timeout=5).text == "late"


def test_view_redefined_in_a_cell_while_serving(served: tuple[Microframe, str]) -> None:
    app, url = served
    _cell(app, "@app.route('/hello')\ndef hello():\n    return 'v1'\n")
    assert requests.get(url + "/hello", timeout=5).text == "v1"
    _cell(
        app,
        "@app.route('/hello/<name>', methods=['GET', 'POST'])\n"
        "def hello(name):\n    return 'v2 ' + name\n",
    )
    # The old rule went with the old view.
    assert requests.get(url + "/hello", timeout=5).status_code == 404
    assert requests.post(url + "/hello/ada", timeout=5).text == "v2 ada"


def test_hooks_handlers_filters_and_blueprints_while_serving(
    served: tuple[Microframe, str],
) -> None:
    app, url = served
    app.testing = False

    @app.before_request
    def tag() -> None:
        from microframe import g

        g.tag = "tagged"

    @app.after_request
    def header(response: t.Any) -> t.Any:
        response.headers["X-Live"] = "yes"
        return response

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "nothing here", 404

    @app.template_filter("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    @app.route("/page")
    def page() -> str:
        return render_template_string("{{ 'hi' | shout }} {{ g.tag }}")

    blueprint = Blueprint("extra", __name__, url_prefix="/extra")
    blueprint.add_url_rule("/", "index", lambda: "blueprint")
    app.register_blueprint(blueprint)

    response = requests.get(url + "/page", timeout=5)
    assert response.text == "HI! tagged"
    assert response.headers["X-Live"] == "yes"
    assert requests.get(url + "/nowhere", timeout=5).text == "nothing here"
    assert requests.get(url + "/extra/", timeout=5).text == "blueprint"


def test_requests_in_flight_never_see_a_half_updated_map(
    served: tuple[Microframe, str],
) -> None:
    # Readers hammer existing routes (over HTTP and straight through WSGI)
    # while a writer adds routes and redefines a view again and again. Every
    # reader answer must be a whole one: never a 404 or 500 for a route that
    # exists before and after each change.
    app, url = served
    _cell(app, "@app.route('/version')\ndef version():\n    return 'v0'\n")
    stop = threading.Event()
    bad: list[str] = []

    def http_reader() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                for path in ("/", "/items/7", "/version"):
                    response = session.get(url + path, timeout=10)
                    if response.status_code != 200:
                        bad.append(f"{path}: {response.status_code}")

    def wsgi_reader() -> None:
        client = app.test_client()
        while not stop.is_set():
            for path in ("/", "/items/7", "/version"):
                try:
                    status = client.get(path).status_code
                except Exception as e:  # testing mode: errors propagate
                    bad.append(f"{path}: {e!r} (wsgi)")
                    continue
                if status != 200:
                    bad.append(f"{path}: {status} (wsgi)")

    readers = [threading.Thread(target=http_reader) for _ in range(2)]
    readers += [threading.Thread(target=wsgi_reader) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for i in range(40):
            app.add_url_rule(f"/added/{i}", f"added_{i}", lambda i=i: f"added {i}")
            app.add_url_rule(
                f"/added/{i}/<int:n>", f"added_n_{i}", lambda n, i=i: f"{i}/{n}"
            )
            # A rule that shares its first steps with one the readers match.
            app.add_url_rule(
                f"/items/<int:n>-{i}", f"item_{i}", lambda n, i=i: f"{n}-{i}"
            )
            _cell(
                app,
                f"@app.route('/version')\ndef version():\n    return 'v{i + 1}'\n",
            )
            if i % 10 == 0:
                # A route added a moment ago answers the very next request.
                assert requests.get(f"{url}/added/{i}/3", timeout=5).text == f"{i}/3"
    finally:
        stop.set()
        for reader in readers:
            reader.join(30)
    assert sorted(set(bad)) == []
    assert requests.get(url + "/version", timeout=5).text == "v40"
