"""Building URLs: ``url_for`` and what it needs.

``url_for`` resolves the endpoint (``.name`` is relative to the current
blueprint), lets the ``url_defaults`` functions fill in values, and asks the
URL map to build. Most endpoints have one rule without a host or subdomain of
its own; for those the map keeps a :class:`RuleBuild` (see
:meth:`microframe.routing.Map.build_plan`) and the URL is the rule's own
compiled builder behind the script root, without werkzeug's search through the
endpoint's rules. Everything else — several rules, ``_external``, a host,
a failed build — is built by werkzeug, and build errors go to
``url_build_error_handlers`` as in Flask.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from werkzeug.routing import BuildError, MapAdapter, ValidationError
from werkzeug.wsgi import get_host

from ..globals import _cv_app, _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe
    from ..wrappers import Request

# Characters an anchor keeps as they are (the rest is percent-encoded).
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def create_url_adapter(app: Microframe, request: Request | None) -> MapAdapter | None:
    """Bind the URL map to a request, or to ``SERVER_NAME`` outside one.

    Returns ``None`` outside a request when ``SERVER_NAME`` is not set.
    """
    config = app.config
    if request is None:
        server_name = config["SERVER_NAME"]
        if server_name is None:
            return None
        return app.url_map.bind(
            server_name,
            script_name=config["APPLICATION_ROOT"],
            url_scheme=config["PREFERRED_URL_SCHEME"],
        )
    if config["TRUSTED_HOSTS"] is not None:
        request.trusted_hosts = config["TRUSTED_HOSTS"]
    # Checked here, against the trusted hosts set just above.
    request.host = get_host(request.environ, request.trusted_hosts)
    url_map = app.url_map
    if url_map.host_matching:
        return url_map.bind_to_environ(request.environ, server_name=None)
    fixed_subdomain = (
        None if app.subdomain_matching else url_map.default_subdomain or ""
    )
    return url_map.bind_to_environ(
        request.environ, server_name=config["SERVER_NAME"], subdomain=fixed_subdomain
    )


def _plan_for(app: Microframe) -> t.Any:
    from ..pipeline import plan_for

    return plan_for(app)


def inject_url_defaults(
    app: Microframe, endpoint: str, values: dict[str, t.Any]
) -> None:
    """Let the ``url_defaults`` functions fill in ``values`` for ``endpoint``."""
    from ..pipeline import plan_for

    blueprint = endpoint.rpartition(".")[0] or None
    for fill in plan_for(app).chain(blueprint).url_defaults:
        fill(endpoint, values)


def handle_url_build_error(
    app: Microframe, error: BuildError, endpoint: str, values: dict[str, t.Any]
) -> str:
    """Try the ``url_build_error_handlers``; re-raise if none returns a URL."""
    latest: BuildError = error
    for handler in app.url_build_error_handlers:
        try:
            url = handler(latest, endpoint, values)
        except BuildError as again:
            latest = again
            continue
        if url is not None:
            return url
    raise latest


def _adapter_outside_request(app: Microframe, endpoint: str) -> MapAdapter:
    app_ctx = _cv_app.get(None)
    adapter = (
        app_ctx.url_adapter if app_ctx is not None else app.create_url_adapter(None)
    )
    if adapter is None:
        raise RuntimeError(
            f"Cannot build a URL for endpoint {endpoint!r} outside a request"
            " because SERVER_NAME is not set. Set app.config['SERVER_NAME']"
            " (e.g. 'example.com'), and APPLICATION_ROOT and"
            " PREFERRED_URL_SCHEME if needed, or build it inside"
            " app.test_request_context()."
        )
    return adapter


def _quick_build(
    adapter: MapAdapter, endpoint: str, values: dict[str, t.Any], method: str | None
) -> str | None:
    # The relative URL werkzeug would build, when the endpoint has a single
    # rule on the adapter's subdomain; None sends the build to werkzeug.
    plan = adapter.map.build_plan(endpoint)  # type: ignore[attr-defined]
    if plan is None or plan.subdomain != adapter.subdomain:
        return None
    if None in values.values():
        values = {key: value for key, value in values.items() if value is not None}
    if method is None and plan.plain:
        # No defaults and no method to check: suitable when every argument
        # is given (werkzeug's suitable_for, decided from the rule up front).
        if not plan.arguments <= values.keys():
            return None
    elif not plan.rule.suitable_for(values, method):
        return None
    compiled = plan.compiled
    if compiled is None:
        built = plan.rule.build(values)
        if built is None:
            return None
        path = built[1]
    else:
        try:
            path = compiled(**values)[1]
        except ValidationError:
            return None
    return f"{adapter.script_name.rstrip('/')}/{path.lstrip('/')}"


def url_for(
    app: Microframe,
    endpoint: str,
    /,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build a URL for ``endpoint``; see :func:`microframe.url_for`."""
    anchor, method, scheme, external = _anchor, _method, _scheme, _external
    req_ctx = _cv_request.get(None)
    if req_ctx is None:
        adapter = _adapter_outside_request(app, endpoint)
        absolute = True if external is None else external
    else:
        adapter = req_ctx.url_adapter  # type: ignore[assignment]
        if endpoint[:1] == ".":
            blueprint = req_ctx.request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        absolute = scheme is not None if external is None else external
    if scheme is not None and not absolute:
        raise ValueError(
            f"url_for({endpoint!r}, _scheme={scheme!r}) needs _external=True:"
            " a scheme only appears in an absolute URL."
        )
    plan = req_ctx._plan if req_ctx is not None and req_ctx._plan else _plan_for(app)
    if plan.injects_url_defaults:
        app.inject_url_defaults(endpoint, values)
    url = None if absolute else _quick_build(adapter, endpoint, values, method)
    if url is None:
        try:
            url = adapter.build(
                endpoint,
                values,
                method=method,
                url_scheme=scheme,
                force_external=absolute,
            )
        except BuildError as error:
            values.update(
                _anchor=anchor, _method=method, _scheme=scheme, _external=absolute
            )
            return app.handle_url_build_error(error, endpoint, values)
    if anchor is None:
        return url
    return f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"
