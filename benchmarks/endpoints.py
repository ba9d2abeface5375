"""The requests every scenario sends, and fresh WSGI environs for them."""

from __future__ import annotations

import io
import json
import sys
import typing as t
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

#: A ~1 KB JSON document for ``POST /echo``.
ECHO_DOCUMENT = {
    "order": 1042,
    "customer": {"id": 7, "name": "Ada Lovelace", "email": "ada@example.com"},
    "lines": [
        {
            "sku": f"SKU-{i:04d}",
            "title": f"Widget number {i}",
            "qty": i % 4 + 1,
            "price": round(9.99 + i * 1.25, 2),
            "tags": ["blue", "small"],
        }
        for i in range(8)
    ],
    "note": "Leave at the door, please.",
    "paid": True,
}
ECHO_BODY = json.dumps(ECHO_DOCUMENT).encode()


@dataclass(frozen=True)
class Endpoint:
    """One request of the benchmark app."""

    name: str
    method: str
    url: str
    body: bytes = b""
    content_type: str = ""

    @property
    def path_info(self) -> str:
        """``url`` percent-decoded as PEP 3333 says: the bytes read as latin-1."""
        return unquote_to_bytes(self.url).decode("latin-1")


ENDPOINTS = (
    Endpoint("hello", "GET", "/"),
    Endpoint("user", "GET", "/users/42"),
    Endpoint("user-jsonify", "GET", "/users/42/jsonify"),
    Endpoint("page", "GET", "/page/%3CAda%3E%26Bob"),
    Endpoint("404", "GET", "/no/such/page"),
    Endpoint("echo", "POST", "/echo", ECHO_BODY, "application/json"),
    Endpoint("echo-jsonify", "POST", "/echo/jsonify", ECHO_BODY, "application/json"),
)


def base_environ(endpoint: Endpoint, cookie: str = "") -> dict[str, t.Any]:
    """The environ a server like gunicorn passes for ``endpoint``, minus the input.

    ``cookie`` is the ``Cookie`` header's value, if the request carries one.
    """
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": endpoint.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": endpoint.path_info,
        "QUERY_STRING": "",
        "RAW_URI": endpoint.url,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "microframe-bench/1",
        "HTTP_ACCEPT": "*/*",
        "HTTP_CONNECTION": "close",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if endpoint.body:
        environ["CONTENT_TYPE"] = endpoint.content_type
        environ["CONTENT_LENGTH"] = str(len(endpoint.body))
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def fresh_environs(
    endpoint: Endpoint, count: int, cookie: str = ""
) -> list[dict[str, t.Any]]:
    """``count`` independent environs, each with its own unread input stream."""
    base = base_environ(endpoint, cookie)
    body = endpoint.body
    environs = []
    for _ in range(count):
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(body)
        environs.append(environ)
    return environs
