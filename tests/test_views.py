"""Tests for microframe/views.py: View and MethodView."""

from __future__ import annotations

import functools
import types
import typing as t

import flask.views
import pytest

from microframe import Microframe
from microframe.globals import g, request
from microframe.views import MethodView, View

if t.TYPE_CHECKING:
    from microframe.testing import MicroframeClient as Client


class Greeting(View):
    """Greets the person named in the URL."""

    def __init__(self, greeting: str = "Hello") -> None:
        self.greeting = greeting

    def dispatch_request(self, name: str) -> str:  # type: ignore[override]
        return f"{self.greeting}, {name}!"


class ItemAPI(MethodView):
    def get(self, item_id: int) -> str:
        return f"get {item_id}"

    def post(self, item_id: int) -> str:
        return f"post {item_id} {request.get_data(as_text=True)}"


# -- View ----------------------------------------------------------------------


def test_view_dispatches_with_url_values(app: Microframe, client: Client) -> None:
    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("hello"))

    assert client.get("/hello/Ada").text == "Hello, Ada!"


def test_as_view_sets_function_attributes() -> None:
    view = Greeting.as_view("greet")

    assert view.view_class is Greeting  # type: ignore[union-attr]
    assert view.__name__ == "greet"
    assert view.__doc__ == "Greets the person named in the URL."
    assert view.__module__ == __name__
    assert view.methods is None  # type: ignore[union-attr]
    assert view.provide_automatic_options is None  # type: ignore[union-attr]


def test_as_view_forwards_class_arguments(app: Microframe, client: Client) -> None:
    app.add_url_rule("/hi/<name>", view_func=Greeting.as_view("hi", "Hi"))
    app.add_url_rule("/hey/<name>", view_func=Greeting.as_view("hey", greeting="Hey"))

    assert client.get("/hi/Bo").text == "Hi, Bo!"
    assert client.get("/hey/Bo").text == "Hey, Bo!"


def test_endpoint_defaults_to_the_given_name(app: Microframe) -> None:
    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("hello"))

    view = app.view_functions["hello"]
    assert view.view_class is Greeting  # type: ignore[union-attr]


def test_methods_and_automatic_options(app: Microframe, client: Client) -> None:
    class Submit(View):
        methods = ["POST"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/submit", view_func=Submit.as_view("submit"))

    assert client.post("/submit").text == "POST"
    assert client.get("/submit").status_code == 405
    assert client.options("/submit").status_code == 405


def test_new_instance_per_request_by_default(app: Microframe, client: Client) -> None:
    instances: list[object] = []

    class Counter(View):
        def __init__(self) -> None:
            instances.append(self)

        def dispatch_request(self) -> str:
            return str(len(instances))

    view = Counter.as_view("counter")
    assert instances == []
    app.add_url_rule("/", view_func=view)

    assert client.get("/").text == "1"
    assert client.get("/").text == "2"
    assert instances[0] is not instances[1]


def test_single_instance_made_at_as_view_time(app: Microframe, client: Client) -> None:
    instances: list[object] = []

    class Shared(View):
        init_every_request = False

        def __init__(self, prefix: str) -> None:
            self.prefix = prefix
            instances.append(self)

        def dispatch_request(self) -> str:
            return f"{self.prefix}{len(instances)}"

    app.add_url_rule("/", view_func=Shared.as_view("shared", prefix="n="))
    assert len(instances) == 1

    assert client.get("/").text == "n=1"
    assert client.get("/").text == "n=1"
    assert len(instances) == 1


def test_view_class_can_be_replaced(app: Microframe, client: Client) -> None:
    class Stub(Greeting):
        def dispatch_request(self, name: str) -> str:  # type: ignore[override]
            return f"stubbed {name}"

    view = Greeting.as_view("hello")
    view.view_class = Stub  # type: ignore[union-attr]
    app.add_url_rule("/hello/<name>", view_func=view)

    assert client.get("/hello/Ada").text == "stubbed Ada"


def test_decorators_wrap_in_order(app: Microframe, client: Client) -> None:
    seen_names: list[str] = []

    def tag(label: str) -> t.Callable[[t.Callable[..., str]], t.Callable[..., str]]:
        def decorator(f: t.Callable[..., str]) -> t.Callable[..., str]:
            seen_names.append(f.__name__)

            @functools.wraps(f)
            def wrapper(**kwargs: t.Any) -> str:
                return f"{label}({f(**kwargs)})"

            return wrapper

        return decorator

    class Decorated(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            return "view"

    view = Decorated.as_view("decorated")
    app.add_url_rule("/", view_func=view)

    assert client.get("/").text == "outer(inner(view))"
    assert seen_names == ["decorated", "decorated"]
    assert view.view_class is Decorated  # type: ignore[union-attr]
    assert view.__module__ == __name__


def test_decorated_view_class_can_be_replaced(app: Microframe, client: Client) -> None:
    def passthrough(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        @functools.wraps(f)
        def wrapper(**kwargs: t.Any) -> t.Any:
            return f(**kwargs)

        return wrapper

    class Real(View):
        decorators = [passthrough]

        def dispatch_request(self) -> str:
            return "real"

    class Fake(Real):
        def dispatch_request(self) -> str:
            return "fake"

    view = Real.as_view("real")
    view.view_class = Fake  # type: ignore[union-attr]
    app.add_url_rule("/", view_func=view)

    assert client.get("/").text == "fake"


def test_async_dispatch_request(app: Microframe, client: Client) -> None:
    class AsyncView(View):
        init_every_request = False

        async def dispatch_request(self) -> str:  # type: ignore[override]
            return "async view"

    app.add_url_rule("/", view_func=AsyncView.as_view("async_view"))

    assert client.get("/").text == "async view"


def test_dispatch_request_must_be_overridden(app: Microframe) -> None:
    app.add_url_rule("/", view_func=View.as_view("base"))

    with pytest.raises(NotImplementedError, match=r"does not override dispatch_req"):
        app.test_client().get("/")


# -- MethodView ----------------------------------------------------------------


def test_method_view_dispatches_by_method(app: Microframe, client: Client) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))

    assert client.get("/items/3").text == "get 3"
    assert client.post("/items/3", data="body").text == "post 3 body"
    assert client.delete("/items/3").status_code == 405


def test_method_view_collects_methods() -> None:
    assert ItemAPI.methods == {"GET", "POST"}
    assert ItemAPI.as_view("item").methods == {"GET", "POST"}  # type: ignore[union-attr]


def test_methods_are_inherited_and_extended() -> None:
    class WithPut(ItemAPI):
        def put(self, item_id: int) -> str:
            return "put"

    class GetMixin:
        def get(self) -> str:
            return "mixin get"

    class FromMixin(GetMixin, MethodView):
        def delete(self) -> str:
            return "delete"

    class ExplicitMethods(MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return "get"

        def post(self) -> str:
            return "not routed"

    class Inherits(ExplicitMethods):
        pass

    assert WithPut.methods == {"GET", "POST", "PUT"}
    assert FromMixin.methods == {"GET", "DELETE"}
    assert list(ExplicitMethods.methods) == ["GET"]
    assert set(Inherits.methods or ()) == {"GET", "POST"}  # base list + handlers


def test_methods_match_flask_method_view() -> None:
    def body(ns: dict[str, t.Any]) -> None:
        ns["get"] = lambda self: "get"
        ns["patch"] = lambda self: "patch"

    def child_body(ns: dict[str, t.Any]) -> None:
        ns["options"] = lambda self: "options"

    empty: t.Any = types.new_class("Empty", (MethodView,))
    flask_empty: t.Any = types.new_class("Empty", (flask.views.MethodView,))
    assert empty.methods is flask_empty.methods is None

    ours: t.Any = types.new_class("Ours", (MethodView,), exec_body=body)
    theirs: t.Any = types.new_class("Theirs", (flask.views.MethodView,), exec_body=body)
    assert ours.methods == theirs.methods == {"GET", "PATCH"}

    ours_child: t.Any = types.new_class("OursChild", (ours,), exec_body=child_body)
    theirs_child: t.Any = types.new_class(
        "TheirsChild", (theirs,), exec_body=child_body
    )
    assert ours_child.methods == theirs_child.methods


def test_head_falls_back_to_get(app: Microframe, client: Client) -> None:
    calls: list[str] = []

    class OnlyGet(MethodView):
        def get(self) -> str:
            calls.append(request.method)
            return "body"

    app.add_url_rule("/", view_func=OnlyGet.as_view("only_get"))
    response = client.head("/")

    assert response.status_code == 200
    assert response.data == b""
    assert calls == ["HEAD"]


def test_head_handler_wins_over_get(app: Microframe, client: Client) -> None:
    class WithHead(MethodView):
        def get(self) -> str:
            return "get"

        def head(self) -> tuple[str, int, dict[str, str]]:
            return "", 204, {"X-Handler": "head"}

    app.add_url_rule("/", view_func=WithHead.as_view("with_head"))
    response = client.head("/")

    assert response.status_code == 204
    assert response.headers["X-Handler"] == "head"


def test_missing_handler_is_a_clear_error(app: Microframe) -> None:
    class NoPut(MethodView):
        methods = ["GET", "PUT"]

        def get(self) -> str:
            return "get"

    app.add_url_rule("/", view_func=NoPut.as_view("no_put"))
    client = app.test_client()

    with pytest.raises(RuntimeError) as exc_info:
        client.put("/")

    message = str(exc_info.value)
    assert "NoPut received a 'PUT' request but has no 'put' method" in message
    assert "['GET', 'PUT']" in message
    assert "def put(self, **url_values)" in message
    assert "remove 'PUT' from NoPut.methods" in message


def test_missing_handler_returns_500_when_not_testing(app: Microframe) -> None:
    class NoPut(MethodView):
        methods = ["GET", "PUT"]

        def get(self) -> str:
            return "get"

    app.testing = False
    app.add_url_rule("/", view_func=NoPut.as_view("no_put"))

    assert app.test_client().put("/").status_code == 500


def test_head_without_get_or_head_is_an_error(app: Microframe) -> None:
    class PostOnly(MethodView):
        methods = ["POST", "HEAD"]

        def post(self) -> str:
            return "post"

    app.add_url_rule("/", view_func=PostOnly.as_view("post_only"))

    with pytest.raises(RuntimeError, match="no 'head' method"):
        app.test_client().head("/")


def test_non_standard_method_handler(app: Microframe, client: Client) -> None:
    class Dav(MethodView):
        methods = ["PROPFIND"]

        def propfind(self) -> str:
            return "propfind"

    app.add_url_rule("/dav", view_func=Dav.as_view("dav"))

    assert client.open("/dav", method="PROPFIND").text == "propfind"


def test_async_handlers(app: Microframe, client: Client) -> None:
    class AsyncAPI(MethodView):
        init_every_request = False

        async def get(self) -> str:
            return "async get"

        def post(self) -> str:
            return "sync post"

    app.add_url_rule("/", view_func=AsyncAPI.as_view("async_api"))

    assert client.get("/").text == "async get"
    assert client.post("/").text == "sync post"


def test_shared_instance_keeps_request_data_on_g(
    app: Microframe, client: Client
) -> None:
    class Echo(MethodView):
        init_every_request = False

        def get(self, word: str) -> str:
            g.word = word
            return str(g.word)

    app.add_url_rule("/echo/<word>", view_func=Echo.as_view("echo"))

    assert client.get("/echo/one").text == "one"
    assert client.get("/echo/two").text == "two"


def test_blueprint_registration_uses_view_methods(app: Microframe) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "item")

    assert rule.methods == {"GET", "HEAD", "OPTIONS", "POST"}


# -- the sync fast path ----------------------------------------------------------


@pytest.fixture
def ensure_sync_calls(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> list[t.Callable[..., t.Any]]:
    """Record what goes through ``app.ensure_sync``."""
    calls: list[t.Callable[..., t.Any]] = []
    real_ensure_sync = app.ensure_sync

    def spy(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        calls.append(func)
        return real_ensure_sync(func)

    monkeypatch.setattr(app, "ensure_sync", spy)
    return calls


def handler_calls(calls: list[t.Callable[..., t.Any]]) -> list[str]:
    """Names of the view-class methods among the ensure_sync calls."""
    return [f.__name__ for f in calls if hasattr(f, "__self__")]


def test_sync_handlers_skip_ensure_sync(
    app: Microframe, client: Client, ensure_sync_calls: list[t.Callable[..., t.Any]]
) -> None:
    class Shared(View):
        init_every_request = False

        def dispatch_request(self) -> str:
            return "shared"

    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("hello"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))

    assert client.get("/items/1").text == "get 1"
    assert client.head("/items/1").status_code == 200
    assert client.get("/hello/Ada").text == "Hello, Ada!"
    assert client.get("/shared").text == "shared"
    assert handler_calls(ensure_sync_calls) == []


def test_async_handlers_go_through_ensure_sync(
    app: Microframe, client: Client, ensure_sync_calls: list[t.Callable[..., t.Any]]
) -> None:
    class AsyncAPI(MethodView):
        async def get(self) -> str:
            return "async get"

    class AsyncView(View):
        async def dispatch_request(self) -> str:  # type: ignore[override]
            return "async view"

    app.add_url_rule("/api", view_func=AsyncAPI.as_view("api"))
    app.add_url_rule("/view", view_func=AsyncView.as_view("view"))

    assert client.get("/api").text == "async get"
    assert client.get("/view").text == "async view"
    assert handler_calls(ensure_sync_calls) == ["get", "dispatch_request"]


def test_replaced_view_class_may_be_async(app: Microframe, client: Client) -> None:
    class AsyncGreeting(Greeting):
        async def dispatch_request(self, name: str) -> str:  # type: ignore[override]
            return f"async {name}"

    view = Greeting.as_view("hello")
    view.view_class = AsyncGreeting  # type: ignore[union-attr]
    app.add_url_rule("/hello/<name>", view_func=view)

    assert client.get("/hello/Ada").text == "async Ada"


def test_handler_set_on_the_instance(app: Microframe, client: Client) -> None:
    class Configurable(MethodView):
        def __init__(self) -> None:
            async def get() -> str:
                return "instance get"

            self.get = get

        def get(self) -> str:  # type: ignore[method-assign]
            return "class get"

    app.add_url_rule("/", view_func=Configurable.as_view("configurable"))

    assert client.get("/").text == "instance get"


def test_handler_disabled_with_none(app: Microframe) -> None:
    class NoDelete(ItemAPI):
        delete = None

    app.add_url_rule("/items/<int:item_id>", view_func=NoDelete.as_view("item"))

    with pytest.raises(RuntimeError, match="has no 'delete' method"):
        app.test_client().delete("/items/1")


def test_plain_sync_detection() -> None:
    from microframe.views import _is_plain_sync

    def plain() -> None: ...

    async def coroutine() -> None: ...

    def marked() -> None: ...

    marked._is_coroutine_marker = True  # type: ignore[attr-defined]

    assert _is_plain_sync(plain)
    assert _is_plain_sync(Greeting("Hi").dispatch_request)
    assert not _is_plain_sync(coroutine)
    assert not _is_plain_sync(marked)
    assert not _is_plain_sync(functools.partial(plain))
