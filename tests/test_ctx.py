"""Tests for microframe.ctx: app and request contexts, ``g`` and the context helpers.

Tests taking the ``fw`` fixture run the same code on microframe and on Flask and
expect the same outcome, which pins the behaviour to Flask's.
"""

from __future__ import annotations

import asyncio
import threading
import types
import typing as t

import flask
import pytest

import microframe
from microframe import (
    Microframe,
    after_this_request,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
)
from microframe.ctx import AppContext, RequestContext
from microframe.sessions import SecureCookieSessionInterface
from microframe.testing import MicroframeClient


@pytest.fixture(params=[microframe, flask], ids=["microframe", "flask"])
def fw(request: pytest.FixtureRequest) -> types.ModuleType:
    """The microframe package, then the flask package."""
    return t.cast(types.ModuleType, request.param)


def new_app(fw: types.ModuleType, **config: t.Any) -> t.Any:
    """A testing app with a secret key on the framework ``fw``."""
    app_class = fw.Microframe if fw is microframe else fw.Flask
    app = app_class("ctx_app")
    app.config.update(TESTING=True, SECRET_KEY="test key", **config)
    return app


# --- pushing and popping --------------------------------------------------------


def test_app_context_makes_current_app_and_g_available(app: Microframe) -> None:
    assert not has_app_context()
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert g._get_current_object() is ctx.g  # type: ignore[attr-defined]
    assert not has_app_context()


def test_request_context_pushes_an_app_context(app: Microframe) -> None:
    with app.test_request_context("/path?x=1", method="POST") as ctx:
        assert isinstance(ctx, RequestContext)
        assert has_request_context()
        assert has_app_context()
        assert request.path == "/path"
        assert request.method == "POST"
        assert request.args["x"] == "1"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert not has_request_context()
    assert not has_app_context()


def test_request_context_reuses_the_active_app_context(app: Microframe) -> None:
    with app.app_context() as app_ctx, app.test_request_context():
        g.marker = "outer"
        assert g._get_current_object() is app_ctx.g  # type: ignore[attr-defined]
    assert not has_app_context()


def test_request_context_of_another_app_pushes_its_own_app_context(
    app: Microframe,
) -> None:
    other = Microframe("other")
    with app.app_context(), other.test_request_context():
        assert current_app.name == "other"
    assert not has_app_context()


def test_contexts_nest_and_restore(app: Microframe) -> None:
    with app.app_context() as outer:
        outer.g.name = "outer"
        with app.app_context() as inner:
            assert g._get_current_object() is inner.g  # type: ignore[attr-defined]
            assert "name" not in g
        assert g.name == "outer"


def test_push_twice_tears_down_only_on_the_last_pop(app: Microframe) -> None:
    calls: list[BaseException | None] = []
    app.teardown_appcontext(calls.append)
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    ctx.pop()
    assert calls == []
    assert has_app_context()
    ctx.pop()
    assert calls == [None]
    assert not has_app_context()


def test_request_context_pushed_twice_tears_down_once(app: Microframe) -> None:
    calls: list[BaseException | None] = []
    app.teardown_request(calls.append)
    ctx = app.test_request_context()
    with ctx:
        with ctx:
            pass
        assert calls == []
        assert request.path == "/"
    assert calls == [None]


def test_request_environ_is_unlinked_after_pop(app: Microframe) -> None:
    with app.test_request_context() as ctx:
        environ = ctx.request.environ
        assert environ["werkzeug.request"] is ctx.request
    assert environ["werkzeug.request"] is None


def test_popping_the_wrong_app_context_says_which(app: Microframe) -> None:
    first = app.app_context()
    second = app.app_context()
    first.push()
    second.push()
    with pytest.raises(RuntimeError, match="Popped the wrong app context") as info:
        first.pop()
    message = str(info.value)
    assert "reverse order" in message
    assert "with" in message
    assert not has_app_context()


def test_popping_the_wrong_request_context_says_which(app: Microframe) -> None:
    first = app.test_request_context("/first")
    second = app.test_request_context("/second")
    first.push()
    second.push()
    with pytest.raises(RuntimeError, match="Popped the wrong request context") as info:
        first.pop()
    message = str(info.value)
    assert "/second" in message
    assert "/first" in message
    assert not has_request_context()
    assert not has_app_context()


def test_reprs(app: Microframe) -> None:
    ctx = app.test_request_context("/a?b=1", method="PUT")
    assert repr(ctx) == "<RequestContext 'http://localhost/a?b=1' [PUT] of test_app>"
    assert repr(app.app_context()) == "<AppContext of 'test_app'>"
    with app.app_context():
        assert repr(g) == "<microframe.g of 'test_app'>"


def test_g_repr_after_the_context_is_gone(app: Microframe) -> None:
    with app.app_context() as ctx:
        pass
    assert repr(ctx.g).startswith("<microframe.ctx._AppCtxGlobals object at ")


def test_untrusted_host_is_a_routing_error(fw: types.ModuleType) -> None:
    app = new_app(fw, TRUSTED_HOSTS=["good.example"])
    app.add_url_rule("/", "index", lambda: "ok")
    with app.test_request_context(base_url="http://evil.example") as ctx:
        assert ctx.url_adapter is None
        assert fw.request.routing_exception.code == 400
        assert fw.request.url_rule is None
    client = app.test_client()
    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert client.get("/", base_url="http://good.example").data == b"ok"


def test_url_adapter_can_be_replaced(fw: types.ModuleType) -> None:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "")
    with app.test_request_context() as ctx:
        adapter = ctx.url_adapter
        assert adapter is not None
        ctx.url_adapter = app.url_map.bind("other.example", url_scheme="https")
        assert fw.url_for("index", _external=True) == "https://other.example/"
    with app.app_context() as app_ctx:
        assert app_ctx.url_adapter is None  # no SERVER_NAME
        app_ctx.url_adapter = app.url_map.bind("set.example")
        assert fw.url_for("index") == "http://set.example/"


def test_create_url_adapter_returning_none(fw: types.ModuleType) -> None:
    base = fw.Microframe if fw is microframe else fw.Flask

    class NoAdapter(base):  # type: ignore[misc,valid-type]
        def create_url_adapter(self, request: t.Any) -> None:
            return None

    app = NoAdapter("no_adapter")
    app.add_url_rule("/", "index", lambda: "")
    with app.test_request_context():
        assert fw.request.url_rule is None
        assert fw.request.routing_exception is None


def test_session_can_be_assigned_on_the_context(app: Microframe) -> None:
    with app.test_request_context() as ctx:
        replacement = app.session_interface.make_null_session(app)
        ctx.session = replacement
        assert session._get_current_object() is replacement  # type: ignore[attr-defined]


# --- the proxies outside a context ----------------------------------------------


@pytest.mark.parametrize("proxy", [current_app, g], ids=["current_app", "g"])
def test_app_proxies_outside_a_context_explain_the_fix(proxy: t.Any) -> None:
    with pytest.raises(RuntimeError) as info:
        proxy.anything  # noqa: B018
    message = str(info.value)
    assert message.startswith("Working outside of application context")
    assert "with app.app_context():" in message


@pytest.mark.parametrize("proxy", [request, session], ids=["request", "session"])
def test_request_proxies_outside_a_context_explain_the_fix(
    app: Microframe, proxy: t.Any
) -> None:
    with pytest.raises(RuntimeError) as info:
        proxy.anything  # noqa: B018
    message = str(info.value)
    assert message.startswith("Working outside of request context")
    assert "app.test_request_context(" in message
    with app.app_context(), pytest.raises(RuntimeError, match="request context"):
        proxy.anything  # noqa: B018


def test_proxies_are_falsy_when_unbound() -> None:
    assert not current_app
    assert not request


# --- g ------------------------------------------------------------------------


def test_g_behaves_like_a_namespace(app_ctx: AppContext) -> None:
    g.user = "ada"
    assert g.user == "ada"
    assert "user" in g
    assert "other" not in g
    assert list(g) == ["user"]
    del g.user
    assert "user" not in g
    with pytest.raises(AttributeError, match="user"):
        g.user  # noqa: B018
    with pytest.raises(AttributeError, match="user"):
        del g.user


def test_g_get_pop_setdefault(app_ctx: AppContext) -> None:
    assert g.get("x") is None
    assert g.get("x", 1) == 1
    assert g.setdefault("x", 2) == 2
    assert g.setdefault("x", 3) == 2
    assert g.get("x") == 2
    assert g.pop("x") == 2
    assert g.pop("x", "gone") == "gone"
    with pytest.raises(KeyError):
        g.pop("x")
    g.a = 1
    g.b = 2
    assert sorted(g) == ["a", "b"]


def test_g_is_per_app_context(app: Microframe) -> None:
    with app.app_context():
        g.value = 1
    with app.app_context():
        assert "value" not in g


def test_g_class_is_configurable(app: Microframe) -> None:
    class MyGlobals(microframe.ctx._AppCtxGlobals):
        def greeting(self) -> str:
            return f"hi {self.get('name', 'nobody')}"

    app.app_ctx_globals_class = MyGlobals
    with app.app_context():
        g.name = "ada"
        assert g.greeting() == "hi ada"


def test_g_is_made_when_first_used_and_can_be_replaced(app: Microframe) -> None:
    made: list[str] = []

    class CountingGlobals(microframe.ctx._AppCtxGlobals):
        def __init__(self) -> None:
            made.append("g")

    app.app_ctx_globals_class = CountingGlobals

    @app.get("/quiet")
    def quiet() -> str:
        return "no g here"

    @app.get("/loud")
    def loud() -> str:
        g.seen = True
        return str(g.seen)

    client = app.test_client()
    assert client.get("/quiet").text == "no g here"
    assert made == []
    assert client.get("/loud").text == "True"
    assert made == ["g"]

    with app.app_context() as ctx:
        mine = CountingGlobals()
        ctx.g = mine
        g.name = "ada"
        assert ctx.g is mine and mine.name == "ada"


# --- after_this_request ----------------------------------------------------------


def test_after_this_request_runs_before_after_request_hooks(app: Microframe) -> None:
    order: list[str] = []

    @app.after_request
    def hook(response: microframe.Response) -> microframe.Response:
        order.append("after_request")
        response.headers["X-Hook"] = response.headers.get("X-This", "-")
        return response

    @app.route("/")
    def index() -> str:
        @after_this_request
        def add_header(response: microframe.Response) -> microframe.Response:
            order.append("after_this_request")
            response.headers["X-This"] = "yes"
            return response

        return "body"

    response = app.test_client().get("/")
    assert response.headers["X-This"] == "yes"
    assert response.headers["X-Hook"] == "yes"
    assert order == ["after_this_request", "after_request"]
    # Only that request: the next one has no such function.
    assert "X-This" not in app.test_client().get("/other").headers


def test_after_this_request_from_a_before_request_hook(app: Microframe) -> None:
    @app.before_request
    def before() -> None:
        after_this_request(lambda response: response.set_data(b"changed") or response)

    app.add_url_rule("/", "index", lambda: "original")
    assert app.test_client().get("/").data == b"changed"


def test_after_this_request_outside_a_request(app_ctx: AppContext) -> None:
    with pytest.raises(RuntimeError) as info:
        after_this_request(lambda response: response)
    message = str(info.value)
    assert "after_this_request() was called outside of a request" in message
    assert "view function" in message


# --- copy_current_request_context ----------------------------------------------


def test_copy_current_request_context_in_a_thread(app: Microframe) -> None:
    seen: dict[str, t.Any] = {}

    @app.route("/work")
    def work() -> str:
        session["user"] = "ada"

        @copy_current_request_context
        def background(suffix: str) -> None:
            seen["path"] = request.path + suffix
            seen["arg"] = request.args["q"]
            seen["user"] = session["user"]
            seen["app"] = current_app.name

        thread = threading.Thread(target=background, args=("!",))
        thread.start()
        thread.join()
        return "started"

    assert app.test_client().get("/work?q=1").data == b"started"
    assert seen == {"path": "/work!", "arg": "1", "user": "ada", "app": "test_app"}


def test_copy_current_request_context_keeps_the_function_name(
    req_ctx: RequestContext,
) -> None:
    def job() -> str:
        """Docs."""
        return request.path

    wrapped = copy_current_request_context(job)
    assert wrapped.__name__ == "job"
    assert wrapped.__doc__ == "Docs."
    assert wrapped() == "/"


def test_copy_current_request_context_runs_async_functions(
    req_ctx: RequestContext,
) -> None:
    async def job() -> str:
        return request.path

    assert copy_current_request_context(job)() == "/"


def test_copy_current_request_context_outside_a_request() -> None:
    with pytest.raises(RuntimeError, match="outside of a request"):
        copy_current_request_context(lambda: None)


def test_copied_context_sees_the_same_session_object(fw: types.ModuleType) -> None:
    app = new_app(fw)
    result: dict[str, t.Any] = {}

    @app.route("/")
    def index() -> str:
        fw.session["a"] = 1
        fw.g.value = "view"

        @fw.copy_current_request_context
        def job() -> None:
            result["session"] = dict(fw.session)
            result["g"] = fw.g.get("value")

        thread = threading.Thread(target=job)
        thread.start()
        thread.join()
        return ""

    app.test_client().get("/")
    # The session travels with the copy; g belongs to a new app context.
    assert result == {"session": {"a": 1}, "g": None}


# --- isolation between threads and tasks ----------------------------------------


def test_contexts_are_isolated_between_threads(app: Microframe) -> None:
    barrier = threading.Barrier(2, timeout=5)
    seen: dict[str, t.Any] = {}

    def worker(name: str) -> None:
        with app.test_request_context(f"/{name}"):
            g.name = name
            barrier.wait()  # both contexts are pushed now
            seen[name] = (g.name, request.path)
            barrier.wait()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": ("a", "/a"), "b": ("b", "/b")}
    assert not has_app_context()


def test_a_context_pushed_in_a_thread_is_not_seen_outside(app: Microframe) -> None:
    pushed = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with app.app_context():
            pushed.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    assert pushed.wait(5)
    assert not has_app_context()
    release.set()
    thread.join()


def test_contexts_are_isolated_between_asyncio_tasks(app: Microframe) -> None:
    async def handle(name: str, started: asyncio.Event, other: asyncio.Event) -> str:
        with app.test_request_context(f"/{name}"):
            g.name = name
            started.set()
            await other.wait()  # the other task has pushed its context too
            return f"{g.name} {request.path}"

    async def main() -> list[str]:
        a_started, b_started = asyncio.Event(), asyncio.Event()
        results = await asyncio.gather(
            handle("a", a_started, b_started), handle("b", b_started, a_started)
        )
        assert not has_request_context()
        return results

    assert asyncio.run(main()) == ["a /a", "b /b"]


# --- teardown -------------------------------------------------------------------


def test_teardown_request_receives_the_unhandled_exception(app: Microframe) -> None:
    app.testing = False
    received: list[BaseException | None] = []
    app.teardown_request(received.append)
    app.teardown_appcontext(received.append)

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert [type(e) for e in received] == [ZeroDivisionError, ZeroDivisionError]
    assert str(received[0]) == "boom"


def test_teardown_gets_none_when_an_error_handler_answered(app: Microframe) -> None:
    received: list[BaseException | None] = []
    app.teardown_request(received.append)
    app.register_error_handler(ZeroDivisionError, lambda e: ("handled", 500))

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError

    assert app.test_client().get("/boom").data == b"handled"
    assert received == [None]


def test_teardown_appcontext_receives_the_exception_of_the_with_block(
    app: Microframe,
) -> None:
    received: list[BaseException | None] = []
    app.teardown_appcontext(received.append)
    with pytest.raises(KeyError), app.app_context():
        raise KeyError("x")
    with app.app_context():
        pass
    assert [type(e) for e in received] == [KeyError, type(None)]


def test_pop_without_argument_uses_the_exception_being_handled(
    app: Microframe,
) -> None:
    received: list[BaseException | None] = []
    app.teardown_request(received.append)
    ctx = app.test_request_context()
    ctx.push()
    try:
        raise ValueError("handled here")
    except ValueError:
        ctx.pop()
    assert [type(e) for e in received] == [ValueError]


def test_teardown_functions_run_in_reverse_order(app: Microframe) -> None:
    order: list[str] = []
    app.teardown_appcontext(lambda e: order.append("app 1"))
    app.teardown_appcontext(lambda e: order.append("app 2"))
    app.teardown_request(lambda e: order.append("request 1"))
    app.teardown_request(lambda e: order.append("request 2"))
    with app.test_request_context():
        pass
    assert order == ["request 2", "request 1", "app 2", "app 1"]


def test_uploaded_files_are_closed_when_the_request_ends(app: Microframe) -> None:
    import io

    with app.test_request_context(
        method="POST", data={"up": (io.BytesIO(b"data"), "a.txt")}
    ):
        upload = request.files["up"]
        assert not upload.stream.closed
    assert upload.stream.closed


# --- app context signals ------------------------------------------------------


def test_appcontext_signals_in_order(app: Microframe) -> None:
    events: list[tuple[str, t.Any, dict[str, t.Any]]] = []

    def recorder(name: str) -> t.Callable[..., None]:
        def receive(sender: t.Any, **kwargs: t.Any) -> None:
            events.append((name, sender, kwargs))

        return receive

    pushed, tearing, popped = (
        recorder("pushed"),
        recorder("tearing_down"),
        recorder("popped"),
    )
    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_tearing_down.connected_to(tearing, app),
        appcontext_popped.connected_to(popped, app),
        pytest.raises(LookupError),
        app.app_context(),
    ):
        assert events == [("pushed", app, {})]
        raise LookupError("bad")
    assert [(name, sender) for name, sender, _ in events] == [
        ("pushed", app),
        ("tearing_down", app),
        ("popped", app),
    ]
    exc = events[1][2]["exc"]
    assert isinstance(exc, LookupError)
    assert events[1][2] == {"exc": exc}
    assert events[2][2] == {}


def test_appcontext_pushed_receivers_can_set_up_g(app: Microframe) -> None:
    def set_user(sender: Microframe, **kwargs: t.Any) -> None:
        g.user = "ada"

    app.add_url_rule("/", "index", lambda: g.user)
    with appcontext_pushed.connected_to(set_user, app):
        assert app.test_client().get("/").data == b"ada"


# --- the test client keeping the last context ---------------------------------


def test_with_client_keeps_the_last_request_context(app: Microframe) -> None:
    @app.route("/")
    def index() -> str:
        g.seen = request.args.get("q")
        session["q"] = request.args.get("q")
        return "ok"

    client = app.test_client()
    with client:
        client.get("/?q=1")
        assert request.args["q"] == "1"
        assert g.seen == "1"
        assert session["q"] == "1"
        client.get("/?q=2")
        assert request.args["q"] == "2"
        assert g.seen == "2"
    assert not has_request_context()
    assert not has_app_context()


def test_with_client_tears_the_kept_contexts_down_once(fw: types.ModuleType) -> None:
    app = new_app(fw)
    log: list[str] = []
    app.teardown_appcontext(lambda exc: log.append("app"))
    app.teardown_request(lambda exc: log.append("request"))
    app.add_url_rule("/", "index", lambda: "")
    with app.test_client() as client:
        client.get("/")
        log.append("request done")
    assert log == ["request", "app", "request done", "request", "app"]


def test_without_with_the_client_keeps_no_context(client: MicroframeClient) -> None:
    client.get("/")
    assert not has_request_context()


def test_nested_with_client_is_an_error(client: MicroframeClient) -> None:
    with client:
        with pytest.raises(RuntimeError) as info, client:
            pass
        assert "nested `with client:`" in str(info.value)
    # The outer block still works and can be entered again afterwards.
    with client:
        pass


# --- the lazy session -------------------------------------------------------------


def test_request_without_session_use_sets_no_cookie_and_no_vary(
    app: Microframe,
) -> None:
    app.add_url_rule("/", "index", lambda: "no session")
    client = app.test_client()
    response = client.get("/")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Vary" not in response.headers
    # Even when the browser sends a session cookie along.
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    response = client.get("/")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Vary" not in response.headers


def test_reading_the_session_adds_vary_cookie(app: Microframe) -> None:
    app.add_url_rule("/", "index", lambda: repr(session.get("user")))
    response = app.test_client().get("/")
    assert response.data == b"None"
    assert response.headers["Vary"] == "Cookie"
    assert response.headers.getlist("Set-Cookie") == []


def test_custom_session_interface_is_opened_at_push(app: Microframe) -> None:
    opened: list[bool] = []

    class Interface(SecureCookieSessionInterface):
        def open_session(self, app: t.Any, request: t.Any) -> t.Any:
            opened.append(has_request_context())
            return super().open_session(app, request)

    app.session_interface = Interface()
    app.add_url_rule("/", "index", lambda: "untouched")
    app.test_client().get("/")
    assert opened == [True]


def test_default_interface_not_opened_for_untouched_request(app: Microframe) -> None:
    with app.test_request_context() as ctx:
        assert ctx._session is None
        assert session.get("x") is None
        assert ctx._session is not None
        assert ctx._session.accessed


def run_session_scenario(fw: types.ModuleType, **config: t.Any) -> list[t.Any]:
    """Set a permanent session, then make requests that do not touch it."""
    app = new_app(fw, **config)

    @app.route("/login")
    def login() -> str:
        fw.session.permanent = True
        fw.session["user"] = "ada"
        return "in"

    @app.route("/plain")
    def plain() -> str:
        return "plain"

    @app.route("/read")
    def read() -> str:
        return str(fw.session.get("user"))

    client = app.test_client()
    seen = []
    for path in ("/plain", "/login", "/plain", "/read", "/plain"):
        response = client.get(path)
        cookies = response.headers.getlist("Set-Cookie")
        seen.append(
            (
                path,
                response.data,
                response.headers.get("Vary"),
                [c.partition("=")[0] for c in cookies],
                ["Expires=" in c for c in cookies],
            )
        )
    return seen


@pytest.mark.parametrize("refresh", [True, False])
def test_permanent_session_refresh_matches_flask(refresh: bool) -> None:
    config = {"SESSION_REFRESH_EACH_REQUEST": refresh}
    ours = run_session_scenario(microframe, **config)
    assert ours == run_session_scenario(flask, **config)
    refreshed = ours[2]
    if refresh:
        # The untouched request still renews the cookie's expiry.
        assert refreshed == ("/plain", b"plain", "Cookie", ["session"], [True])
    else:
        assert refreshed == ("/plain", b"plain", None, [], [])
