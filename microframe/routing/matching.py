"""How a request finds its rule: the map's shortcuts first, then werkzeug.

Flask binds the URL map to every request's environ before matching, which is a
good part of a request's cost. microframe binds once per host, script name and
scheme (:func:`base_adapter`), answers static paths, plain dynamic matches and
certain misses from :class:`~microframe.routing.Map`'s shortcuts, and hands
everything else — redirects, 405s, host and subdomain matching — to werkzeug.
"""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import MapAdapter
from werkzeug.wsgi import get_host

from ..pipeline import plan_for
from . import wsgi_path_info, wsgi_query_string

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe
    from ..ctx import RequestContext
    from ..wrappers import Request


def base_adapter(app: Microframe, request: Request) -> MapAdapter:
    """The URL map bound for everything but the request's path, method and query.

    Those three are passed to ``match()`` per request, so one adapter serves
    every request that arrives for the same host, script name and scheme.
    """
    environ = request.environ
    trusted_hosts = app.config["TRUSTED_HOSTS"]
    if trusted_hosts is not None:
        request.trusted_hosts = trusted_hosts
        get_host(environ, trusted_hosts)
    if "HTTP_UPGRADE" in environ:
        return t.cast(MapAdapter, app.create_url_adapter(request))
    key = (
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
        environ.get("wsgi.url_scheme"),
        app.config["SERVER_NAME"],
        app.subdomain_matching,
    )
    return app.url_map.cached_adapter(
        key, lambda: t.cast(MapAdapter, app.create_url_adapter(request))
    )


def url_adapter_for(app: Microframe, request: Request) -> MapAdapter | None:
    """The adapter a request context exposes as ``url_adapter``."""
    if not plan_for(app).matches_directly:
        return app.create_url_adapter(request)
    base = base_adapter(app, request)
    environ = request.environ
    return MapAdapter(
        base.map,
        base.server_name,
        base.script_name,
        base.subdomain,
        base.url_scheme,
        wsgi_path_info(environ),
        request.method,
        wsgi_query_string(environ),
    )


def _check_host(host: str, valid: set[str]) -> None:
    # A host name or address, with an optional port: printable ASCII only.
    if not (host.isascii() and host.isprintable() and " " not in host):
        raise BadRequest(
            f"The Host header {host!r} is not a host name: it holds characters"
            " outside printable ASCII. Send the server's name (or address)."
        )
    if len(valid) < 64:
        valid.add(host)


def match_request(
    app: Microframe, request: Request, ctx: RequestContext
) -> tuple[t.Any, dict[str, t.Any]] | None:
    """The ``(rule, view_args)`` of a request; HTTP errors for misses.

    Static paths, plain dynamic matches and certain 404s are answered by the
    map's shortcuts; everything else by werkzeug. An app that overrides
    ``create_url_adapter`` gets Flask's path: bind, then match.
    """
    plan = ctx._plan
    if plan is None or plan is not app._plan:
        plan = ctx._plan = plan_for(app)
    if not plan.matches_directly:
        adapter = ctx.url_adapter
        if adapter is None:
            return None
        return adapter.match(return_rule=True)  # type: ignore[return-value]
    environ = request.environ
    host = environ.get("HTTP_HOST")
    if host is not None and host not in plan.valid_hosts:
        _check_host(host, plan.valid_hosts)
    url_map = app.url_map
    if (
        not url_map.host_matching
        and not app.subdomain_matching
        and environ.get("PATH_INFO")
        and "HTTP_UPGRADE" not in environ
    ):
        if app.config["TRUSTED_HOSTS"] is not None:
            base_adapter(app, request)  # checks the host
        path = request.path
        found = url_map.match_path(path, request.method)
        if found is not None:
            return found
        if url_map.certainly_missing(path):
            raise NotFound()
    base = base_adapter(app, request)
    return base.match(  # type: ignore[return-value]
        wsgi_path_info(environ),
        request.method,
        return_rule=True,
        query_args=wsgi_query_string(environ),
        websocket=base.websocket,
    )
