"""Flask-Caching on microframe: views and functions computed once, then cached."""

from __future__ import annotations

from flask_caching import Cache

from microframe import Microframe, request


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(TESTING=True, CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300)
    cache = Cache(app)
    calls: dict[str, int] = {"report": 0, "search": 0, "price": 0}
    app.extensions["calls"] = calls

    @app.get("/report")
    @cache.cached()
    def report() -> str:
        calls["report"] += 1
        return f"report #{calls['report']}"

    @app.get("/search")
    @cache.cached(query_string=True)
    def search() -> str:
        calls["search"] += 1
        return f"results for {request.args['q']} (#{calls['search']})"

    @cache.memoize()
    def price(item: str) -> int:
        calls["price"] += 1
        return len(item) * 100

    @app.get("/price/<item>")
    def show_price(item: str) -> str:
        return f"{item}: {price(item)}"

    @app.post("/report/refresh")
    def refresh() -> str:
        cache.delete("view//report")
        return "refreshed"

    return app


def test_cached_view_is_computed_once() -> None:
    app = create_app()
    client = app.test_client()
    assert client.get("/report").text == "report #1"
    assert client.get("/report").text == "report #1"
    assert app.extensions["calls"]["report"] == 1


def test_deleting_the_key_computes_the_view_again() -> None:
    app = create_app()
    client = app.test_client()
    client.get("/report")
    assert client.post("/report/refresh").text == "refreshed"
    assert client.get("/report").text == "report #2"


def test_query_string_is_part_of_the_key() -> None:
    app = create_app()
    client = app.test_client()
    assert client.get("/search?q=pen").text == "results for pen (#1)"
    assert client.get("/search?q=ink").text == "results for ink (#2)"
    assert client.get("/search?q=pen").text == "results for pen (#1)"
    assert app.extensions["calls"]["search"] == 2


def test_memoized_function_is_called_once_per_argument() -> None:
    app = create_app()
    client = app.test_client()
    assert client.get("/price/pen").text == "pen: 300"
    assert client.get("/price/pen").text == "pen: 300"
    assert client.get("/price/nib").text == "nib: 300"
    assert app.extensions["calls"]["price"] == 2
