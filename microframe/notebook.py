"""Rich display in Jupyter, and the links that work behind Jupyter's proxies.

IPython shows an object's ``_repr_html_``; microframe gives one to

- an app: its routes (rule, methods, endpoint) and whether it is serving;
- a :class:`~microframe.serving.Server`: a link to it, and
  ``server.display()`` for the page itself in an IFrame;
- a response (:func:`response_repr_html`): status, headers and body, with
  HTML in a sandboxed iframe, JSON pretty-printed and text preformatted.
  ``%load_ext microframe.notebook`` shows every werkzeug response this way.

Under JupyterHub or jupyter-server-proxy the browser cannot reach
``127.0.0.1:<port>`` directly; :func:`proxy_base` finds the path that can, and
:class:`JupyterProxyFix` makes the app's URLs work through it.

Nothing here imports IPython unless it is already running.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import typing as t

from markupsafe import Markup

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from werkzeug.wrappers import Response as BaseResponse

    from .app import Microframe
    from .embedding.serving import Server

#: The config key with the proxy URL for displayed links (see :func:`proxy_base`).
PROXY_URL_KEY = "SERVE_PROXY_URL"
_HIDDEN_METHODS = frozenset({"HEAD", "OPTIONS"})
_TEXT_LIMIT = 100_000
_TEXTUAL = frozenset(
    {"application/javascript", "application/xml", "application/x-www-form-urlencoded"}
)


def proxy_base(
    port: int,
    proxy_url: str | None = None,
    config: t.Mapping[str, t.Any] | None = None,
    environ: t.Mapping[str, str] | None = None,
) -> str | None:
    """The URL (or path) through which a browser reaches ``port``, or ``None``.

    In order: ``proxy_url``, the ``SERVE_PROXY_URL`` config key, then
    ``JUPYTERHUB_SERVICE_PREFIX`` from the environment. A URL containing
    ``{port}`` is a template (``"https://host/proxy/{port}"``); any other is
    a Jupyter server's base URL, to which ``/proxy/<port>`` is added, the
    path jupyter-server-proxy answers.
    """
    url = proxy_url or (config.get(PROXY_URL_KEY) if config is not None else None)
    if url:
        if "{port}" in url:
            return str(url).format(port=port).rstrip("/")
        return f"{str(url).rstrip('/')}/proxy/{port}"
    prefix = (os.environ if environ is None else environ).get(
        "JUPYTERHUB_SERVICE_PREFIX"
    )
    if prefix:
        return f"{prefix.rstrip('/')}/proxy/{port}"
    return None


# -- requests through jupyter-server-proxy -----------------------------------------

#: The header in which jupyter-server-proxy names the path it serves a port at
#: (``/user/me/proxy/8000``); it sends the same value as ``X-Forwarded-Prefix``.
CONTEXT_HEADER = "HTTP_X_PROXYCONTEXTPATH"
_REDIRECTS = frozenset({"301", "302", "303", "307", "308"})


def jupyter_context(environ: WSGIEnvironment, port: int) -> str | None:
    """The path jupyter-server-proxy serves this request at, or ``None``.

    Only a request from a loopback address (jupyter-server-proxy runs in the
    Jupyter server, on this machine) whose context path ends in
    ``/proxy/<port>`` of this server counts.
    """
    context = str(environ.get(CONTEXT_HEADER, "")).rstrip("/")
    if not context.endswith(f"/proxy/{port}"):
        return None
    from .access import is_loopback

    peer = environ.get("werkzeug.proxy_fix.orig", environ).get("REMOTE_ADDR", "")
    return context if is_loopback(str(peer)) else None


def proxied_host(environ: WSGIEnvironment, port: int) -> str | None:
    """The ``Host`` header of a request that came through Jupyter's proxy.

    A browser that connects to this server directly, as a DNS-rebinding page
    does, always names this server's port in ``Host``; a request that names
    another port (Jupyter's, or none for 80/443) on a request
    jupyter-server-proxy forwarded was addressed to the Jupyter server, whose
    host is the one the displayed link points at.
    """
    host = environ.get("HTTP_HOST")
    if host is None or jupyter_context(environ, port) is None:
        return None
    named = host.rpartition(":")[2] if not host.endswith("]") else ""
    if named.isdigit() and int(named) == port:
        return None
    if not named.isdigit() and port in (80, 443):
        return None
    return str(host)


class JupyterProxyFix:
    """Serve requests from jupyter-server-proxy at the path the browser sees.

    jupyter-server-proxy forwards ``<base>/proxy/<port>/users/7`` as
    ``/users/7``. This middleware puts the context path in ``SCRIPT_NAME``
    (once: not when a trusted ``X-Forwarded-Prefix`` already did), so
    ``url_for`` builds ``<base>/proxy/<port>/users/7``; and it turns a
    redirect to a path under the context into a relative one, which the proxy
    leaves alone, where it would put the context in front of an absolute path
    a second time. Other requests pass untouched.
    """

    def __init__(self, app: WSGIApplication, port: int) -> None:
        self.app = app
        self.port = port

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        context = jupyter_context(environ, self.port)
        if context is None:
            return self.app(environ, start_response)
        script = environ.get("SCRIPT_NAME", "")
        # The page the browser asked for, as the proxy forwarded it.
        path = (
            environ.get("REQUEST_URI")
            or environ.get("RAW_URI")
            or f"{script}{environ.get('PATH_INFO', '')}"
        )
        if not (script == context or script.startswith(f"{context}/")):
            environ["SCRIPT_NAME"] = f"{context}{script}"
        else:  # a trusted X-Forwarded-Prefix put the context in already
            path = path.removeprefix(context)
        depth = f"{context}{path.partition('?')[0]}".rpartition("/")[0].count("/")

        def start(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Callable[[bytes], object]:
            if status[:3] in _REDIRECTS:
                headers = [
                    (name, _relative(value, context, depth))
                    if name.lower() == "location"
                    else (name, value)
                    for name, value in headers
                ]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _relative(location: str, context: str, depth: int) -> str:
    """``location`` relative to a page ``depth`` folders deep, if under ``context``."""
    path = location.partition("?")[0].partition("#")[0]
    if not (path == context or path.startswith(f"{context}/")):
        return location
    return f"./{'../' * depth}{location[1:]}"


# -- apps ------------------------------------------------------------------------


def _routes(app: Microframe) -> list[tuple[str, str, str]]:
    rows = []
    for rule in app.url_map.iter_rules():
        methods = sorted(set(rule.methods or ()) - _HIDDEN_METHODS)
        rows.append((rule.rule, ", ".join(methods), rule.endpoint))
    return sorted(rows)


def _serving(app: t.Any) -> Server | None:
    # No server can run before microframe.embedding.serving is imported: don't
    # import it (and werkzeug's server) just to show an app.
    serving = sys.modules.get("microframe.embedding.serving")
    if serving is None:
        return None
    return serving.server_for(app)  # type: ignore[no-any-return]


def app_repr(app: Microframe) -> str:
    """``<Microframe 'name'>``, with the URL while it is serving."""
    server = _serving(app)
    if server is None:
        return f"<Microframe {app.name!r}>"
    return f"<Microframe {app.name!r} serving at {server.url}>"


def app_repr_text(app: Microframe) -> str:
    """The app, its serving status and its route table, as plain text."""
    rows = [("Rule", "Methods", "Endpoint"), *_routes(app)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [app_repr(app)]
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(w) for cell, w in zip(row, widths, strict=True)
            ).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def app_repr_html(app: Microframe) -> str:
    """The app as HTML: name, serving status with a link, and its routes."""
    server = _serving(app)
    if server is None:
        status = Markup("not serving &mdash; <code>app.serve()</code> starts it")
    else:
        status = Markup("serving at {}").format(_link(server.browser_url()))
    rows = Markup("").join(
        Markup("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>").format(
            rule, methods, endpoint
        )
        for rule, methods, endpoint in _routes(app)
    )
    return str(
        Markup(
            "<div class='microframe-app'><p><strong>Microframe</strong>"
            " <code>{}</code>: {}</p><table><thead><tr><th>Rule</th><th>Methods</th>"
            "<th>Endpoint</th></tr></thead><tbody>{}</tbody></table></div>"
        ).format(app.name, status, rows)
    )


# -- servers ---------------------------------------------------------------------


def _link(url: str) -> Markup:
    return Markup("<a href='{0}' target='_blank' rel='noopener'>{0}</a>").format(url)


def server_repr_html(server: Server) -> str:
    """A server as HTML: a link while it runs, the fact that it stopped after."""
    name = getattr(server.app, "name", None) or type(server.app).__name__
    if server.running:
        where = Markup("serving at {}").format(_link(server.browser_url()))
    else:
        where = Markup("stopped (was at <code>{}</code>)").format(server.url)
    return str(
        Markup("<div class='microframe-server'><strong>{}</strong> {}</div>").format(
            name, where
        )
    )


class InlineFrame:
    """A page shown inline, as an IFrame, when displayed in Jupyter."""

    def __init__(self, src: str, height: int = 400, width: str = "100%") -> None:
        self.src = src
        self.height = height
        self.width = width

    def _repr_html_(self) -> str:
        # Where the frame cannot render (an untrusted notebook drops it, a
        # static page has no server behind it), the link and the line remain.
        return str(
            Markup(
                "<div class='microframe-frame'><iframe src='{0}' width='{1}'"
                " height='{2}' style='border: 1px solid #ccc'></iframe>"
                "<p>The page is served at {3}. No frame above? Open the link (a"
                " notebook that is not trusted, or a saved page, does not show"
                " it inline).</p></div>"
            ).format(self.src, self.width, self.height, _link(self.src))
        )

    def __repr__(self) -> str:
        return f"<InlineFrame {self.src!r} height={self.height}>"


def _ipython() -> t.Any:
    # Only an IPython that is already imported can be running this code.
    module = sys.modules.get("IPython")
    get_ipython = getattr(module, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def running_in_ipython() -> bool:
    """Whether this code runs under IPython (a notebook kernel or its shell)."""
    return _ipython() is not None


def display_frame(src: str, height: int = 400) -> InlineFrame | None:
    """Display ``src`` in an IFrame under IPython; elsewhere return the frame."""
    frame = InlineFrame(src, height)
    if _ipython() is None:
        return frame
    from IPython.display import display

    display(frame)  # type: ignore[no-untyped-call,unused-ignore]
    return None


# -- responses -------------------------------------------------------------------


def _body_html(response: BaseResponse) -> Markup:
    from werkzeug.test import TestResponse

    if not response.is_sequence and not isinstance(response, TestResponse):
        return Markup(
            "<p><em>A streamed body, not shown (reading it would use it up).</em></p>"
        )
    data = response.get_data()
    mimetype = response.mimetype or ""
    if not data:
        return Markup("<p><em>No body.</em></p>")
    text = data.decode(response.mimetype_params.get("charset", "utf-8"), "replace")
    if mimetype in ("text/html", "application/xhtml+xml"):
        return Markup(
            "<iframe sandbox='' srcdoc='{}' style='width: 100%; height: 300px;"
            " border: 1px solid #ccc'></iframe>"
        ).format(text)
    if response.is_json:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    elif not (
        mimetype.startswith("text/")
        or mimetype in _TEXTUAL
        or mimetype.endswith("+xml")
    ):
        return Markup("<p><em>{} bytes of {}.</em></p>").format(
            len(data), mimetype or "data"
        )
    note = Markup("")
    if len(text) > _TEXT_LIMIT:
        note = Markup("<p><em>First {} of {} characters.</em></p>").format(
            _TEXT_LIMIT, len(text)
        )
        text = text[:_TEXT_LIMIT]
    return Markup("<pre>{}</pre>{}").format(text, note)


def response_repr_html(response: BaseResponse) -> str:
    """A response as HTML: status, headers and the body.

    HTML bodies render in a sandboxed iframe (no scripts, no forms), JSON is
    pretty-printed and other text preformatted; binary bodies are summed up.
    A streamed body of a response that is not a test response is left unread.
    """
    headers = Markup("").join(
        Markup("<tr><th style='text-align: left'>{}</th><td>{}</td></tr>").format(
            name, value
        )
        for name, value in response.headers.items()
    )
    return str(
        Markup(
            "<div class='microframe-response'><p><strong>{}</strong></p>"
            "<table>{}</table>{}</div>"
        ).format(response.status, headers, _body_html(response))
    )


# -- the IPython extension -------------------------------------------------------


def load_ipython_extension(ipython: t.Any) -> None:
    """``%load_ext microframe.notebook``: show werkzeug responses as HTML."""
    from werkzeug.wrappers import Response

    formatter = ipython.display_formatter.formatters["text/html"]
    formatter.for_type(Response, response_repr_html)


def unload_ipython_extension(ipython: t.Any) -> None:
    """``%unload_ext microframe.notebook``: back to IPython's default display."""
    from werkzeug.wrappers import Response

    formatter = ipython.display_formatter.formatters["text/html"]
    formatter.pop(Response, None)
