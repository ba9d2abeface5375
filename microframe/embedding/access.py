"""Access control for a UI served on a shared machine: tokens, Host and Origin.

``app.serve()`` always wraps the app in an :class:`AccessGuard`, which
answers 403 (with the reason) unless the request

- names this server in its ``Host`` header: one of the addresses it is bound
  to, ``localhost``, or a name in ``allowed_hosts``. Loopback alone does not
  stop DNS rebinding: a page on ``evil.example`` whose name is made to resolve
  to 127.0.0.1 reaches the server with ``Host: evil.example``;
- if it is a POST, PUT, PATCH or DELETE with an ``Origin`` header, comes from
  a page of this server (or of an allowed host);
- with ``serve(token=...)``, carries the token: as ``?token=...`` on the
  first visit (the guard then sets a signed cookie, and redirects a GET to
  the same URL without the token; other methods reach the app with the token
  taken out of the URL), in that cookie, or as ``Authorization: Bearer``.

Every response also gets a framing policy, ``Content-Security-Policy:
frame-ancestors``, that lets only this server's own pages, pages on loopback
(a local Jupyter) and the proxy's pages display it in a frame, unless the app
sets a framing policy of its own.

The guard sits outside everything else, so it judges the headers the client
sent, before any proxy-header middleware rewrites them.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import typing as t
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urlsplit

from itsdangerous import BadSignature, Signer
from werkzeug.exceptions import Forbidden
from werkzeug.http import dump_cookie, parse_cookie

if t.TYPE_CHECKING:  # pragma: no cover
    import logging

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: The query parameter that carries the token on the first visit.
TOKEN_PARAM = "token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_COOKIE_SALT = "microframe.access"
_TOKEN_IN_URL = re.compile(rf"([?&;]{TOKEN_PARAM}=)[^&;#\s\"']*")
#: Who may show the app in a frame, besides the origins of allowed hosts.
_FRAME_ANCESTORS = (
    "'self'",
    "http://localhost:*",
    "https://localhost:*",
    "http://127.0.0.1:*",
    "https://127.0.0.1:*",
    "http://[::1]:*",
    "https://[::1]:*",
)


def redact_token(text: str) -> str:
    """``text`` with the value of every ``token=`` URL parameter hidden.

    The serving logs pass their lines through it, so a token never lands in
    a log file.
    """
    return _TOKEN_IN_URL.sub(r"\1[hidden]", text)


def make_token(token: str | bool | None) -> str | None:
    """The token for ``serve(token=...)``: a new one for ``True``, none for ``None``."""
    if token is None or token is False:
        return None
    if token is True:
        return secrets.token_urlsafe(24)
    if isinstance(token, str) and token:
        return token
    raise TypeError(
        f"token must be True (make one), a non-empty string, or None, not {token!r}."
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (``localhost``, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_exposed(logger: logging.Logger, host: str, port: int) -> None:
    """Log that the server at ``host`` can be reached by others without a token."""
    logger.warning(
        "Serving on %s:%s without a token: anyone who can reach this address can"
        " use the app. Pass token=True to serve() to require a token, or bind"
        " host='127.0.0.1' to keep it on this machine.",
        host,
        port,
    )


def _split_host(value: str) -> tuple[str, str | None]:
    # "name:port", "[v6]:port" or a bare name / v6 address -> (name, port).
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value.partition("]")
        return f"{name}]", rest[1:] if rest.startswith(":") else None
    if value.count(":") == 1:
        name, _, port = value.partition(":")
        return name, port
    if ":" in value:
        return f"[{value}]", None
    return value, None


class _Token:
    """A token, and the signed cookie that stands for it after the first visit."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()
        self._signer = Signer(token, salt=_COOKIE_SALT)

    def valid(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self._token)

    def cookie_value(self) -> str:
        return self._signer.sign(b"granted").decode()

    def cookie_valid(self, cookie: str) -> bool:
        try:
            return self._signer.unsign(cookie) == b"granted"
        except BadSignature:
            return False


class AccessGuard:
    """WSGI middleware that lets through only requests meant for this server.

    :param app: the WSGI app to protect.
    :param token: the token to require, or ``None`` to check only ``Host``
        and ``Origin``.
    :param served_hosts: the addresses the server is bound to.
    :param port: the port it listens on (names the cookie).
    :param allowed_hosts: more host names (``name`` or ``name:port``) to
        answer to and accept state-changing requests from; ``"*"`` accepts
        any ``Host`` header. Their pages may also frame the app.
    :param frame_origins: more origins (``https://hub.example``) whose pages
        may show the app in a frame, such as a Jupyter proxy's.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        token: str | None,
        served_hosts: t.Iterable[str],
        port: int,
        allowed_hosts: t.Iterable[str] = (),
        frame_origins: t.Iterable[str] = (),
    ) -> None:
        self.app = app
        self.token = token
        self.port = port
        self.cookie_name = f"microframe-token-{port}"
        names = {"localhost"}
        for host in served_hosts:
            if host and host not in ("0.0.0.0", "::"):
                names.add(_split_host(host)[0])
        self._served = frozenset(names)
        allowed = [entry.strip().lower() for entry in allowed_hosts]
        self._any_host = "*" in allowed
        self._allowed: set[tuple[str, str | None]] = {
            _split_host(entry) for entry in allowed if entry != "*"
        }
        self._key = _Token(token) if token is not None else None
        ancestors = [*_FRAME_ANCESTORS, *frame_origins]
        for allowed_name, allowed_port in sorted(self._allowed, key=str):
            ancestors.append(f"{allowed_name}:{allowed_port or '*'}")
        self.frame_policy = f"frame-ancestors {' '.join(ancestors)}"

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        framed = self._framed(start_response)
        reason = self._check_host(environ) or self._check_origin(environ)
        if reason is not None:
            return _refuse(reason, environ, framed)
        if self._key is not None:
            return self._check_token(self._key, environ, framed)
        return self.app(environ, framed)

    def _framed(self, start_response: StartResponse) -> StartResponse:
        # Adds the framing policy, unless the app set one of its own.
        def framed(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            own = any(
                name.lower() == "x-frame-options"
                or (
                    name.lower() == "content-security-policy"
                    and "frame-ancestors" in value
                )
                for name, value in headers
            )
            if not own:
                headers = [*headers, ("Content-Security-Policy", self.frame_policy)]
            return start_response(status, headers, exc_info)

        return framed

    # -- Host and Origin ---------------------------------------------------------

    def _allowed_name(self, name: str, port: str | None) -> bool:
        return (name, None) in self._allowed or (name, port) in self._allowed

    def _check_host(self, environ: WSGIEnvironment) -> str | None:
        host = environ.get("HTTP_HOST")
        if host is None:
            return (
                "The request has no Host header, and this server answers only"
                " requests addressed to it by name. Send a Host header (every"
                " browser and HTTP client library does)."
            )
        if self._any_host:
            return None
        name, port = _split_host(host)
        # A rebinding page always sends a name; loopback literals are safe.
        if name in self._served or is_loopback(name) or self._allowed_name(name, port):
            return None
        return (
            f"The Host header {host!r} is not an address this server answers to"
            f" ({', '.join(sorted(self._served))}), so the request was refused"
            " (this protects against DNS rebinding). If you reach the server"
            f" through that name, pass allowed_hosts=[{name!r}] to serve()."
        )

    def _check_origin(self, environ: WSGIEnvironment) -> str | None:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        origin = environ.get("HTTP_ORIGIN")
        if method not in _UNSAFE_METHODS or origin is None:
            return None
        netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
        if netloc:
            if netloc == environ.get("HTTP_HOST", "").lower():
                return None
            name, port = _split_host(netloc)
            own_name = name in self._served or is_loopback(name)
            if own_name and port == str(self.port):
                return None
            if self._allowed_name(name, port):
                return None
        return (
            f"A {method} request from the page at origin {origin!r} was refused:"
            " requests that change state must come from this server's own pages."
            " If that origin is yours, pass its host in allowed_hosts=[...] to"
            " serve()."
        )

    # -- the token ---------------------------------------------------------------

    def _check_token(
        self, key: _Token, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        given = [value for name, value in query if name == TOKEN_PARAM]
        if given:
            if not key.valid(given[0]):
                return _refuse(
                    "The token in the URL is not this server's token. Open the"
                    " exact URL that serve() printed, or ask whoever started the"
                    " server for it.",
                    environ,
                    start_response,
                )
            if environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD"):
                rest = [(name, value) for name, value in query if name != TOKEN_PARAM]
                return self._grant(key, environ, start_response, rest)
            return self.app(_without_token(environ), self._cookied(key, start_response))

        authorization = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer":
            if key.valid(credentials.strip()):
                return self.app(environ, start_response)
            return _refuse(
                "The bearer token in the Authorization header is not this"
                " server's token. Send 'Authorization: Bearer <token>' with the"
                " token serve() printed.",
                environ,
                start_response,
            )

        cookie = parse_cookie(environ).get(self.cookie_name)
        if cookie is not None and key.cookie_valid(cookie):
            return self.app(environ, start_response)
        return _refuse(
            "This server needs a token. Open the URL that serve() printed (it"
            f" ends in ?{TOKEN_PARAM}=...), or send 'Authorization: Bearer"
            " <token>'.",
            environ,
            start_response,
        )

    def _grant(
        self,
        key: _Token,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        query: list[tuple[str, str]],
    ) -> t.Iterable[bytes]:
        # A relative Location keeps whatever path prefix a proxy put in front.
        last = environ.get("PATH_INFO", "").rpartition("/")[2]
        location = f"./{quote(last.encode('latin-1'), safe='')}"
        if query:
            location = f"{location}?{urlencode(query)}"
        start_response(
            "302 Found",
            [
                ("Location", location),
                ("Set-Cookie", self._cookie(key)),
                ("Cache-Control", "no-store"),
                ("Content-Length", "0"),
            ],
        )
        return [b""]

    def _cookie(self, key: _Token) -> str:
        return dump_cookie(
            self.cookie_name,
            key.cookie_value(),
            path="/",
            httponly=True,
            samesite="Lax",
        )

    def _cookied(self, key: _Token, start_response: StartResponse) -> StartResponse:
        # The token in the URL of a POST also grants the cookie, on the reply.
        def cookied(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            headers = [*headers, ("Set-Cookie", self._cookie(key))]
            return start_response(status, headers, exc_info)

        return cookied


def _strip_token(query: str) -> str:
    # Drops the token parameter and leaves the others exactly as sent.
    parts = query.split("&")
    return "&".join(
        part for part in parts if unquote_plus(part.partition("=")[0]) != TOKEN_PARAM
    )


def _without_token(environ: WSGIEnvironment) -> WSGIEnvironment:
    # The app never sees the token: not in its query string, nor in the raw URI.
    environ["QUERY_STRING"] = _strip_token(environ.get("QUERY_STRING", ""))
    for name in ("REQUEST_URI", "RAW_URI"):
        uri = environ.get(name)
        if uri is not None and "?" in uri:
            path, _, query = uri.partition("?")
            query = _strip_token(query)
            environ[name] = f"{path}?{query}" if query else path
    return environ


def _refuse(
    reason: str, environ: WSGIEnvironment, start_response: StartResponse
) -> t.Iterable[bytes]:
    return Forbidden(reason)(environ, start_response)
