"""Token access, Host and Origin checks: serve(token=...) and AccessGuard."""

from __future__ import annotations

import http.client
import logging
import typing as t

import pytest
import requests
from werkzeug.test import Client

from microframe import Microframe, request
from microframe.embedding.access import (
    AccessGuard,
    _split_host,
    is_loopback,
    make_token,
    redact_token,
    warn_exposed,
)

TOKEN = "s3cret-token"


@pytest.fixture
def guarded(app: Microframe) -> Microframe:
    """``app`` with a page, a form target and an echo of the query string."""

    @app.route("/")
    def index() -> str:
        return "home"

    @app.route("/page")
    def page() -> str:
        return f"page {request.query_string.decode()}"

    @app.route("/submit", methods=["POST", "PUT", "PATCH", "DELETE"])
    def submit() -> str:
        return f"{request.method} done"

    return app


@pytest.fixture
def server(guarded: Microframe) -> t.Iterator[t.Any]:
    """``guarded`` served with the token ``TOKEN``."""
    with guarded.serve(token=TOKEN) as server:
        yield server


def _wsgi_client(**kwargs: t.Any) -> Client:
    def app(environ: t.Any, start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"ok {environ.get('PATH_INFO')}".encode()]

    kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("served_hosts", ("127.0.0.1",))
    kwargs.setdefault("port", 5000)
    return Client(AccessGuard(app, **kwargs))


# -- the token -----------------------------------------------------------------------


def test_without_a_token_the_answer_is_403_with_the_reason(server: t.Any) -> None:
    response = requests.get(server.url + "/", timeout=5)
    assert response.status_code == 403
    assert "This server needs a token" in response.text
    assert "?token=" in response.text
    assert "Authorization: Bearer" in response.text


def test_token_in_the_url_sets_a_cookie_and_redirects(server: t.Any) -> None:
    with requests.Session() as session:
        response = session.get(server.url + "/page?a=1&token=" + TOKEN, timeout=5)
        assert response.status_code == 200
        assert response.text == "page a=1"
        assert response.url == server.url + "/page?a=1"
        (redirect,) = response.history
        assert redirect.status_code == 302
        assert redirect.headers["Location"] == "./page?a=1"
        assert redirect.headers["Cache-Control"] == "no-store"
        cookie = redirect.headers["Set-Cookie"]
        assert cookie.startswith(f"microframe-token-{server.port}=")
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Path=/" in cookie
        assert TOKEN not in cookie
        # The cookie alone is enough from now on.
        assert session.get(server.url + "/", timeout=5).text == "home"


def test_browser_url_carries_the_token(server: t.Any) -> None:
    assert server.token == TOKEN
    assert server.browser_url() == f"{server.url}/?token={TOKEN}"
    assert server.browser_url("page?x=1") == f"{server.url}/page?x=1&token={TOKEN}"
    assert requests.get(server.browser_url("/page"), timeout=5).text == "page "


def test_token_true_makes_a_random_token_and_prints_the_url(
    guarded: Microframe, capsys: pytest.CaptureFixture[str]
) -> None:
    with guarded.serve(token=True) as first:
        token = first.token
        assert token is not None and len(token) >= 32
        assert (
            f" * Serving 'test_app' at {first.browser_url()}" in capsys.readouterr().err
        )
        assert requests.get(first.browser_url(), timeout=5).text == "home"
    with guarded.serve(token=True) as second:
        assert second.token != token


def test_wrong_token_in_the_url(server: t.Any) -> None:
    response = requests.get(server.url + "/?token=guess", timeout=5)
    assert response.status_code == 403
    assert "not this server&#39;s token" in response.text


def test_bearer_token(server: t.Any) -> None:
    good = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(server.url + "/", headers=good, timeout=5).text == "home"
    bad = {"Authorization": "Bearer nope"}
    response = requests.get(server.url + "/", headers=bad, timeout=5)
    assert response.status_code == 403
    assert "bearer token" in response.text
    # Other schemes are not tokens.
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert requests.get(server.url + "/", headers=basic, timeout=5).status_code == 403


def test_forged_cookies_are_refused(server: t.Any, guarded: Microframe) -> None:
    name = f"microframe-token-{server.port}"
    for value in ("granted", TOKEN, "granted.forgedsignature"):
        response = requests.get(server.url + "/", cookies={name: value}, timeout=5)
        assert response.status_code == 403, value
    # A cookie signed for another token does not open this server either.
    other = Microframe("other")
    other.add_url_rule("/", "index", lambda: "other")
    with other.serve(token="another-token") as other_server, requests.Session() as s:
        s.get(other_server.browser_url(), timeout=5)
        stolen = s.cookies.get(f"microframe-token-{other_server.port}")
    response = requests.get(server.url + "/", cookies={name: stolen}, timeout=5)
    assert response.status_code == 403


def test_token_on_a_post_passes_without_a_redirect(server: t.Any) -> None:
    response = requests.post(
        server.url + f"/submit?token={TOKEN}", allow_redirects=False, timeout=5
    )
    assert response.status_code == 200
    assert response.text == "POST done"


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
def test_the_app_never_sees_the_token_of_a_post(
    guarded: Microframe, backend: str
) -> None:
    @guarded.route("/seen", methods=["POST"])
    def seen() -> str:
        environ = request.environ
        uris = [environ.get(name) for name in ("REQUEST_URI", "RAW_URI")]
        return f"{request.query_string.decode()}|{request.url}|{uris}"

    with guarded.serve(token=TOKEN, backend=backend) as server, requests.Session() as s:
        url = f"{server.url}/seen?a=1&token={TOKEN}&b=x+y"
        response = s.post(url, timeout=5)
        assert response.status_code == 200
        assert TOKEN not in response.text
        assert response.text.startswith("a=1&b=x+y|")
        # The token in the URL granted the cookie, as a GET's redirect does.
        assert response.cookies.get(f"microframe-token-{server.port}")
        assert s.post(f"{server.url}/seen", timeout=5).status_code == 200


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
def test_the_token_never_appears_in_a_log_line(
    guarded: Microframe, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    guarded.testing = False

    @guarded.route("/boom", methods=["GET", "POST"])
    def boom() -> str:
        raise RuntimeError("logged with its URL")

    with (
        caplog.at_level(logging.DEBUG),
        guarded.serve(token=TOKEN, backend=backend) as server,
    ):
        requests.get(f"{server.url}/page?token={TOKEN}", timeout=5)
        requests.post(f"{server.url}/submit?token={TOKEN}", timeout=5)
        requests.post(f"{server.url}/boom?x=1&token={TOKEN}", timeout=5)
        requests.get(f"{server.url}/page?token=wrong-{TOKEN}", timeout=5)
        with socket.create_connection(("127.0.0.1", server.port)) as bad:
            bad.sendall(f"GET /?token={TOKEN} HTTP/1.1 junk\r\n\r\n".encode())
            bad.recv(4096)
    # Every server-side line (the client library logs its own URLs).
    records = [r for r in caplog.records if not r.name.startswith("urllib3")]
    lines = [f"{r.getMessage()} {r.exc_text or ''}" for r in records]
    assert any("logged with its URL" in line for line in lines)
    assert [line for line in lines if TOKEN in line] == []
    if backend == "werkzeug":
        assert any('"GET /page?token=[hidden] HTTP/1.1" 302' in line for line in lines)


def test_redact_token() -> None:
    assert redact_token("GET /a?token=abc&b=1") == "GET /a?token=[hidden]&b=1"
    assert redact_token("/a?b=1&token=x y") == "/a?b=1&token=[hidden] y"
    assert redact_token("/a?mytoken=x") == "/a?mytoken=x"


def test_redirect_is_relative_so_proxy_prefixes_survive() -> None:
    client = _wsgi_client()
    response = client.get(f"/nested/dir/?token={TOKEN}")
    assert response.headers["Location"] == "./"
    response = client.get(f"/nested/na%20me?token={TOKEN}&x=%C3%A9")
    assert response.headers["Location"] == "./na%20me?x=%C3%A9"
    response = client.get(f"/a:b?token={TOKEN}")
    assert response.headers["Location"] == "./a%3Ab"


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
def test_token_with_both_backends(guarded: Microframe, backend: str) -> None:
    with guarded.serve(token=TOKEN, backend=backend) as server:
        assert requests.get(server.url, timeout=5).status_code == 403
        assert requests.get(server.browser_url(), timeout=5).text == "home"


# -- Host ------------------------------------------------------------------------


def test_foreign_host_is_refused_even_with_the_token(server: t.Any) -> None:
    # What a DNS-rebinding page sends: its own name, resolved to 127.0.0.1.
    headers = {"Host": f"evil.example:{server.port}"}
    response = requests.get(server.browser_url(), headers=headers, timeout=5)
    assert response.status_code == 403
    assert "The Host header &#39;evil.example:" in response.text
    assert "DNS rebinding" in response.text
    assert "allowed_hosts=[&#39;evil.example&#39;]" in response.text


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "[::1]"])
def test_loopback_names_are_accepted(server: t.Any, host: str) -> None:
    headers = {"Host": f"{host}:{server.port}", "Authorization": f"Bearer {TOKEN}"}
    assert requests.get(server.url, headers=headers, timeout=5).text == "home"


def test_allowed_hosts(guarded: Microframe) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with guarded.serve(token=TOKEN, allowed_hosts=["dash.example", "x.test:8080"]) as s:

        def status(host: str) -> int:
            headers = {**bearer, "Host": host}
            return requests.get(s.url, headers=headers, timeout=5).status_code

        assert status("dash.example") == 200
        assert status("dash.example:1234") == 200
        assert status("x.test:8080") == 200
        assert status("x.test:8081") == 403
        assert status("other.example") == 403


def test_any_host_with_a_star(guarded: Microframe) -> None:
    with guarded.serve(token=TOKEN, allowed_hosts=["*"]) as server:
        headers = {"Host": "anything.example", "Authorization": f"Bearer {TOKEN}"}
        assert requests.get(server.url, headers=headers, timeout=5).text == "home"


@pytest.mark.parametrize("backend", ["werkzeug", "waitress"])
def test_without_a_token_host_and_origin_are_still_checked(
    guarded: Microframe, backend: str
) -> None:
    # DNS rebinding: a page on evil.example, its name resolved to 127.0.0.1.
    with guarded.serve(backend=backend) as server:
        assert server.token is None
        assert requests.get(server.url, timeout=5).text == "home"
        rebound = {"Host": f"evil.example:{server.port}"}
        response = requests.get(server.url, headers=rebound, timeout=5)
        assert response.status_code == 403
        assert "DNS rebinding" in response.text
        foreign = {"Origin": "https://evil.example"}
        response = requests.post(server.url + "/submit", headers=foreign, timeout=5)
        assert response.status_code == 403
        own = {"Origin": server.url}
        assert requests.post(server.url + "/submit", headers=own, timeout=5).ok


def test_allowed_hosts_without_a_token_checks_hosts_only(guarded: Microframe) -> None:
    with guarded.serve(allowed_hosts=["dash.example"]) as server:
        assert server.token is None
        assert requests.get(server.url, timeout=5).text == "home"
        ok = {"Host": "dash.example"}
        assert requests.get(server.url, headers=ok, timeout=5).text == "home"
        bad = {"Host": "evil.example"}
        assert requests.get(server.url, headers=bad, timeout=5).status_code == 403


def test_missing_host_header_is_refused(server: t.Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.putrequest("GET", "/", skip_host=True)
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 403
    assert b"no Host header" in response.read()
    conn.close()


def test_forwarded_host_cannot_bypass_the_host_check(guarded: Microframe) -> None:
    with guarded.serve(token=TOKEN, trust_proxy=True) as server:
        headers = {
            "Host": "evil.example",
            "X-Forwarded-Host": f"127.0.0.1:{server.port}",
            "Authorization": f"Bearer {TOKEN}",
        }
        assert requests.get(server.url, headers=headers, timeout=5).status_code == 403


def test_proxy_url_host_is_allowed(guarded: Microframe) -> None:
    proxy = "https://hub.example/user/me/"
    with guarded.serve(token=TOKEN, proxy_url=proxy) as server:
        headers = {"Host": "hub.example", "Authorization": f"Bearer {TOKEN}"}
        assert requests.get(server.url, headers=headers, timeout=5).text == "home"


# -- Origin ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_foreign_origin_cannot_change_state(server: t.Any, method: str) -> None:
    headers = {"Origin": "https://evil.example", "Authorization": f"Bearer {TOKEN}"}
    response = requests.request(
        method, server.url + "/submit", headers=headers, timeout=5
    )
    assert response.status_code == 403
    assert f"A {method} request from the page at origin" in response.text
    assert "https://evil.example" in response.text
    assert "allowed_hosts" in response.text


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("http://127.0.0.1:{port}", 200),  # the server's own page
        ("http://localhost:{port}", 200),  # the same server by another name
        ("http://127.0.0.1:1", 403),  # another local server
        ("http://localhost", 403),
        ("null", 403),  # sandboxed frames, file: pages
        ("", 403),
    ],
)
def test_origins(server: t.Any, origin: str, status: int) -> None:
    headers = {
        "Origin": origin.format(port=server.port),
        "Authorization": f"Bearer {TOKEN}",
    }
    response = requests.post(server.url + "/submit", headers=headers, timeout=5)
    assert response.status_code == status


def test_requests_without_origin_and_safe_methods_pass(server: t.Any) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.post(server.url + "/submit", headers=bearer, timeout=5).ok
    foreign_get = {**bearer, "Origin": "https://evil.example"}
    assert requests.get(server.url, headers=foreign_get, timeout=5).text == "home"


def test_allowed_origins() -> None:
    client = _wsgi_client(allowed_hosts=["tools.example", "hub.example:8443"])

    def status(origin: str) -> int:
        headers = {"Origin": origin, "Authorization": f"Bearer {TOKEN}"}
        return client.post("/", headers=headers).status_code

    assert status("https://tools.example") == 200
    assert status("https://tools.example:9000") == 200
    assert status("https://hub.example:8443") == 200
    assert status("https://hub.example") == 403


def test_origin_matching_the_host_header() -> None:
    client = _wsgi_client(token=None, allowed_hosts=["*"])
    headers = {"Origin": "https://dash.example", "Host": "dash.example"}
    assert client.post("/", headers=headers).status_code == 200


# -- helpers ---------------------------------------------------------------------


def test_make_token() -> None:
    assert make_token(None) is None
    assert make_token(False) is None
    assert make_token("given") == "given"
    made = make_token(True)
    assert made is not None and made != make_token(True)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com", ("example.com", None)),
        ("Example.COM:8080", ("example.com", "8080")),
        ("[::1]:5000", ("[::1]", "5000")),
        ("[::1]", ("[::1]", None)),
        ("::1", ("[::1]", None)),
    ],
)
def test_split_host(value: str, expected: tuple[str, str | None]) -> None:
    assert _split_host(value) == expected


def test_warn_exposed(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test_access.warn")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        warn_exposed(logger, "0.0.0.0", 8000)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "Serving on 0.0.0.0:8000 without a token" in message
    assert "token=True" in message
    assert "host='127.0.0.1'" in message


def test_wildcard_bind_names_are_not_served_names() -> None:
    client = _wsgi_client(served_hosts=("0.0.0.0", "::", ""))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/", headers={**headers, "Host": "localhost"}).status_code == 200
    assert client.get("/", headers={**headers, "Host": "0.0.0.0"}).status_code == 403


# -- framing ---------------------------------------------------------------------


def _frame_policy(response: requests.Response) -> str:
    return response.headers.get("Content-Security-Policy", "")


def test_every_response_says_who_may_frame_it(guarded: Microframe) -> None:
    with guarded.serve() as server:
        ok = requests.get(server.url, timeout=5)
        refused = requests.get(server.url, headers={"Host": "evil.example"}, timeout=5)
    for response in (ok, refused):
        policy = _frame_policy(response)
        assert policy.startswith("frame-ancestors 'self' ")
        # A Jupyter server on this machine (any port) may show it inline.
        assert "http://localhost:*" in policy.split()
        assert "http://127.0.0.1:*" in policy.split()
        assert "X-Frame-Options" not in response.headers


def test_proxy_and_allowed_hosts_may_frame_it(guarded: Microframe) -> None:
    proxy = "https://hub.example/user/me/"
    options = {"proxy_url": proxy, "allowed_hosts": ["dash.example", "x.test:8080"]}
    with guarded.serve(**options) as server:
        policy = _frame_policy(requests.get(server.url, timeout=5)).split()
    assert "https://hub.example" in policy
    assert "dash.example:*" in policy
    assert "x.test:8080" in policy


@pytest.mark.parametrize(
    "header",
    [
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", "frame-ancestors 'none'"),
    ],
)
def test_a_framing_policy_of_the_app_wins(
    guarded: Microframe, header: tuple[str, str]
) -> None:
    @guarded.after_request
    def own_policy(response: t.Any) -> t.Any:
        response.headers[header[0]] = header[1]
        return response

    with guarded.serve() as server:
        response = requests.get(server.url, timeout=5)
    assert response.headers[header[0]] == header[1]
    assert response.headers.get("Content-Security-Policy", "") in ("", header[1])
