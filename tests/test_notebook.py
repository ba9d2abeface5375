"""Rich display and Jupyter proxies: microframe.notebook."""

from __future__ import annotations

import json
import re
import sys
import types
import typing as t

import pytest
import requests
from werkzeug.wrappers import Response as BaseResponse

from microframe import Microframe, Response, jsonify, notebook, redirect, url_for
from microframe.notebook import (
    InlineFrame,
    app_repr_html,
    app_repr_text,
    load_ipython_extension,
    proxy_base,
    response_repr_html,
    unload_ipython_extension,
)


@pytest.fixture
def routed(app: Microframe) -> Microframe:
    """``app`` with a few routes to show."""
    app.add_url_rule("/", "index", lambda: "home")
    app.add_url_rule(
        "/items/<int:n>", "item", lambda n: "item", methods=["GET", "POST"]
    )
    return app


@pytest.fixture
def no_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as if IPython were not running (as under pytest)."""
    monkeypatch.delitem(sys.modules, "IPython", raising=False)


@pytest.fixture
def fake_ipython(monkeypatch: pytest.MonkeyPatch) -> list[t.Any]:
    """A running IPython whose ``display()`` records what it is given."""
    shown: list[t.Any] = []
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: object()  # type: ignore[attr-defined]
    display = types.ModuleType("IPython.display")
    display.display = shown.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return shown


# -- proxies -----------------------------------------------------------------------


def test_no_proxy() -> None:
    assert proxy_base(5000, environ={}) is None
    assert proxy_base(5000, config={"SERVE_PROXY_URL": None}, environ={}) is None


def test_proxy_url_is_a_jupyter_base_url_or_a_template() -> None:
    assert proxy_base(5000, "/user/me/", environ={}) == "/user/me/proxy/5000"
    assert (
        proxy_base(5000, "https://hub.example/user/me", environ={})
        == "https://hub.example/user/me/proxy/5000"
    )
    assert (
        proxy_base(5000, "https://tools.example/port-{port}/", environ={})
        == "https://tools.example/port-5000"
    )


def test_proxy_from_config_then_environment() -> None:
    config = {"SERVE_PROXY_URL": "/lab/"}
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}
    assert proxy_base(8000, config=config, environ=env) == "/lab/proxy/8000"
    assert proxy_base(8000, "/given/", config, env) == "/given/proxy/8000"
    assert proxy_base(8000, environ=env) == "/user/ada/proxy/8000"


def test_proxy_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/bob/")
    assert proxy_base(1234) == "/user/bob/proxy/1234"


def test_served_links_go_through_jupyterhub(
    routed: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    with routed.serve(url_prefix="/admin", token="tok") as server:
        assert server.proxy_base == f"/user/ada/proxy/{server.port}"
        assert server.browser_url("/items/1") == (
            f"/user/ada/proxy/{server.port}/admin/items/1?token=tok"
        )
        # The direct URL stays direct.
        assert server.url == f"http://127.0.0.1:{server.port}/admin"
        assert f"href='/user/ada/proxy/{server.port}/admin/?token=tok'" in (
            server._repr_html_()
        )


def test_served_links_through_the_config_key(routed: Microframe) -> None:
    routed.config["SERVE_PROXY_URL"] = "https://hub.example/user/me/"
    with routed.serve() as server:
        assert server.browser_url() == (
            f"https://hub.example/user/me/proxy/{server.port}/"
        )


# -- requests that jupyter-server-proxy forwards -------------------------------------
# What jupyter-server-proxy sends for <base>/proxy/<port>/<path>: the path without
# the context, which it names in X-ProxyContextPath and X-Forwarded-Prefix, and
# the Host the browser asked for. tests/test_jupyter_proxy.py runs the real one.


@pytest.fixture
def redirecting(app: Microframe) -> Microframe:
    """``app`` whose pages link to each other and redirect."""
    app.add_url_rule("/", "index", lambda: url_for("user", uid=7))
    app.add_url_rule("/users/<int:uid>", "user", lambda uid: f"user {uid}")
    app.add_url_rule(
        "/items/new", "add", lambda: redirect(url_for("index")), methods=["POST"]
    )
    app.add_url_rule("/away", "away", lambda: redirect("/elsewhere?x=1"))
    return app


def _through_proxy(
    server: t.Any, path: str, context: str, method: str = "GET", **headers: str
) -> requests.Response:
    return requests.request(
        method,
        f"http://127.0.0.1:{server.port}{path}",  # the proxy's request
        headers={
            "X-ProxyContextPath": context,
            "X-Forwarded-Prefix": context,
            **headers,
        },
        allow_redirects=False,
        timeout=10,
    )


@pytest.mark.parametrize("configured", [False, True], ids=["detected", "configured"])
def test_proxied_links_and_redirects_carry_the_context_once(
    redirecting: Microframe, monkeypatch: pytest.MonkeyPatch, configured: bool
) -> None:
    if configured:  # then X-Forwarded-Prefix is trusted too
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    with redirecting.serve(url_prefix="/admin") as server:
        context = f"/user/ada/proxy/{server.port}"
        page = _through_proxy(server, "/admin/", context)
        assert page.text == f"{context}/admin/users/7"
        posted = _through_proxy(server, "/admin/items/new", context, "POST")
        assert posted.status_code == 302
        # From <context>/admin/items/ up to the root, then down: the proxy
        # leaves a relative Location alone, and the browser lands on the page.
        assert posted.headers["Location"] == f"./../../../../../..{context}/admin/"
        assert (
            requests.compat.urljoin(
                f"https://hub.example{context}/admin/items/new",
                posted.headers["Location"],
            )
            == f"https://hub.example{context}/admin/"
        )
        # A redirect out of the proxied app is left as it is.
        away = _through_proxy(server, "/admin/away", context)
        assert away.headers["Location"] == "/elsewhere?x=1"


def test_context_of_another_port_or_a_remote_peer_is_ignored(
    redirecting: Microframe,
) -> None:
    with redirecting.serve() as server:
        other = _through_proxy(server, "/", f"/proxy/{server.port + 1}")
        assert other.text == "/users/7"
    environ = {"HTTP_X_PROXYCONTEXTPATH": "/proxy/8000", "REMOTE_ADDR": "10.0.0.8"}
    assert notebook.jupyter_context(environ, 8000) is None
    environ["REMOTE_ADDR"] = "127.0.0.1"
    assert notebook.jupyter_context(environ, 8000) == "/proxy/8000"


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("hub.example.org", 8000, "hub.example.org"),  # through the hub's https
        ("127.0.0.1:8888", 8000, "127.0.0.1:8888"),  # through Jupyter's port
        ("evil.example:8000", 8000, None),  # a page that reached us directly
        ("hub.example.org", 80, None),  # no port: as direct as it gets on 80
        ("[::1]", 8000, "[::1]"),
    ],
)
def test_proxied_host(host: str, port: int, expected: str | None) -> None:
    environ = {
        "HTTP_HOST": host,
        "HTTP_X_PROXYCONTEXTPATH": f"/user/ada/proxy/{port}/",
        "REMOTE_ADDR": "127.0.0.1",
    }
    assert notebook.proxied_host(environ, port) == expected
    del environ["HTTP_X_PROXYCONTEXTPATH"]
    assert notebook.proxied_host(environ, port) is None


def test_token_under_a_hub_host(redirecting: Microframe) -> None:
    with redirecting.serve(token="tok") as server:
        context = f"/user/ada/proxy/{server.port}"
        hub = {"Host": "hub.example.org"}
        granted = _through_proxy(server, "/?token=tok", context, **hub)
        assert granted.status_code == 302
        assert granted.headers["Location"] == "./"
        cookie = granted.headers["Set-Cookie"].partition(";")[0]
        page = _through_proxy(server, "/", context, Cookie=cookie, **hub)
        assert page.status_code == 200
        assert page.text == f"{context}/users/7"
        posted = _through_proxy(
            server,
            "/items/new",
            context,
            "POST",
            Cookie=cookie,
            Origin="https://hub.example.org",
            **hub,
        )
        assert posted.status_code == 302
        # Many hosts (one guard each, kept up to a bound) all work.
        for n in range(20):
            many = _through_proxy(
                server, "/", context, Cookie=cookie, Host=f"hub{n}.example.org"
            )
            assert many.status_code == 200
        # Without the proxy's context the hub's host is refused, as before.
        direct = requests.get(
            server.url + "/?token=tok", headers=hub, allow_redirects=False, timeout=10
        )
        assert direct.status_code == 403
        assert "The Host header &#39;hub.example.org&#39;" in direct.text


def test_trust_proxy_false_ignores_the_context(redirecting: Microframe) -> None:
    with redirecting.serve(trust_proxy=False) as server:
        page = _through_proxy(server, "/", f"/proxy/{server.port}")
        assert page.text == "/users/7"


# -- apps ----------------------------------------------------------------------------


def test_app_repr(routed: Microframe) -> None:
    assert repr(routed) == "<Microframe 'test_app'>"
    with routed.serve() as server:
        assert repr(routed) == f"<Microframe 'test_app' serving at {server.url}>"
    assert repr(routed) == "<Microframe 'test_app'>"


def test_app_repr_does_not_import_the_server(
    routed: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "microframe.serving")
    monkeypatch.delitem(sys.modules, "microframe.embedding.serving")
    assert repr(routed) == "<Microframe 'test_app'>"
    assert "microframe.serving" not in sys.modules
    assert "microframe.embedding.serving" not in sys.modules


def test_app_html_shows_routes_and_status(routed: Microframe) -> None:
    html = routed._repr_html_()
    assert html == app_repr_html(routed)
    assert "<code>test_app</code>: not serving" in html
    assert "<code>app.serve()</code>" in html
    assert "<th>Rule</th><th>Methods</th><th>Endpoint</th>" in html
    assert "<tr><td><code>/</code></td><td>GET</td><td>index</td></tr>" in html
    assert (
        "<tr><td><code>/items/&lt;int:n&gt;</code></td><td>GET, POST</td>"
        "<td>item</td></tr>"
    ) in html
    assert "static" in html
    assert "OPTIONS" not in html and "HEAD" not in html
    with routed.serve() as server:
        html = routed._repr_html_()
        assert f"serving at <a href='{server.url}/' target='_blank'" in html


def test_app_html_escapes_names() -> None:
    app = Microframe("<b>app</b>")
    app.add_url_rule("/x", "<i>end</i>", lambda: "")
    html = app._repr_html_()
    assert "<b>app</b>" not in html and "&lt;b&gt;app&lt;/b&gt;" in html
    assert "&lt;i&gt;end&lt;/i&gt;" in html


def test_app_plain_text_table(routed: Microframe) -> None:
    lines = app_repr_text(routed).splitlines()
    assert lines[0] == "<Microframe 'test_app'>"
    assert lines[1].split() == ["Rule", "Methods", "Endpoint"]
    assert set(lines[2]) == {"-", " "}
    assert lines[3].split() == ["/", "GET", "index"]
    assert lines[4].split() == ["/items/<int:n>", "GET,", "POST", "item"]


def test_app_pretty_printer(routed: Microframe) -> None:
    class Printer:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def text(self, value: str) -> None:
            self.parts.append(value)

    printer = Printer()
    routed._repr_pretty_(printer, cycle=False)
    assert printer.parts == [app_repr_text(routed)]
    printer = Printer()
    routed._repr_pretty_(printer, cycle=True)
    assert printer.parts == ["<Microframe 'test_app'>"]


# -- servers -------------------------------------------------------------------------


def test_server_html_is_a_link(routed: Microframe) -> None:
    server = routed.serve()
    html = server._repr_html_()
    assert html == (
        f"<div class='microframe-server'><strong>test_app</strong> serving at"
        f" <a href='{server.url}/' target='_blank' rel='noopener'>{server.url}/</a>"
        "</div>"
    )
    server.stop()
    assert f"stopped (was at <code>{server.url}</code>)" in server._repr_html_()


def test_display_without_ipython_returns_the_frame(
    routed: Microframe, no_ipython: None
) -> None:
    with routed.serve(token="tok") as server:
        frame = server.display("/items/2", height=250)
    assert isinstance(frame, InlineFrame)
    assert frame.src == f"{server.url}/items/2?token=tok"
    assert frame.height == 250
    assert repr(frame) == f"<InlineFrame {frame.src!r} height=250>"
    src = f"{server.url}/items/2?token=tok"
    assert frame._repr_html_() == (
        f"<div class='microframe-frame'><iframe src='{src}' width='100%'"
        " height='250' style='border: 1px solid #ccc'></iframe>"
        f"<p>The page is served at <a href='{src}' target='_blank' rel='noopener'>"
        f"{src}</a>. No frame above? Open the link (a notebook that is not trusted,"
        " or a saved page, does not show it inline).</p></div>"
    )


def test_frame_leaves_a_link_where_it_cannot_render() -> None:
    # An untrusted notebook strips the iframe: the link and the line remain.
    html = InlineFrame("/user/me/proxy/8000/?a=1&b=<2>")._repr_html_()
    shown = re.sub(r"<iframe.*?</iframe>", "", html)
    assert "<a href='/user/me/proxy/8000/?a=1&amp;b=&lt;2&gt;'" in shown
    assert "The page is served at" in shown
    assert "Open the link" in shown


def test_display_under_ipython_shows_the_frame(
    routed: Microframe, fake_ipython: list[t.Any]
) -> None:
    with routed.serve() as server:
        assert server.display() is None
    (frame,) = fake_ipython
    assert isinstance(frame, InlineFrame)
    assert frame.src == server.url + "/"
    assert frame.height == 400


def test_imported_but_not_running_ipython(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    assert isinstance(notebook.display_frame("/x"), InlineFrame)


# -- responses -----------------------------------------------------------------------


def test_html_body_in_a_sandboxed_iframe(app: Microframe) -> None:
    app.add_url_rule("/", "index", lambda: "<h1>Hi 'there' & <script>x()</script>")
    html = response_repr_html(app.test_client().get("/"))
    assert html.startswith("<div class='microframe-response'><p><strong>200 OK")
    assert "<tr><th style='text-align: left'>Content-Type</th>" in html
    assert "<td>text/html; charset=utf-8</td>" in html
    assert "<iframe sandbox='' srcdoc='&lt;h1&gt;Hi &#39;there&#39; &amp;" in html
    assert "<script>" not in html


def test_json_body_pretty_printed(app: Microframe) -> None:
    app.add_url_rule("/", "index", lambda: jsonify(name="Ada", tags=["x"]))
    html = response_repr_html(app.test_client().get("/"))
    pretty = json.dumps({"name": "Ada", "tags": ["x"]}, indent=2)
    assert f"<pre>{pretty.replace(chr(34), '&#34;')}</pre>" in html


def test_invalid_json_shown_as_text() -> None:
    response = Response("{not json", mimetype="application/json")
    assert "<pre>{not json</pre>" in response_repr_html(response)


def test_text_preformatted_and_escaped() -> None:
    response = Response("a < b\nline 2", mimetype="text/plain")
    assert "<pre>a &lt; b\nline 2</pre>" in response_repr_html(response)
    xml = Response("<a/>", mimetype="application/atom+xml")
    assert "<pre>&lt;a/&gt;</pre>" in response_repr_html(xml)
    js = Response("x()", mimetype="application/javascript")
    assert "<pre>x()</pre>" in response_repr_html(js)


def test_charset_is_respected() -> None:
    response = Response(
        "é".encode("latin-1"), content_type="text/plain; charset=latin-1"
    )
    assert "<pre>é</pre>" in response_repr_html(response)


def test_long_text_is_cut() -> None:
    response = Response("x" * 100_010, mimetype="text/plain")
    html = response_repr_html(response)
    assert "First 100000 of 100010 characters." in html
    assert "x" * 100_001 not in html


def test_binary_and_empty_bodies_are_summed_up() -> None:
    png = Response(b"\x89PNG....", mimetype="image/png")
    assert "<p><em>8 bytes of image/png.</em></p>" in response_repr_html(png)
    raw = BaseResponse(b"\x00\x01")
    raw.headers.pop("Content-Type")
    assert "2 bytes of data." in response_repr_html(raw)
    assert "<p><em>No body.</em></p>" in response_repr_html(Response(status=204))


def test_streamed_body_is_left_alone() -> None:
    consumed: list[int] = []

    def generate() -> t.Iterator[str]:
        consumed.append(1)
        yield "chunk"

    response = Response(generate(), mimetype="text/plain")
    html = response_repr_html(response)
    assert "A streamed body, not shown" in html
    assert consumed == []


def test_streamed_test_response_is_read(app: Microframe) -> None:
    app.add_url_rule("/", "index", lambda: iter(["one ", "two"]))
    html = response_repr_html(app.test_client().get("/"))
    assert "one two" in html


def test_ipython_extension_registers_responses() -> None:
    class Formatter:
        def __init__(self) -> None:
            self.types: dict[type, t.Callable[..., str]] = {}

        def for_type(self, cls: type, func: t.Callable[..., str]) -> None:
            self.types[cls] = func

        def pop(self, cls: type, default: t.Any = None) -> t.Any:
            return self.types.pop(cls, default)

    formatter = Formatter()
    shell = types.SimpleNamespace(
        display_formatter=types.SimpleNamespace(formatters={"text/html": formatter})
    )
    load_ipython_extension(shell)
    assert formatter.types == {BaseResponse: response_repr_html}
    unload_ipython_extension(shell)
    assert formatter.types == {}
