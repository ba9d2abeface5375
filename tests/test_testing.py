"""Tests for microframe.testing: the test client, EnvironBuilder and the CLI runner."""

from __future__ import annotations

import importlib.metadata
import types
import typing as t

import click
import flask
import pytest
from werkzeug.test import EnvironBuilder as WerkzeugEnvironBuilder

import microframe
from microframe import Microframe, current_app, redirect, request, session
from microframe.json.provider import DefaultJSONProvider
from microframe.sessions import SecureCookieSessionInterface
from microframe.testing import EnvironBuilder, MicroframeClient, MicroframeCliRunner


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


def new_app(fw: types.ModuleType) -> t.Any:
    """A testing app with a secret key on the framework ``fw``."""
    app_class = fw.Microframe if fw is microframe else fw.Flask
    app = app_class("testing_app")
    app.config.update(TESTING=True, SECRET_KEY="test key")
    return app


@pytest.fixture
def echo_app(app: Microframe) -> Microframe:
    """An app whose ``/echo`` view describes the request it got."""

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> t.Any:
        return {
            "url": request.url,
            "remote_addr": request.remote_addr,
            "user_agent": request.headers.get("User-Agent"),
            "script_root": request.script_root,
            "json": request.get_json(silent=True),
            "cookies": dict(request.cookies),
        }

    return app


# --- requests and the environ --------------------------------------------------------


def test_default_environ(echo_app: Microframe) -> None:
    data = echo_app.test_client().get("/echo").json
    assert data is not None
    version = importlib.metadata.version("werkzeug")
    assert data == {
        "url": "http://localhost/echo",
        "remote_addr": "127.0.0.1",
        "user_agent": f"Werkzeug/{version}",
        "script_root": "",
        "json": None,
        "cookies": {},
    }


def test_default_environ_matches_flask(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule(
        "/",
        "index",
        lambda: {
            "remote_addr": fw.request.remote_addr,
            "user_agent": fw.request.user_agent.string,
            "url": fw.request.url,
        },
    )
    assert app.test_client().get("/").json == {
        "remote_addr": "127.0.0.1",
        "user_agent": f"Werkzeug/{importlib.metadata.version('werkzeug')}",
        "url": "http://localhost/",
    }


def test_environ_base_can_be_overridden(echo_app: Microframe) -> None:
    client = echo_app.test_client()
    data = client.get(
        "/echo",
        environ_base={"REMOTE_ADDR": "10.1.1.1", "HTTP_USER_AGENT": "Tester/1"},
    ).json
    assert (data["remote_addr"], data["user_agent"]) == ("10.1.1.1", "Tester/1")
    client.environ_base["REMOTE_ADDR"] = "192.168.0.9"
    assert client.get("/echo").json["remote_addr"] == "192.168.0.9"
    data = client.get("/echo", headers={"User-Agent": "Header/2"}).json
    assert data["user_agent"] == "Header/2"


def test_server_name_application_root_and_scheme(echo_app: Microframe) -> None:
    echo_app.config.update(
        SERVER_NAME="example.com:8080",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    data = echo_app.test_client().get("/echo").json
    assert data["url"] == "https://example.com:8080/app/echo"
    assert data["script_root"] == "/app"


def test_base_url_subdomain_and_scheme(echo_app: Microframe) -> None:
    client = echo_app.test_client()
    url = client.get("/echo", base_url="https://other.org/root").json["url"]
    assert url == "https://other.org/root/echo"
    url = client.get("/echo", subdomain="api", url_scheme="https").json["url"]
    assert url == "https://api.localhost/echo"
    url = client.get("http://full.example/echo?x=1").json["url"]
    assert url == "http://full.example/echo?x=1"


def test_base_url_with_subdomain_or_scheme_is_an_error(app: Microframe) -> None:
    for extra in ({"subdomain": "api"}, {"url_scheme": "https"}):
        with pytest.raises(ValueError) as info:
            EnvironBuilder(app, "/", base_url="http://x.org", **extra)
        assert "base_url" in str(info.value)
        assert "not both" in str(info.value)


def test_environ_builder_defaults(app: Microframe) -> None:
    app.config.update(SERVER_NAME="example.com", APPLICATION_ROOT="/root/")
    builder = EnvironBuilder(app, "/path?q=1", subdomain="www")
    environ = builder.get_environ()
    builder.close()
    assert environ["HTTP_HOST"] == "www.example.com"
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["PATH_INFO"] == "/path"
    assert environ["QUERY_STRING"] == "q=1"
    assert environ["wsgi.url_scheme"] == "http"


def test_environ_builder_dumps_json_with_the_app_provider(app: Microframe) -> None:
    class Provider(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return super().dumps({"wrapped": obj}, **kwargs)

    app.json = Provider(app)
    builder = EnvironBuilder(app, json={"a": 1})
    assert builder.json_dumps({"a": 1}) == '{"wrapped": {"a": 1}}'
    builder.close()


def test_json_request_and_response(echo_app: Microframe) -> None:
    echo_app.json.sort_keys = False  # type: ignore[attr-defined]
    response = echo_app.test_client().post("/echo", json={"b": 1, "a": [True]})
    assert response.json is not None
    assert response.json["json"] == {"b": 1, "a": [True]}
    assert response.json_module is echo_app.json  # type: ignore[comparison-overlap]


def test_open_with_a_builder_an_environ_or_a_request(echo_app: Microframe) -> None:
    client = echo_app.test_client()
    builder = WerkzeugEnvironBuilder("/echo", base_url="http://built.example")
    data = client.open(builder).json
    assert data["url"] == "http://built.example/echo"
    assert data["remote_addr"] == "127.0.0.1"
    environ = builder.get_environ()
    assert client.open(environ).json["url"] == "http://built.example/echo"
    req = builder.get_request()
    assert client.open(req).json["remote_addr"] == "127.0.0.1"
    builder.close()


# --- redirects ---------------------------------------------------------------------


def test_follow_redirects(app: Microframe) -> None:
    app.add_url_rule("/a", "a", lambda: redirect("/b"))
    app.add_url_rule("/b", "b", lambda: redirect("/c", 301))
    app.add_url_rule("/c", "c", lambda: request.path)
    client = app.test_client()
    response = client.get("/a")
    assert (response.status_code, response.location) == (302, "/b")
    response = client.get("/a", follow_redirects=True)
    assert response.data == b"/c"
    assert response.request.path == "/c"
    assert [(r.status_code, r.request.path) for r in response.history] == [
        (302, "/a"),
        (301, "/b"),
    ]


def test_follow_redirects_keeps_the_last_context(app: Microframe) -> None:
    app.add_url_rule("/a", "a", lambda: redirect("/b"))
    app.add_url_rule("/b", "b", lambda: "b")
    with app.test_client() as client:
        client.get("/a", follow_redirects=True)
        assert request.path == "/b"


# --- cookies -------------------------------------------------------------------


def test_cookies_persist_between_requests(echo_app: Microframe) -> None:
    @echo_app.route("/set")
    def set_cookie() -> microframe.Response:
        response = microframe.make_response("set")
        response.set_cookie("flavour", "oat")
        return response

    client = echo_app.test_client()
    client.get("/set")
    assert client.get_cookie("flavour").value == "oat"  # type: ignore[union-attr]
    assert client.get("/echo").json["cookies"] == {"flavour": "oat"}
    client.set_cookie("extra", "1")
    assert client.get("/echo").json["cookies"] == {"flavour": "oat", "extra": "1"}
    client.delete_cookie("flavour")
    assert client.get("/echo").json["cookies"] == {"extra": "1"}


def test_client_without_cookies(echo_app: Microframe) -> None:
    client = echo_app.test_client(use_cookies=False)
    with pytest.raises(TypeError) as info, client.session_transaction():
        pass
    message = str(info.value)
    assert "use_cookies=False" in message
    assert "use_cookies=True" in message


# --- session_transaction -------------------------------------------------------------


@pytest.fixture
def session_app(app: Microframe) -> Microframe:
    @app.route("/read")
    def read() -> t.Any:
        return {"user": session.get("user")}

    @app.route("/write/<user>")
    def write(user: str) -> str:
        session["user"] = user
        return "written"

    return app


def test_session_transaction_writes_what_the_request_reads(
    session_app: Microframe,
) -> None:
    client = session_app.test_client()
    with client.session_transaction() as sess:
        assert dict(sess) == {}
        sess["user"] = "ada"
    assert client.get("/read").json == {"user": "ada"}


def test_session_transaction_reads_what_the_request_wrote(
    session_app: Microframe,
) -> None:
    client = session_app.test_client()
    client.get("/write/grace")
    with client.session_transaction() as sess:
        assert sess["user"] == "grace"
        del sess["user"]
    assert client.get("/read").json == {"user": None}


def test_session_transaction_interoperates_with_flask() -> None:
    ours = new_app(microframe)
    theirs = new_app(flask)
    ours.add_url_rule("/", "index", lambda: str(session.get("n")))
    theirs.add_url_rule("/", "index", lambda: str(flask.session.get("n")))
    client = theirs.test_client()
    with client.session_transaction() as sess:
        sess["n"] = 5
    cookie = client.get_cookie("session")
    assert cookie is not None
    ours_client = ours.test_client()
    ours_client.set_cookie("session", cookie.value)
    assert ours_client.get("/").data == b"5"


def test_session_transaction_with_cookie_path(session_app: Microframe) -> None:
    session_app.config["SESSION_COOKIE_PATH"] = "/scoped"
    session_app.add_url_rule("/scoped/read", "scoped", lambda: str(session.get("k")))
    client = session_app.test_client()
    with client.session_transaction("/scoped/read") as sess:
        sess["k"] = "v"
    assert client.get("/scoped/read").data == b"v"
    assert client.get("/read").json == {"user": None}


def test_session_transaction_without_secret_key(session_app: Microframe) -> None:
    session_app.secret_key = None
    client = session_app.test_client()
    with pytest.raises(RuntimeError) as info, client.session_transaction():
        pass
    message = str(info.value)
    assert "did not open a session" in message
    assert "SECRET_KEY" in message


def test_session_transaction_with_a_null_session(app: Microframe) -> None:
    class NullInterface(SecureCookieSessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> t.Any:
            return self.make_null_session(app)

    app.session_interface = NullInterface()
    client = app.test_client()
    with client.session_transaction() as sess:
        assert app.session_interface.is_null_session(sess)
    assert client.get_cookie("session") is None


def test_session_transaction_pushes_no_context(session_app: Microframe) -> None:
    client = session_app.test_client()
    with client.session_transaction():
        assert not microframe.has_request_context()


# --- client classes ------------------------------------------------------------------


def test_test_client_class(app: Microframe) -> None:
    class MyClient(MicroframeClient):
        def __init__(self, *args: t.Any, marker: str = "", **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.marker = marker

    app.test_client_class = MyClient
    client = app.test_client(marker="x")
    assert isinstance(client, MyClient)
    assert client.marker == "x"
    assert client.application is app


def test_test_client_uses_the_response_class(app: Microframe) -> None:
    app.add_url_rule("/", "index", lambda: "hi")
    response = app.test_client().get("/")
    assert isinstance(response, microframe.Response)
    assert response.text == "hi"


# --- the CLI runner -----------------------------------------------------------------


def test_cli_runner_invokes_app_commands(app: Microframe) -> None:
    @app.cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        click.echo(f"hello {name} from {current_app.name}")

    runner = app.test_cli_runner()
    assert isinstance(runner, MicroframeCliRunner)
    result = runner.invoke(args=["greet", "ada"])
    assert result.exit_code == 0
    assert result.output == "hello ada from test_app\n"


def test_cli_runner_invokes_a_given_command(app: Microframe) -> None:
    @click.command()
    @click.pass_obj
    def standalone(obj: t.Any) -> None:
        click.echo(obj.load_app().name)

    result = app.test_cli_runner().invoke(standalone)
    assert result.output == "test_app\n"
    result = app.test_cli_runner().invoke(standalone, obj=types.SimpleNamespace())
    assert result.exit_code != 0
    assert isinstance(result.exception, AttributeError)


def test_cli_runner_reports_errors(app: Microframe) -> None:
    @app.cli.command("fail")
    def fail() -> None:
        raise click.ClickException("it failed")

    result = app.test_cli_runner().invoke(args=["fail"])
    assert result.exit_code == 1
    assert "it failed" in result.output


def test_test_cli_runner_class(app: Microframe) -> None:
    class MyRunner(MicroframeCliRunner):
        pass

    app.test_cli_runner_class = MyRunner
    runner = app.test_cli_runner()
    assert isinstance(runner, MyRunner)
    assert runner.app is app


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        (("/",), {}),
        (("/users/3",), {}),
        (("/a/b.c?x=1&y=two",), {"method": "post"}),
        (("/q?",), {"method": "DELETE"}),
        (("/semi;colon/@at/~t",), {}),
        (("/x",), {"method": "POST", "data": b'{"a": 1}'}),
        (("/x",), {"method": "PUT", "data": b"a=1", "content_type": "text/plain"}),
        (("/x",), {"data": None, "content_type": None}),
        (("/x",), {"method": "POST", "json": {"b": [1, 2]}}),
        (("/x",), {"json": [1], "content_type": "application/vnd.x+json"}),
    ],
)
def test_plain_requests_get_the_environ_environbuilder_makes(
    app: Microframe, args: tuple[str, ...], kwargs: dict[str, str]
) -> None:
    client = app.test_client()
    fast = client._plain_environ(args, dict(kwargs))
    assert fast is not None
    from microframe.testing import EnvironBuilder

    builder = EnvironBuilder(
        app, *args, environ_base=client._copy_environ({}), **kwargs
    )
    slow = builder.get_environ()
    assert fast["wsgi.input"].read() == slow["wsgi.input"].read()
    del fast["wsgi.input"], slow["wsgi.input"]
    assert fast == slow


@pytest.mark.parametrize(
    ("args", "kwargs", "config"),
    [
        (("/caf%C3%A9",), {}, {}),
        (("/with space",), {}, {}),
        (("/x#frag",), {}, {}),
        (("//host/x",), {}, {}),
        (("http://example.com/x",), {}, {}),
        (("/x",), {"headers": {"X-A": "1"}}, {}),
        (("/x",), {"data": "text"}, {}),
        (("/x",), {"data": {"form": "field"}}, {}),
        (("/x",), {"json": {"a": 1}, "data": b"x"}, {}),
        (("/x",), {"query_string": {"a": "1"}}, {}),
        (("/x",), {}, {"SERVER_NAME": "example.com"}),
        (("/x",), {}, {"APPLICATION_ROOT": "/app"}),
        (("/x",), {}, {"PREFERRED_URL_SCHEME": "https"}),
    ],
)
def test_other_requests_go_through_environbuilder(
    app: Microframe,
    args: tuple[str, ...],
    kwargs: dict[str, t.Any],
    config: dict[str, str],
) -> None:
    app.config.update(config)
    assert app.test_client()._plain_environ(args, kwargs) is None


def test_plain_and_built_requests_answer_alike(app: Microframe) -> None:
    @app.route("/echo/<word>", methods=["GET", "POST"])
    def echo(word: str) -> dict[str, t.Any]:
        return {
            "word": word,
            "args": request.args.to_dict(),
            "method": request.method,
            "ua": request.user_agent.string,
            "remote": request.remote_addr,
        }

    client = app.test_client()
    fast = client.get("/echo/hi?x=1")
    slow = client.get("/echo/hi", query_string={"x": "1"})
    assert fast.json == slow.json
    assert fast.json["ua"].startswith("Werkzeug/")
    assert client.post("/echo/hi").json["method"] == "POST"
