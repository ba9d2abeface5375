"""URL prefixes, composed apps and forwarded prefixes: microframe.mounting."""

from __future__ import annotations

import typing as t

import pytest
import requests
from werkzeug.middleware.proxy_fix import ProxyFix as WerkzeugProxyFix
from werkzeug.test import Client

from microframe import Microframe, url_for
from microframe.mounting import ProxyFix, mount, normalize_prefix
from microframe.serving import serve


def plain_site(environ: t.Any, start_response: t.Any) -> list[bytes]:
    """A WSGI app that is not microframe: says where it was reached."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    where = f"site {environ.get('SCRIPT_NAME', '')}|{environ.get('PATH_INFO', '')}"
    return [where.encode()]


@pytest.fixture
def admin(app: Microframe) -> Microframe:
    """``app`` whose pages report the URLs ``url_for`` builds for them."""

    @app.route("/")
    def index() -> str:
        return url_for("page", name="x")

    @app.route("/page/<name>")
    def page(name: str) -> str:
        return url_for("page", name=name, _external=True)

    return app


# -- normalize_prefix and mount ----------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/admin", "/admin"),
        ("admin", "/admin"),
        ("/admin/", "/admin"),
        ("/tools/admin", "/tools/admin"),
        ("/", ""),
        ("", ""),
    ],
)
def test_normalize_prefix(prefix: str, expected: str) -> None:
    assert normalize_prefix(prefix) == expected


@pytest.mark.parametrize("prefix", ["/a?b", "/a#b", "/a//b", "/a b", "/a\tb"])
def test_prefix_must_be_a_plain_path(prefix: str) -> None:
    with pytest.raises(ValueError, match="not a plain path"):
        normalize_prefix(prefix)


def test_prefix_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="must be a string like '/admin'"):
        normalize_prefix(t.cast(str, 5))


def test_mounted_app_builds_prefixed_urls(admin: Microframe) -> None:
    client = Client(mount({"/admin": admin, "/": plain_site}))
    assert client.get("/admin/").text == "/admin/page/x"
    assert client.get("/admin/page/y").text == "http://localhost/admin/page/y"
    assert client.get("/elsewhere").text == "site |/elsewhere"
    # A prefix matches whole path segments only.
    assert client.get("/administrator").text == "site |/administrator"


def test_longest_prefix_wins(admin: Microframe) -> None:
    client = Client(mount({"/tools": plain_site, "/tools/admin": admin}))
    assert client.get("/tools/admin/").text == "/tools/admin/page/x"
    assert client.get("/tools/other").text == "site /tools|/other"


def test_root_redirects_to_a_lone_mount(admin: Microframe) -> None:
    client = Client(mount({"/admin/": admin}))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    response = client.get("/other")
    assert response.status_code == 404
    assert "Nothing is served at &#39;/other&#39;" in response.text
    assert "this server serves /admin/." in response.text


def test_root_lists_several_mounts(admin: Microframe) -> None:
    client = Client(mount({"/b": admin, "/a": plain_site}))
    response = client.get("/")
    assert response.status_code == 404
    assert "this server serves /a/, /b/." in response.text


def test_mount_errors(admin: Microframe) -> None:
    with pytest.raises(ValueError, match="Two apps are mounted at '/admin'"):
        mount({"/admin": admin, "/admin/": plain_site})
    with pytest.raises(TypeError, match="mounted at '/x' is int"):
        mount({"/x": t.cast(t.Any, 5)})
    with pytest.raises(ValueError, match="at least one app"):
        mount({})


def test_only_a_root_app(admin: Microframe) -> None:
    client = Client(mount({"/": admin}))
    assert client.get("/").text == "/page/x"


# -- ProxyFix and X-Forwarded-Prefix -------------------------------------------------


def test_forwarded_prefix_goes_before_the_mount_path(admin: Microframe) -> None:
    client = Client(ProxyFix(mount({"/admin": admin}), x_prefix=1, x_host=1))
    headers = {"X-Forwarded-Prefix": "/tools", "X-Forwarded-Host": "example.org"}
    assert client.get("/admin/", headers=headers).text == "/tools/admin/page/x"
    response = client.get("/admin/page/p", headers=headers)
    assert response.text == "http://example.org/tools/admin/page/p"
    # Without the header the mount path stays as it is.
    assert client.get("/admin/").text == "/admin/page/x"
    assert client.get("/admin/", headers={"X-Forwarded-Prefix": "/"}).text == (
        "/admin/page/x"
    )
    assert client.get("/admin/", headers={"X-Forwarded-Prefix": "/hub/"}).text == (
        "/hub/admin/page/x"
    )


def test_inside_the_mount_gives_the_same_urls(admin: Microframe) -> None:
    admin.wsgi_app = ProxyFix(admin.wsgi_app, x_prefix=1)  # type: ignore[method-assign]
    client = Client(mount({"/admin": admin}))
    headers = {"X-Forwarded-Prefix": "/tools"}
    assert client.get("/admin/", headers=headers).text == "/tools/admin/page/x"


def test_werkzeug_proxyfix_would_replace_the_mount_path(admin: Microframe) -> None:
    # Why microframe has its own: werkzeug's drops "/admin" from the URLs.
    admin.wsgi_app = WerkzeugProxyFix(admin.wsgi_app, x_prefix=1)  # type: ignore[method-assign]
    client = Client(mount({"/admin": admin}))
    headers = {"X-Forwarded-Prefix": "/tools"}
    assert client.get("/admin/", headers=headers).text == "/tools/page/x"


def test_proxyfix_defaults_trust_for_and_proto(admin: Microframe) -> None:
    @admin.route("/who")
    def who() -> str:
        from microframe import request

        return f"{request.remote_addr} {request.scheme}"

    client = Client(ProxyFix(admin))
    headers = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
    assert client.get("/who", headers=headers).text == "10.1.2.3 https"
    headers = {"X-Forwarded-Prefix": "/tools"}
    assert client.get("/", headers=headers).text == "/page/x"


# -- serving under a prefix ----------------------------------------------------------


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
def test_serve_under_a_url_prefix(admin: Microframe, backend: str) -> None:
    with admin.serve(url_prefix="admin/", backend=backend) as server:
        assert server.url_prefix == "/admin"
        assert server.url == f"http://127.0.0.1:{server.port}/admin"
        assert server.browser_url("/page/a") == server.url + "/page/a"
        assert requests.get(server.url + "/", timeout=5).text == "/admin/page/x"
        response = requests.get(server.url + "/page/q", timeout=5)
        assert response.text == f"{server.url}/page/q"
        root = requests.get(f"http://127.0.0.1:{server.port}/", timeout=5)
        assert root.url == server.url + "/"
        assert root.history[0].status_code == 302


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
def test_serve_trusting_the_proxy(admin: Microframe, backend: str) -> None:
    with admin.serve(url_prefix="/admin", trust_proxy=True, backend=backend) as server:
        headers = {
            "X-Forwarded-Prefix": f"/user/me/proxy/{server.port}",
            "X-Forwarded-Host": "hub.example",
            "X-Forwarded-Proto": "https",
        }
        response = requests.get(server.url + "/page/z", headers=headers, timeout=5)
        assert response.text == (
            f"https://hub.example/user/me/proxy/{server.port}/admin/page/z"
        )


def test_trusting_two_proxies(admin: Microframe) -> None:
    headers = {"X-Forwarded-Host": "outer.example, inner.example"}
    with admin.serve(trust_proxy=2) as server:
        response = requests.get(server.url + "/page/z", headers=headers, timeout=5)
        assert response.text == "http://outer.example/page/z"
    with admin.serve(trust_proxy=1) as server:
        response = requests.get(server.url + "/page/z", headers=headers, timeout=5)
        assert response.text == "http://inner.example/page/z"


def test_forwarded_headers_are_ignored_unless_trusted(admin: Microframe) -> None:
    headers = {"X-Forwarded-Prefix": "/evil", "X-Forwarded-Host": "evil.example"}
    with admin.serve() as server:
        response = requests.get(server.url + "/page/z", headers=headers, timeout=5)
        assert response.text == f"{server.url}/page/z"


def test_a_proxy_url_means_trusting_one_proxy(admin: Microframe) -> None:
    headers = {"X-Forwarded-Prefix": "/user/me/proxy/1"}
    with admin.serve(proxy_url="/user/me/") as server:
        assert requests.get(server.url + "/", headers=headers, timeout=5).text == (
            "/user/me/proxy/1/page/x"
        )
    with admin.serve(proxy_url="/user/me/", trust_proxy=False) as server:
        assert requests.get(server.url + "/", headers=headers, timeout=5).text == (
            "/page/x"
        )


def test_serve_composed_apps(admin: Microframe) -> None:
    composed = mount({"/admin": admin, "/": plain_site})
    with serve(composed) as server:
        assert requests.get(server.url + "/admin/", timeout=5).text == "/admin/page/x"
        assert requests.get(server.url + "/about", timeout=5).text == "site |/about"
        assert repr(server).startswith("<Server 'DispatcherMiddleware' at ")
