"""Tests for microframe_testing's response assertions and their failure messages."""

from __future__ import annotations

import re
import typing as t

import pytest

from microframe import Microframe, flash, redirect, render_template_string, request
from microframe_testing import (
    RecordingClient,
    assert_contains,
    assert_flashed,
    assert_json,
    assert_redirects,
    assert_status,
    assert_template_not_used,
    assert_template_used,
)


@pytest.fixture
def rec(app: Microframe) -> t.Iterator[RecordingClient]:
    """A recording client of an app with pages, JSON, flashes and redirects."""

    @app.route("/")
    def index() -> str:
        return render_template_string("<p class='b a'>Hi {{ who }}</p>", who="Ada")

    @app.route("/hello")
    def hello() -> str:
        from microframe import render_template

        return render_template("hello.txt", name="Ada", extra=1)

    @app.route("/api")
    def api() -> t.Any:
        return {"user": {"name": "Ada", "tags": ["a", "b"]}, "active": True, "n": 1}

    @app.route("/save", methods=["POST"])
    def save() -> t.Any:
        flash("Saved", "info")
        return redirect("/hello")

    @app.route("/moved")
    def moved() -> t.Any:
        return redirect("http://localhost/hello?x=1", 301)

    @app.route("/away")
    def away() -> t.Any:
        return redirect("https://example.com/elsewhere")

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("kaput")

    @app.route("/long")
    def long() -> str:
        return "x" * 1000

    @app.route("/echo", methods=["POST"])
    def echo() -> str:
        return request.get_data(as_text=True)

    client = RecordingClient(app, app.response_class)
    yield client
    client.close()


def failure(call: t.Callable[[], object]) -> str:
    """The message of the AssertionError ``call`` raises."""
    with pytest.raises(AssertionError) as info:
        call()
    return str(info.value)


# --- status and body -----------------------------------------------------------------


def test_assert_status(rec: RecordingClient) -> None:
    response = rec.get("/")
    assert_status(response, 200)
    assert_status(response.exchange, 200)
    message = failure(lambda: assert_status(rec.get("/nowhere"), 200))
    assert message.startswith("expected status 200 but got 404 NOT FOUND\nBody: ")
    assert "What happened:\n  GET /nowhere -> 404 NOT FOUND  endpoint=None" in message


def test_assert_status_shows_a_redirect_and_an_exception(rec: RecordingClient) -> None:
    message = failure(lambda: assert_status(rec.post("/save"), 200))
    assert message.startswith("expected status 200 but got a 302 FOUND redirect to")
    with pytest.raises(RuntimeError):
        rec.get("/boom")
    message = failure(lambda: assert_status(rec.last, 200))
    assert message.startswith(
        "expected status 200 but got an exception (RuntimeError: kaput)"
    )
    assert "  exception: RuntimeError: kaput" in message


def test_assertions_take_plain_responses_for_status_and_body(app: Microframe) -> None:
    @app.route("/")
    def index() -> str:
        return "plain"

    response = app.test_client().get("/")
    assert_status(response, 200)
    assert_contains(response, "plain")
    message = failure(lambda: assert_status(response, 201))
    assert "200 OK (not recorded: no endpoint or templates)" in message
    with pytest.raises(TypeError, match="needs a recorded response"):
        assert_template_used(response, "x.html")


def test_assertions_reject_other_things() -> None:
    with pytest.raises(TypeError, match=r"assert_status\(\) takes a response or"):
        assert_status("200", 200)


def test_assert_contains(rec: RecordingClient) -> None:
    response = rec.get("/")
    assert_contains(response, "Hi Ada")
    assert_contains(response, "Hi", count=1)
    assert_contains(response, "Bob", count=0)
    message = failure(lambda: assert_contains(response, "Bob"))
    assert message.startswith(
        "expected the text 'Bob' in the response body but got a body without it\n"
        "Body: \"<p class='b a'>Hi Ada</p>\""
    )
    message = failure(lambda: assert_contains(response, "Hi", count=2))
    assert message.startswith(
        "expected the text 'Hi' 2 time(s) in the response body but got 1"
    )
    message = failure(lambda: assert_contains(rec.get("/nowhere"), "Hi"))
    assert message.startswith(
        "expected status 200 (and 'Hi' in the body) but got 404 NOT FOUND"
    )
    assert_contains(rec.get("/nowhere"), "Not Found", status=404)


def test_assert_contains_shortens_long_bodies(rec: RecordingClient) -> None:
    message = failure(lambda: assert_contains(rec.get("/long"), "y"))
    assert "Body (first 300 of 1000 chars): 'xxx" in message


def test_assert_contains_html(rec: RecordingClient) -> None:
    response = rec.get("/")
    assert_contains(response, '<p class="a  b">Hi   Ada</p>', html=True)
    assert_contains(response, "<p class='a b'>Hi Ada</p>", count=1, html=True)
    assert_contains(response, "Ada", html=True)
    message = failure(lambda: assert_contains(response, "<p>Hi Ada</p>", html=True))
    assert message.startswith("expected the HTML '<p>Hi Ada</p>' in the response")
    message = failure(
        lambda: assert_contains(response, "<p class='a b'>Hi</p>", count=1, html=True)
    )
    assert "1 time(s) in the response body but got 0" in message


@pytest.mark.parametrize(
    ("needle", "haystack", "count"),
    [
        ("<li>a</li>", "<ul><li>a</li><li>b</li><li>a</li></ul>", 2),
        ("<li>a</li><li>b</li>", "<ul><li>a</li><li>b</li><li>a</li></ul>", 1),
        ("<br>", "<p>a<br/>b<br></p>", 2),
        ("<input type=checkbox checked>", "<input checked type='checkbox'>", 1),
        ("<b>x</b>", "<div><p><b>x</b></p><b>x</b></div>", 2),
        ("<p>x</p>", "<p>x", 1),
        ("<i>x</i>", "<p><i>x</p>", 1),
        ("<em>x</em>", "</em><em>x</em>", 1),
        ("<p>a b</p>", "<p>a\n   b</p>", 1),
        ("<p>a&amp;b</p>", "<p>a&b</p>", 1),
        ("<p>x</p>", "<p>y</p>", 0),
        ("", "<p>y</p>", 0),
        ("x", "<p>x x</p><i>x</i>", 3),
        ("<p>a<b>c</b></p>", "<p>a <b>c</b> </p>", 1),
        ("<x-widget/>", "<x-widget></x-widget>", 1),
        ("<p>ab</p>", "<p>a<!-- split -->b</p>", 1),
        ("<p>a b</p>", "<p>a <!-- split -->b</p>", 1),
        ("<p>a&lt;b</p>", "<p>a&#60;b</p>", 1),
    ],
)
def test_html_counting(needle: str, haystack: str, count: int) -> None:
    from microframe_testing._html import count as html_count

    assert html_count(needle, haystack) == count


# --- redirects ------------------------------------------------------------------------


def test_assert_redirects(rec: RecordingClient) -> None:
    assert_redirects(rec.post("/save"), "/hello")
    assert_redirects(rec.post("/save"), "http://localhost/hello")
    assert_redirects(rec.get("/moved"), "/hello?x=1", status=301)
    assert_redirects(rec.get("/away"), "https://example.com/elsewhere")
    assert_redirects(rec.post("/save").exchange, "/hello")
    followed = rec.post("/save", follow_redirects=True)
    assert followed.status_code == 200
    assert_redirects(followed, "/hello")


def test_assert_redirects_failures(rec: RecordingClient) -> None:
    message = failure(lambda: assert_redirects(rec.post("/save"), "/login"))
    assert message.startswith(
        "expected a 302 redirect to '/login' but got a 302 FOUND redirect to '/hello'"
    )
    message = failure(lambda: assert_redirects(rec.post("/save"), "/hello", 301))
    assert message.startswith("expected a 301 redirect to '/hello' but got a 302")
    message = failure(lambda: assert_redirects(rec.get("/"), "/hello"))
    assert message.startswith("expected a 302 redirect to '/hello' but got 200 OK\n")
    message = failure(lambda: assert_redirects(rec.get("/away"), "/elsewhere"))
    assert "redirect to 'https://example.com/elsewhere'" in message
    message = failure(
        lambda: assert_redirects(rec.get("/moved"), "https://localhost/hello?x=1", 301)
    )
    assert "but got a 301 MOVED PERMANENTLY redirect" in message


# --- templates and flashes --------------------------------------------------------


def test_assert_template_used(rec: RecordingClient) -> None:
    response = rec.get("/hello")
    assert_template_used(response, "hello.txt")
    assert_template_used(response, "hello.txt", context={"name": "Ada"})
    assert_template_used(response.exchange, "hello.txt", {"name": "Ada", "extra": 1})
    assert_template_not_used(response, "other.html")
    followed = rec.post("/save", follow_redirects=True)
    assert_template_used(followed, "hello.txt")


def test_assert_template_used_failures(rec: RecordingClient) -> None:
    response = rec.get("/hello")
    message = failure(lambda: assert_template_used(response, "user.html"))
    assert message.startswith(
        "expected template 'user.html' to be rendered but got 'hello.txt' rendered\n"
        "What happened:\n"
        "  GET /hello -> 200 OK  endpoint='hello'  templates=['hello.txt']"
    )
    message = failure(
        lambda: assert_template_used(
            response, "hello.txt", context={"name": "Bob", "missing": 1, "extra": 1}
        )
    )
    assert message.startswith(
        "expected template 'hello.txt' rendered with a context including"
        " {'name': 'Bob', 'missing': 1, 'extra': 1} but got a different context:\n"
        "  name: expected 'Bob' but got 'Ada'\n"
        "  missing: expected 1 but got (not in the context)\n"
        "What happened:"
    )
    message = failure(lambda: assert_template_used(rec.get("/api"), "hello.txt"))
    assert "but got no template rendered" in message
    message = failure(lambda: assert_template_not_used(response, "hello.txt"))
    assert message.startswith(
        "expected template 'hello.txt' not to be rendered but got 'hello.txt' rendered"
    )


def test_assert_flashed(rec: RecordingClient) -> None:
    response = rec.post("/save")
    assert_flashed(response, "Saved")
    assert_flashed(response, "Saved", "info")
    assert_flashed(rec.post("/save", follow_redirects=True), "Saved", "info")
    message = failure(lambda: assert_flashed(response, "Saved", "error"))
    assert message.startswith(
        "expected 'Saved' ('error') to be flashed but got 'Saved' ('info')"
    )
    message = failure(lambda: assert_flashed(rec.get("/"), "Saved"))
    assert message.startswith("expected 'Saved' to be flashed but got nothing flashed")


# --- JSON -------------------------------------------------------------------------


def test_assert_json(rec: RecordingClient) -> None:
    response = rec.get("/api")
    data = assert_json(response, {"user": {"name": "Ada"}})
    assert data["n"] == 1
    assert_json(response, {"user": {"tags": ["a", "b"]}, "active": True, "n": 1.0})
    assert_json(response.exchange, {})


@pytest.mark.parametrize(
    ("expected", "difference"),
    [
        ({"user": {"name": "Bob"}}, "at $.user.name: expected 'Bob' but got 'Ada'"),
        ({"nope": 1}, "at $: missing key 'nope'"),
        (
            {"user": {"tags": ["a"]}},
            "at $.user.tags: expected ['a'] but got ['a', 'b']",
        ),
        ({"user": {"tags": ["a", "c"]}}, "at $.user.tags[1]: expected 'c' but got 'b'"),
        ({"user": "Ada"}, "at $.user: expected 'Ada' but got {"),
        ({"active": 1}, "at $.active: expected 1 but got True"),
        ({"n": {"x": 1}}, "at $.n: expected an object but got 1"),
    ],
)
def test_assert_json_failures(
    rec: RecordingClient, expected: dict[str, t.Any], difference: str
) -> None:
    message = failure(lambda: assert_json(rec.get("/api"), expected))
    first, second = message.splitlines()[:2]
    assert first.startswith(f"expected JSON containing {expected!r} but got {{")
    assert second.startswith(f"  {difference}")


def test_assert_json_of_a_non_json_body(rec: RecordingClient) -> None:
    message = failure(lambda: assert_json(rec.get("/"), {"a": 1}))
    assert re.match(
        r"expected a JSON body containing \{'a': 1\} but got a body that is not JSON"
        r" \(Content-Type 'text/html; charset=utf-8'\)",
        message,
    )


def test_assert_json_of_an_exception(rec: RecordingClient) -> None:
    with pytest.raises(RuntimeError):
        rec.get("/boom")
    message = failure(lambda: assert_json(rec.last, {"a": 1}))
    assert "(Content-Type None)" in message
    message = failure(lambda: assert_contains(rec.last, "x"))
    assert message.startswith(
        "expected status 200 (and 'x' in the body) but got an exception"
    )
    message = failure(lambda: assert_redirects(rec.last, "/x"))
    assert message.startswith("expected a 302 redirect to '/x' but got an exception")
