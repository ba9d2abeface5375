"""Apps served with ``serve()`` behind a real Jupyter server and jupyter-server-proxy.

Run by ``nox -s proxy``, which installs jupyter-server and jupyter-server-proxy
(the test session does not). A Jupyter server starts on 127.0.0.1, once with the
base URL ``/`` and once hub-style with ``/user/alice/``; the browser side is
``requests`` talking to Jupyter only. Links, a form that redirects, static files
and the token must all work at ``<base>/proxy/<port>/``, the prefix exactly once.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import typing as t
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from microframe import Microframe, jsonify, redirect, render_template_string, url_for

JUPYTER_TOKEN = "jupyter-secret"
PAGE = """<a id="user" href="{{ url_for('user', uid=7) }}">user 7</a>
<a id="file" href="{{ url_for('static', filename='hello.txt') }}">a file</a>
<form method="post" action="{{ url_for('add') }}"><button>Add</button></form>
<p>{{ items|length }} items</p>"""


class Jupyter:
    """A Jupyter server with jupyter-server-proxy, on a free loopback port."""

    def __init__(self, base_url: str, root: Path) -> None:
        self.base_url = base_url
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--ServerApp.ip=127.0.0.1",
                "--ServerApp.port=0",
                f"--ServerApp.base_url={base_url}",
                f"--IdentityProvider.token={JUPYTER_TOKEN}",
                # A hub's public host reaches the single-user server by name.
                "--ServerApp.allow_remote_access=True",
                "--ServerApp.open_browser=False",
                "--ServerApp.allow_root=True",  # CI containers run as root
                f"--ServerApp.root_dir={root}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(root / "runtime")},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = self._wait_for_url()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)
        self.lines.put("")

    def _wait_for_url(self) -> str:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                line = ""
            seen.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
            if match:
                return match[1]
            if not line:
                self.stop()
                pytest.fail("Jupyter did not start:\n" + "".join(seen))

    def get(self, path: str, **kwargs: t.Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: t.Any) -> requests.Response:
        """A browser's request for ``path`` (a path or a URL) through Jupyter."""
        headers = {
            "Authorization": f"token {JUPYTER_TOKEN}",
            **kwargs.pop("headers", {}),
        }
        kwargs.setdefault("timeout", 30)
        return requests.request(
            method, urljoin(self.url, path), headers=headers, **kwargs
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=30)
        assert self.process.stderr is not None
        self.process.stderr.close()


@pytest.fixture(scope="module", params=["/", "/user/alice/"], ids=["plain", "hub"])
def jupyter(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[Jupyter]:
    """A Jupyter server at base URL ``/`` or, hub-style, ``/user/alice/``."""
    server = Jupyter(request.param, tmp_path_factory.mktemp("jupyter"))
    yield server
    server.stop()


@pytest.fixture
def shop(tmp_path: Path) -> Microframe:
    """A page with links, a static file and a form that redirects back."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "hello.txt").write_text("a static file")
    app = Microframe("shop", root_path=str(tmp_path))
    app.secret_key = "test"
    items: list[str] = []

    @app.get("/")
    def index() -> str:
        return render_template_string(PAGE, items=items)

    @app.post("/items")
    def add() -> t.Any:
        items.append("item")
        return redirect(url_for("index"))

    @app.get("/users/<int:uid>")
    def user(uid: int) -> t.Any:
        return jsonify(id=uid)

    return app


def _href(page: str, name: str) -> str:
    match = re.search(rf'id="{name}" href="([^"]+)"', page)
    assert match, page
    return match[1]


class Browser:
    """Requests through Jupyter with a browser's cookies for the host it names.

    (``requests`` matches cookies against a ``Host`` header given to it, so the
    cookies are kept here, by name, as a browser at that host keeps them.)
    """

    def __init__(self, jupyter: Jupyter, host: str | None) -> None:
        self.jupyter = jupyter
        self.host = host or jupyter.url.partition("//")[2]
        self.cookies: dict[str, str] = {}

    def send(self, method: str, url: str, **headers: str) -> requests.Response:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.jupyter.request(
            method, url, headers={"Host": self.host, **headers}, allow_redirects=False
        )
        self.cookies.update(response.cookies.items())
        return response

    def open(self, url: str) -> requests.Response:
        """GET ``url`` and follow redirects; the response's ``url`` is where it ends."""
        url = urljoin(self.jupyter.url, url)
        for _ in range(5):
            response = self.send("GET", url)
            if response.status_code not in (301, 302, 303, 307, 308):
                response.url = url
                return response
            url = urljoin(url, response.headers["Location"])
        pytest.fail(f"more than 5 redirects, the last to {url}")


def _check_the_pages(browser: Browser, start: str, base: str) -> None:
    """Browse from ``start``: every URL the app made stays at ``base`` once."""
    home = urljoin(browser.jupyter.url, base)
    page = browser.open(start)
    assert page.status_code == 200, page.text
    assert page.url == home  # a token visit goes back to the page, token-less
    assert "0 items" in page.text

    user = _href(page.text, "user")
    assert user == f"{base}users/7"
    answer = browser.open(user)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": 7}

    static = _href(page.text, "file")
    assert static == f"{base}static/hello.txt"
    file = browser.open(static)
    assert file.status_code == 200
    assert file.text == "a static file"

    action = re.search(r'action="([^"]+)"', page.text)
    assert action and action[1] == f"{base}items"
    posted = browser.send("POST", action[1], Origin=f"http://{browser.host}")
    assert posted.status_code == 302, posted.text
    location = urljoin(urljoin(home, action[1]), posted.headers["Location"])
    assert location == home, posted.headers["Location"]
    back = browser.open(location)
    assert back.status_code == 200
    assert "1 items" in back.text


@pytest.mark.parametrize("token", [False, True], ids=["no-token", "token"])
@pytest.mark.parametrize("configured", [False, True], ids=["detected", "configured"])
def test_pages_links_forms_and_files_through_the_proxy(
    jupyter: Jupyter,
    shop: Microframe,
    monkeypatch: pytest.MonkeyPatch,
    token: bool,
    configured: bool,
) -> None:
    hub = jupyter.base_url != "/"
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    if configured and hub:
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", jupyter.base_url)
    elif configured:
        shop.config["SERVE_PROXY_URL"] = jupyter.base_url
    # Under a hub the browser asks for the hub's public host.
    browser = Browser(jupyter, "hub.example.org" if hub else None)
    with shop.serve(port=0, token=token) as server:
        base = f"{jupyter.base_url}proxy/{server.port}/"
        start = server.browser_url() if configured else base
        if configured:
            assert start.startswith(base)
        elif token:
            start = f"{base}?token={server.token}"
        _check_the_pages(browser, start, base)


def test_direct_visits_still_check_the_host(jupyter: Jupyter, shop: Microframe) -> None:
    # The context header alone does not let a rebinding page in: it names
    # this server's own port in Host.
    with shop.serve(port=0, token=True) as server:
        context = f"{jupyter.base_url}proxy/{server.port}"
        refused = requests.get(
            f"{server.url}/?token={server.token}",
            headers={
                "Host": f"evil.example:{server.port}",
                "X-ProxyContextPath": context,
            },
            timeout=10,
        )
        assert refused.status_code == 403
        assert "&#39;evil.example" in refused.text
