"""Tests for HAR export and curl commands of recorded exchanges."""

from __future__ import annotations

import base64
import json
import shlex
import typing as t
from datetime import datetime
from pathlib import Path

import pytest

from microframe import Microframe, flash, redirect, render_template_string, request
from microframe_testing import RecordingClient


@pytest.fixture
def rec(app: Microframe) -> t.Iterator[RecordingClient]:
    """A recording client that has made a few kinds of request."""

    @app.route("/items/<int:item>", methods=["GET", "POST", "HEAD", "PUT"])
    def item(item: int) -> t.Any:
        if request.method == "POST":
            flash("Stored", "info")
            response = redirect("/items/1")
            response.set_cookie("last", str(item), path="/items", httponly=True)
            response.set_cookie(
                "flag", "1", secure=True, domain="localhost", samesite="Lax"
            )
            return response
        return render_template_string("item {{ item }}", item=item)

    @app.route("/png")
    def png() -> t.Any:
        return app.response_class(b"\x89PNG\r\n\x1a\n\xff", mimetype="image/png")

    @app.route("/raw")
    def raw() -> t.Any:
        response = app.response_class(b"plain bytes")
        del response.headers["Content-Type"]
        return response

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("broken")

    client = RecordingClient(app, app.response_class)
    yield client
    client.close()


def test_har_document(rec: RecordingClient, tmp_path: Path) -> None:
    rec.set_cookie("a", "1")
    rec.set_cookie("b", "2")
    rec.get("/items/3?color=red&size=")
    rec.post("/items/4", json={"name": "Ada"})
    path = tmp_path / "traffic.har"
    document = rec.history.to_har(path)
    assert json.loads(path.read_text("utf-8")) == document

    log = document["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "microframe-wsgi-testing"
    assert log["creator"]["version"]
    assert log["pages"] == []
    first, second = log["entries"]
    for entry in log["entries"]:
        assert {
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
        } <= (entry.keys())
        datetime.fromisoformat(entry["startedDateTime"])
        assert entry["time"] >= 0
        assert entry["timings"]["wait"] == entry["time"]
        assert {"send", "wait", "receive"} <= entry["timings"].keys()
        for part in ("request", "response"):
            assert {"httpVersion", "cookies", "headers", "headersSize", "bodySize"} <= (
                entry[part].keys()
            )

    request_ = first["request"]
    assert request_["method"] == "GET"
    assert request_["url"] == "http://localhost/items/3?color=red&size="
    assert request_["httpVersion"] == "HTTP/1.1"
    assert request_["queryString"] == [
        {"name": "color", "value": "red"},
        {"name": "size", "value": ""},
    ]
    assert request_["cookies"] == [
        {"name": "a", "value": "1"},
        {"name": "b", "value": "2"},
    ]
    assert {"name": "Host", "value": "localhost"} in request_["headers"]
    assert request_["bodySize"] == 0
    assert "postData" not in request_
    response = first["response"]
    assert response["status"] == 200
    assert response["statusText"] == "OK"
    assert response["content"] == {
        "size": 6,
        "mimeType": "text/html; charset=utf-8",
        "text": "item 3",
    }
    assert response["redirectURL"] == ""
    assert first["_endpoint"] == "item"
    assert first["_viewArgs"] == {"item": "3"}
    assert first["_templates"] == [None]

    assert second["request"]["postData"] == {
        "mimeType": "application/json",
        "text": '{"name": "Ada"}',
    }
    assert second["request"]["bodySize"] == 15
    assert second["response"]["status"] == 302
    assert second["response"]["redirectURL"] == "/items/1"
    assert second["_flashes"] == [["info", "Stored"]]
    cookies = {c["name"]: c for c in second["response"]["cookies"]}
    assert cookies["last"] == {
        "name": "last",
        "value": "4",
        "path": "/items",
        "httpOnly": True,
    }
    assert cookies["flag"]["secure"] is True
    assert cookies["flag"]["domain"] == "localhost"


def test_har_binary_and_untyped_bodies(rec: RecordingClient) -> None:
    rec.get("/png")
    rec.get("/raw")
    png, raw = rec.history.to_har()["log"]["entries"]
    content = png["response"]["content"]
    assert content["encoding"] == "base64"
    assert base64.b64decode(content["text"]) == b"\x89PNG\r\n\x1a\n\xff"
    assert content["mimeType"] == "image/png"
    assert raw["response"]["content"] == {
        "size": 11,
        "mimeType": "x-unknown",
        "text": "plain bytes",
    }


def test_har_of_an_exception(rec: RecordingClient) -> None:
    with pytest.raises(ValueError):
        rec.get("/boom")
    (entry,) = rec.history.to_har()["log"]["entries"]
    assert entry["response"]["status"] == 0
    assert entry["response"]["bodySize"] == -1
    assert "ValueError: broken" in entry["_error"]


def test_har_of_a_filtered_history(rec: RecordingClient) -> None:
    rec.get("/items/1")
    rec.get("/png")
    entries = rec.history.filter(endpoint="png").to_har()["log"]["entries"]
    assert [e["request"]["url"] for e in entries] == ["http://localhost/png"]


def test_curl_of_a_get(rec: RecordingClient) -> None:
    command = rec.get("/items/3?q=a b", headers={"X-Token": "it's"}).exchange.to_curl()
    argv = shlex.split(command)
    assert argv[0] == "curl"
    assert argv[-1] == "http://localhost/items/3?q=a%20b"
    assert "-X" not in argv
    headers = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-H"]
    assert "X-Token: it's" in headers
    assert not any(h.lower().startswith(("host:", "content-length:")) for h in headers)


def test_curl_of_a_post_with_json(rec: RecordingClient) -> None:
    exchange = rec.post("/items/4", json={"name": "Ada Lovelace"}).exchange
    argv = shlex.split(exchange.to_curl())
    assert argv[argv.index("-X") + 1] == "POST"
    assert argv[argv.index("--data-binary") + 1] == '{"name": "Ada Lovelace"}'
    assert "Content-Type: application/json" in argv
    assert shlex.split(exchange.to_curl("http://127.0.0.1:5000/"))[-1] == (
        "http://127.0.0.1:5000/items/4"
    )


def test_curl_of_head_and_binary_bodies(rec: RecordingClient) -> None:
    head = shlex.split(rec.head("/items/1").exchange.to_curl())
    assert "--head" in head
    assert "-X" not in head
    command = rec.put("/items/2", data=b"\xff\x00").exchange.to_curl()
    prefix, _, curl = command.partition(" | base64 --decode | ")
    encoded = base64.b64encode(b"\xff\x00").decode()
    assert prefix == f"printf %s {encoded}"
    argv = shlex.split(curl)
    assert argv[argv.index("--data-binary") + 1] == "@-"
    assert argv[argv.index("-X") + 1] == "PUT"
