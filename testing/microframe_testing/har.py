"""Exchanges as replayable traffic: a HAR 1.2 document and ``curl`` commands.

HAR (HTTP Archive, http://www.softwareishard.com/blog/har-12-spec/) is what a
browser's network panel imports and exports. Each entry carries, besides the
standard fields, microframe's view of the request under ``_``-prefixed keys
(``_endpoint``, ``_templates``, ``_flashes``, ``_error``), which HAR allows.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import typing as t
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

from werkzeug.http import parse_cookie

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.datastructures import Headers

    from .exchange import Exchange

HAR_VERSION = "1.2"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_NOT_SENT = {"host", "content-length"}


def _creator() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        package_version = version("microframe-wsgi-testing")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        package_version = "0"
    return {"name": "microframe-wsgi-testing", "version": package_version}


def _pairs(items: t.Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in items]


def _is_text(mimetype: str, body: bytes) -> bool:
    if mimetype.startswith(_TEXT_TYPES) or mimetype.endswith(("+json", "+xml")):
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not mimetype or not body


def _response_cookies(headers: Headers) -> list[dict[str, t.Any]]:
    cookies = []
    for header in headers.getlist("Set-Cookie"):
        first, *attributes = header.split(";")
        name, _, value = first.strip().partition("=")
        cookie: dict[str, t.Any] = {"name": name, "value": value}
        for attribute in attributes:
            key, _, attr_value = attribute.strip().partition("=")
            key = key.lower()
            if key in ("path", "domain", "expires"):
                cookie[key] = attr_value
            elif key == "httponly":
                cookie["httpOnly"] = True
            elif key == "secure":
                cookie["secure"] = True
        cookies.append(cookie)
    return cookies


def _content(content_type: str, mimetype: str, body: bytes) -> dict[str, t.Any]:
    content: dict[str, t.Any] = {
        "size": len(body),
        "mimeType": content_type or "x-unknown",
    }
    if _is_text(mimetype, body):
        content["text"] = body.decode("utf-8", "replace")
    else:
        content["text"] = base64.b64encode(body).decode("ascii")
        content["encoding"] = "base64"
    return content


def _entry(exchange: Exchange) -> dict[str, t.Any]:
    request = exchange.request
    version = str(request.environ.get("SERVER_PROTOCOL") or "HTTP/1.1")
    har_request: dict[str, t.Any] = {
        "method": request.method,
        "url": request.url,
        "httpVersion": version,
        "cookies": _pairs(parse_cookie(request.headers.get("Cookie", "")).items()),
        "headers": _pairs(request.headers.items()),
        "queryString": _pairs(parse_qsl(request.query_string, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": len(request.body),
    }
    if request.body:
        har_request["postData"] = {
            "mimeType": request.headers.get("Content-Type", ""),
            "text": request.body.decode("utf-8", "replace"),
        }
    response = exchange.response
    milliseconds = round(exchange.duration * 1000, 3)
    entry: dict[str, t.Any] = {
        "startedDateTime": datetime.fromtimestamp(
            exchange.started, timezone.utc
        ).isoformat(timespec="milliseconds"),
        "time": milliseconds,
        "request": har_request,
        "cache": {},
        "timings": {"send": 0, "wait": milliseconds, "receive": 0},
        "_endpoint": exchange.endpoint,
        "_viewArgs": {key: str(value) for key, value in exchange.view_args.items()},
        "_templates": [tpl.name for tpl in exchange.templates],
        "_flashes": [list(flash) for flash in exchange.flashes],
    }
    if response is None:
        entry["response"] = {
            "status": 0,
            "statusText": "",
            "httpVersion": version,
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }
    else:
        body = response.body
        entry["response"] = {
            "status": response.status_code,
            "statusText": response.status.partition(" ")[2],
            "httpVersion": version,
            "cookies": _response_cookies(response.headers),
            "headers": _pairs(response.headers.items()),
            "content": _content(
                response.headers.get("Content-Type", ""), response.mimetype, body
            ),
            "redirectURL": response.location or "",
            "headersSize": -1,
            "bodySize": len(body),
        }
    if exchange.exception is not None:
        entry["_error"] = exchange.traceback
    return entry


def to_har(
    exchanges: t.Iterable[Exchange], path: str | os.PathLike[str] | None = None
) -> dict[str, t.Any]:
    """A HAR 1.2 document of ``exchanges``; also written to ``path`` if given."""
    document = {
        "log": {
            "version": HAR_VERSION,
            "creator": _creator(),
            "pages": [],
            "entries": [_entry(exchange) for exchange in exchanges],
        }
    }
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False)
    return document


def to_curl(exchange: Exchange, base_url: str | None = None) -> str:
    """A shell command that sends ``exchange``'s request again with ``curl``."""
    request = exchange.request
    url = request.url
    if base_url is not None:
        parts = urlsplit(url)
        url = (
            base_url.rstrip("/")
            + parts.path
            + (f"?{parts.query}" if parts.query else "")
        )
    body = request.body
    command = ["curl"]
    if request.method == "HEAD":
        command.append("--head")
    elif request.method != "GET" or body:
        command.extend(["-X", request.method])
    for name, value in request.headers.items():
        if name.lower() not in _NOT_SENT:
            command.extend(["-H", f"{name}: {value}"])
    prefix = ""
    if body:
        try:
            command.extend(["--data-binary", body.decode("utf-8")])
        except UnicodeDecodeError:
            encoded = base64.b64encode(body).decode("ascii")
            prefix = f"printf %s {encoded} | base64 --decode | "
            command.extend(["--data-binary", "@-"])
    command.append(url)
    return prefix + " ".join(shlex.quote(part) for part in command)
