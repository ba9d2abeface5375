"""Serving apps under URL prefixes, and behind proxies that add one of their own.

:func:`mount` composes WSGI apps (microframe or not) behind one server, each
under its path; a mounted app sees its prefix in ``SCRIPT_NAME``, so
``url_for`` builds prefixed URLs::

    application = mount({"/admin": admin_app, "/": site})

:class:`ProxyFix` is werkzeug's proxy-header middleware with one difference:
``X-Forwarded-Prefix`` is *prepended* to the path the app is mounted at,
instead of replacing it, so an app mounted at ``/admin`` behind a proxy that
forwards ``/tools`` builds ``/tools/admin/...`` URLs.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix as _WerkzeugProxyFix

from ..routing import wsgi_path_info

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_MOUNT_KEY = "microframe.mounting.script_name"


def normalize_prefix(prefix: str) -> str:
    """``"admin/"`` -> ``"/admin"``; rejects prefixes that cannot be a path."""
    if not isinstance(prefix, str):
        raise TypeError(f"A URL prefix must be a string like '/admin', not {prefix!r}.")
    cleaned = "/" + prefix.strip("/")
    if (
        any(ch in prefix for ch in "?#")
        or "//" in cleaned
        or any(ch.isspace() for ch in prefix)
    ):
        raise ValueError(
            f"The URL prefix {prefix!r} is not a plain path: write it like"
            " '/admin' or '/tools/admin', without '?', '#', spaces or '//'."
        )
    return "" if cleaned == "/" else cleaned


class _Unmounted:
    """Answers paths outside every mount: ``/`` redirects to a lone mount."""

    def __init__(self, prefixes: list[str]) -> None:
        self.prefixes = prefixes

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        path = wsgi_path_info(environ) or "/"
        if path == "/" and len(self.prefixes) == 1:
            location = f"{environ.get('SCRIPT_NAME', '')}{self.prefixes[0]}/"
            start_response(
                "302 Found", [("Location", location), ("Content-Length", "0")]
            )
            return [b""]
        mounted = ", ".join(f"{prefix}/" for prefix in self.prefixes)
        error = NotFound(
            f"Nothing is served at {path!r}: this server serves {mounted}."
        )
        return error(environ, start_response)


def mount(apps: t.Mapping[str, WSGIApplication]) -> WSGIApplication:
    """One WSGI app that dispatches to ``apps`` by path prefix.

    Keys are prefixes (``"/admin"``); ``"/"`` is the app for everything
    else. Without one, ``/`` redirects to the only mount (or lists the mounts)
    and other paths are 404. The longest matching prefix wins.
    """
    mounts: dict[str, WSGIApplication] = {}
    for prefix, app in apps.items():
        if not callable(app):
            raise TypeError(
                f"The app mounted at {prefix!r} is {type(app).__name__} {app!r},"
                " not a WSGI application."
            )
        key = normalize_prefix(prefix)
        if key in mounts:
            raise ValueError(
                f"Two apps are mounted at {key or '/'!r} (given as {prefix!r});"
                " give each its own prefix."
            )
        mounts[key] = app
    root = mounts.pop("", None)
    if root is None:
        if not mounts:
            raise ValueError("mount() needs at least one app, e.g. {'/admin': app}.")
        root = _Unmounted(sorted(mounts))
    return DispatcherMiddleware(root, mounts)


class ProxyFix:
    """Trust ``X-Forwarded-*`` headers from ``x_*`` proxies, like werkzeug's.

    The arguments are werkzeug's :class:`~werkzeug.middleware.proxy_fix.ProxyFix`
    ones. The forwarded prefix goes in front of the ``SCRIPT_NAME`` the app
    already has (its mount path), where werkzeug's would replace it. Apply it
    to the app (``app.wsgi_app = ProxyFix(app.wsgi_app, x_prefix=1)``) or
    around a :func:`mount`; both give the same URLs.
    """

    def __init__(
        self,
        app: WSGIApplication,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
        self._fix = _WerkzeugProxyFix(
            self._rejoin,
            x_for=x_for,
            x_proto=x_proto,
            x_host=x_host,
            x_port=x_port,
            x_prefix=x_prefix,
        )

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        # werkzeug's fix sets SCRIPT_NAME to the forwarded prefix; start it
        # empty and put the mount path back after whatever it sets.
        environ[_MOUNT_KEY] = environ.get("SCRIPT_NAME", "")
        environ["SCRIPT_NAME"] = ""
        return self._fix(environ, start_response)

    def _rejoin(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        mounted = environ.pop(_MOUNT_KEY, "")
        forwarded = environ.get("SCRIPT_NAME", "").rstrip("/")
        environ["SCRIPT_NAME"] = f"{forwarded}{mounted}"
        return self.app(environ, start_response)
