"""Tests for microframe.json and microframe.json.provider, with Flask as oracle."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import gc
import io
import json
import threading
import typing as t
import uuid

import flask
import flask.json
import pytest
from markupsafe import Markup

import microframe.json as mjson
from microframe.app import Microframe
from microframe.json.provider import DefaultJSONProvider, JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HTMLThing:
    def __html__(self) -> str:
        return "<b>thing</b>"


class Unknown:
    def __repr__(self) -> str:
        return "<Unknown instance>"


UID = uuid.UUID("12345678-1234-5678-1234-567812345678")
AWARE = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)

# Values and the JSON the default provider writes for them.
EXTRA_TYPES: list[tuple[t.Any, str]] = [
    (datetime.date(2021, 3, 4), '"Thu, 04 Mar 2021 00:00:00 GMT"'),
    (AWARE, '"Thu, 04 Mar 2021 05:06:07 GMT"'),
    (datetime.datetime(2021, 3, 4, 5, 6, 7), '"Thu, 04 Mar 2021 05:06:07 GMT"'),
    (UID, '"12345678-1234-5678-1234-567812345678"'),
    (decimal.Decimal("0.10"), '"0.10"'),
    (Point(1, 2), '{"x": 1, "y": 2}'),
    (Markup("<p>&amp;</p>"), '"<p>&amp;</p>"'),
    (HTMLThing(), '"<b>thing</b>"'),
]

# A mixed document for differential checks against Flask.
DOCUMENT: dict[str, t.Any] = {
    "zeta": [1, 2.5, None, True, "ünïcode ☃"],
    "alpha": {"nested": {"b": 1, "a": [{}, []]}, "when": AWARE},
    "ids": [UID, decimal.Decimal("3.14")],
    "point": Point(3, 4),
    "html": Markup("<i>x</i>"),
    "tuple": (1, "two"),
}


@pytest.fixture
def app() -> Microframe:
    """A fresh microframe app."""
    return Microframe(__name__)


@pytest.fixture
def flask_app() -> flask.Flask:
    """A fresh Flask app, the oracle for differential checks."""
    return flask.Flask(__name__)


@pytest.fixture
def app_ctx(app: Microframe) -> t.Iterator[None]:
    """Push an app context of ``app`` for the test."""
    with app.app_context():
        yield


# -- module functions outside an app --


@pytest.mark.parametrize(("value", "expected"), EXTRA_TYPES)
def test_dumps_extra_types_without_app(value: t.Any, expected: str) -> None:
    assert mjson.dumps(value) == expected
    assert mjson.dumps(value) == flask.json.dumps(value)


def test_dumps_without_app_matches_flask_and_does_not_sort() -> None:
    assert mjson.dumps(DOCUMENT) == flask.json.dumps(DOCUMENT)
    assert mjson.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_dumps_without_app_passes_kwargs() -> None:
    assert mjson.dumps({"b": 1, "a": "é"}, sort_keys=True, ensure_ascii=False) == (
        '{"a": "é", "b": 1}'
    )
    assert mjson.dumps(Unknown(), default=lambda o: "custom") == '"custom"'
    assert mjson.dumps([1, 2], indent=1) == "[\n 1,\n 2\n]"


def test_dumps_unknown_type_error_message() -> None:
    with pytest.raises(TypeError) as info:
        mjson.dumps({"k": Unknown()})
    assert str(info.value) == (
        "Object of type Unknown is not JSON serializable: <Unknown instance>."
        " Convert it to a str, number, list or dict first, or teach the app about"
        f" {__name__}.Unknown by setting app.json.default to a function that"
        " returns a JSON-compatible value."
    )


def test_dumps_long_repr_is_truncated_in_error() -> None:
    class Chatty:
        def __repr__(self) -> str:
            return "x" * 500

    with pytest.raises(TypeError) as info:
        mjson.dumps(Chatty())
    assert f"serializable: {'x' * 80}. Convert" in str(info.value)


def test_dumps_dataclass_type_itself_is_not_serializable() -> None:
    with pytest.raises(TypeError, match="Object of type type is not JSON"):
        mjson.dumps(Point)


def test_dump_and_load_without_app() -> None:
    out = io.StringIO()
    mjson.dump({"d": datetime.date(2000, 1, 1)}, out)
    assert out.getvalue() == '{"d": "Sat, 01 Jan 2000 00:00:00 GMT"}'
    assert mjson.load(io.StringIO(out.getvalue())) == {
        "d": "Sat, 01 Jan 2000 00:00:00 GMT"
    }
    assert mjson.load(io.BytesIO(b"[1]")) == [1]


def test_loads_without_app() -> None:
    assert mjson.loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert mjson.loads(b"[1]") == [1]
    assert mjson.loads("1.5", parse_float=decimal.Decimal) == decimal.Decimal("1.5")


def test_jsonify_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        mjson.jsonify(a=1)


def test_public_names() -> None:
    assert sorted(mjson.__all__) == ["dump", "dumps", "jsonify", "load", "loads"]
    import microframe

    assert microframe.json is mjson


# -- module functions inside an app --


class RecordingProvider(DefaultJSONProvider):
    """Records the calls the module-level helpers forward."""

    def __init__(self, app: Microframe) -> None:
        super().__init__(app)
        self.calls: list[tuple[str, dict[str, t.Any]]] = []

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        self.calls.append(("dumps", kwargs))
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        self.calls.append(("loads", kwargs))
        return super().loads(s, **kwargs)


def test_module_functions_use_the_app_provider(app: Microframe) -> None:
    provider = RecordingProvider(app)
    app.json = provider
    with app.app_context():
        assert mjson.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
        out = io.StringIO()
        mjson.dump([1], out, indent=None)
        assert out.getvalue() == "[1]"
        assert mjson.loads("[2]") == [2]
        assert mjson.load(io.StringIO("[3]"), parse_int=str) == ["3"]
    assert provider.calls == [
        ("dumps", {}),
        ("dumps", {"indent": None}),
        ("loads", {}),
        ("loads", {"parse_int": str}),
    ]


def test_module_dumps_in_app_matches_flask(
    app: Microframe, flask_app: flask.Flask
) -> None:
    with app.app_context():
        ours = mjson.dumps(DOCUMENT)
    with flask_app.app_context():
        theirs = flask.json.dumps(DOCUMENT)
    assert ours == theirs
    assert ours.startswith('{"alpha": ')


def test_module_helpers_inside_request_context(app: Microframe) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.test_request_context("/"):
        assert mjson.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


# -- DefaultJSONProvider.dumps / loads --


def test_app_json_is_default_provider(app: Microframe) -> None:
    assert isinstance(app.json, DefaultJSONProvider)
    assert DefaultJSONProvider.ensure_ascii is True
    assert DefaultJSONProvider.sort_keys is True
    assert DefaultJSONProvider.compact is None
    assert DefaultJSONProvider.mimetype == "application/json"


@pytest.mark.parametrize(("value", "expected"), EXTRA_TYPES)
def test_provider_extra_types(app: Microframe, value: t.Any, expected: str) -> None:
    assert app.json.dumps(value) == expected


def test_provider_dumps_matches_flask(app: Microframe, flask_app: flask.Flask) -> None:
    calls: list[dict[str, t.Any]] = [
        {},
        {"indent": 2},
        {"separators": (",", ":")},
        {"sort_keys": False},
        {"ensure_ascii": False, "indent": "\t"},
        {"skipkeys": True, "sort_keys": False},
    ]
    for kwargs in calls:
        value: dict[t.Any, t.Any] = dict(DOCUMENT)
        if "skipkeys" in kwargs:
            value[(3,)] = "dropped"
        assert app.json.dumps(value, **kwargs) == flask_app.json.dumps(
            value, **kwargs
        ), kwargs


def test_provider_dumps_kwargs_override_settings(app: Microframe) -> None:
    assert app.json.dumps("é") == '"\\u00e9"'
    assert app.json.dumps("é", ensure_ascii=False) == '"é"'
    assert app.json.dumps({"b": 1, "a": 1}, sort_keys=False) == '{"b": 1, "a": 1}'
    assert app.json.dumps(Unknown(), default=repr) == '"<Unknown instance>"'


def test_provider_dumps_unhashable_and_uncached_arguments(app: Microframe) -> None:
    # A list of separators cannot key the encoder cache; it still works.
    assert app.json.dumps({"a": [1, 2]}, separators=[",", "="]) == '{"a"=[1,2]}'

    class Upper(json.JSONEncoder):
        def encode(self, o: t.Any) -> str:
            return super().encode(o).upper()

    assert app.json.dumps({"a": "b"}, cls=Upper) == '{"A": "B"}'
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        app.json.dumps(1, bogus=True)


def test_provider_dumps_error_is_raised_not_swallowed(app: Microframe) -> None:
    with pytest.raises(TypeError, match="Object of type Unknown is not JSON"):
        app.json.dumps([Unknown()])
    with pytest.raises(ValueError, match="Circular reference"):
        loop: list[t.Any] = []
        loop.append(loop)
        app.json.dumps(loop)


def test_cycles_and_deep_data_fail_like_flask(
    app: Microframe, flask_app: flask.Flask
) -> None:
    cyclic: dict[str, t.Any] = {"list": []}
    cyclic["list"].append(cyclic)

    class SelfDefault:
        pass

    def default(o: t.Any) -> t.Any:
        return [o]  # the same object again: a cycle through default()

    deep: list[t.Any] = []
    for _ in range(100_000):
        deep = [deep]

    cases: list[tuple[t.Any, dict[str, t.Any], type[Exception]]] = [
        (cyclic, {}, ValueError),
        (SelfDefault(), {"default": default}, ValueError),
        (deep, {}, RecursionError),
        (cyclic, {"check_circular": False}, RecursionError),
    ]
    for value, kwargs, error in cases:
        with pytest.raises(error) as ours:
            app.json.dumps(value, **kwargs)
        with pytest.raises(error) as theirs:
            flask_app.json.dumps(value, **kwargs)
        assert str(ours.value) == str(theirs.value)
    # The encoders are still fine afterwards.
    assert app.json.dumps({"b": [1], "a": 2}) == '{"a": 2, "b": [1]}'


def test_shared_encoders_are_thread_safe(app: Microframe) -> None:
    shared = {"b": [{"x": i, "when": AWARE} for i in range(50)], "a": UID}
    expected = app.json.dumps(shared)
    cyclic: list[t.Any] = []
    cyclic.append([cyclic])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                assert app.json.dumps(shared) == expected
                with pytest.raises(ValueError, match="Circular reference"):
                    app.json.dumps(cyclic)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_without_the_c_accelerator(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pythons without json's C speedups (such as PyPy) give the same output."""
    from microframe.json import provider as provider_module

    expected = app.json.dumps(DOCUMENT, separators=(",", ":"))
    monkeypatch.setattr(provider_module, "_c_make_encoder", None)
    monkeypatch.setattr(provider_module, "_encoders", {})
    assert app.json.dumps(DOCUMENT, separators=(",", ":")) == expected
    with app.app_context():
        assert mjson.jsonify(DOCUMENT).get_data(as_text=True) == expected + "\n"
    cyclic: list[t.Any] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="Circular reference"):
        app.json.dumps(cyclic)


def test_provider_loads_and_load(app: Microframe) -> None:
    assert app.json.loads('{"a": 1}') == {"a": 1}
    assert app.json.loads(b'{"a": 1}') == {"a": 1}
    assert app.json.loads("1", parse_int=float) == 1.0
    assert app.json.load(io.StringIO("[1]")) == [1]
    assert app.json.load(io.BytesIO(b"[2]")) == [2]
    with pytest.raises(json.JSONDecodeError):
        app.json.loads("{")


def test_provider_dump_writes_text(app: Microframe) -> None:
    out = io.StringIO()
    app.json.dump({"b": UID, "a": 1}, out)
    assert out.getvalue() == '{"a": 1, "b": "12345678-1234-5678-1234-567812345678"}'


def test_settings_changes_take_effect_immediately(app: Microframe) -> None:
    """Cached encoders never hide a setting changed on an instance or class."""
    provider = t.cast(DefaultJSONProvider, app.json)
    assert provider.dumps({"b": "é", "a": 1}) == '{"a": 1, "b": "\\u00e9"}'
    provider.ensure_ascii = False
    assert provider.dumps({"b": "é", "a": 1}) == '{"a": 1, "b": "é"}'
    provider.sort_keys = False
    assert provider.dumps({"b": "é", "a": 1}) == '{"b": "é", "a": 1}'
    provider.default = lambda o: "first"
    assert provider.dumps(Unknown()) == '"first"'
    provider.default = lambda o: "second"
    assert provider.dumps(Unknown()) == '"second"'
    del provider.default, provider.sort_keys, provider.ensure_ascii
    assert provider.dumps({"b": "é", "a": 1}) == '{"a": 1, "b": "\\u00e9"}'


def test_class_level_changes_apply_to_existing_instances(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.json.dumps({"b": 1, "a": 1}) == '{"a": 1, "b": 1}'
    monkeypatch.setattr(DefaultJSONProvider, "sort_keys", False)
    assert app.json.dumps({"b": 1, "a": 1}) == '{"b": 1, "a": 1}'


def test_many_distinct_settings_stay_correct(app: Microframe) -> None:
    provider = t.cast(DefaultJSONProvider, app.json)
    for i in range(150):
        provider.default = lambda o, i=i: i  # type: ignore[misc]
        assert provider.dumps([Unknown()]) == f"[{i}]"


def test_unhashable_default_still_works(app: Microframe) -> None:
    class Converter:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, o: t.Any) -> str:
            return "converted"

    app.json.default = Converter()  # type: ignore[attr-defined]
    assert app.json.dumps(Unknown()) == '"converted"'
    with app.app_context():
        assert mjson.jsonify(Unknown()).get_data(as_text=True) == '"converted"\n'


def test_subclass_default_method(app: Microframe) -> None:
    class SetProvider(DefaultJSONProvider):
        def default(self, o: t.Any) -> t.Any:
            if isinstance(o, (set, frozenset)):
                return sorted(o)
            return super().default(o)

    app.json = SetProvider(app)
    assert app.json.dumps({"s": {3, 1, 2}, "d": UID}) == (
        '{"d": "12345678-1234-5678-1234-567812345678", "s": [1, 2, 3]}'
    )
    with app.app_context():
        response = mjson.jsonify({1, 2})
    assert response.get_data(as_text=True) == "[1,2]\n"


def test_subclass_class_attributes(app: Microframe) -> None:
    class Plain(DefaultJSONProvider):
        ensure_ascii = False
        sort_keys = False
        compact = True
        mimetype = "application/vnd.api+json"

    app.json = Plain(app)
    assert app.json.dumps({"b": "é", "a": 1}) == '{"b": "é", "a": 1}'
    app.debug = True
    with app.app_context():
        response = mjson.jsonify(b="é", a=[1, 2])
    assert response.get_data(as_text=True) == '{"b":"é","a":[1,2]}\n'
    assert response.mimetype == "application/vnd.api+json"


def test_provider_keeps_only_a_weak_reference() -> None:
    app = Microframe(__name__)
    provider = app.json
    assert provider._app.name == app.name
    del app
    gc.collect()
    with pytest.raises(ReferenceError):
        _ = provider._app.name


# -- response() / jsonify --


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((), {}, "null"),
        ((1,), {}, "1"),
        (("text",), {}, '"text"'),
        (({"b": 1, "a": 2},), {}, '{"a":2,"b":1}'),
        (([1, 2],), {}, "[1,2]"),
        ((1, "two", None), {}, '[1,"two",null]'),
        (
            (),
            {"b": 1, "a": [UID]},
            '{"a":["12345678-1234-5678-1234-567812345678"],"b":1}',
        ),
    ],
)
def test_jsonify_arguments(
    app: Microframe,
    app_ctx: None,
    args: tuple[t.Any, ...],
    kwargs: dict[str, t.Any],
    body: str,
) -> None:
    response = mjson.jsonify(*args, **kwargs)
    assert isinstance(response, app.response_class)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_data(as_text=True) == body + "\n"


def test_jsonify_args_and_kwargs_together_is_an_error(app_ctx: None) -> None:
    with pytest.raises(TypeError) as info:
        mjson.jsonify(1, 2, a=3)
    assert str(info.value) == (
        "jsonify() and app.json.response() take either positional or keyword"
        " arguments, not both; got args (1, 2) and kwargs {'a': 3}. Pass a single"
        " dict instead, e.g. jsonify({'items': [...], 'total': 3})."
    )


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("compact", [None, True, False])
def test_jsonify_layout_matches_flask(
    app: Microframe, flask_app: flask.Flask, debug: bool, compact: bool | None
) -> None:
    app.debug = debug
    flask_app.debug = debug
    app.json.compact = compact  # type: ignore[attr-defined]
    flask_app.json.compact = compact  # type: ignore[attr-defined]
    with app.app_context():
        ours = mjson.jsonify(DOCUMENT)
    with flask_app.app_context():
        theirs = flask.jsonify(DOCUMENT)
    assert ours.get_data() == theirs.get_data()
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"]
    indented = compact is False or (compact is None and debug)
    assert (b'\n  "alpha"' in ours.get_data()) is indented


def test_jsonify_follows_setting_changes(app: Microframe, app_ctx: None) -> None:
    assert mjson.jsonify(b="é", a=1).get_data(as_text=True) == '{"a":1,"b":"\\u00e9"}\n'
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    assert mjson.jsonify(b="é", a=1).get_data(as_text=True) == '{"b":"é","a":1}\n'
    app.json.mimetype = "text/x-json"  # type: ignore[attr-defined]
    response = mjson.jsonify([])
    assert response.headers["Content-Type"] == "text/x-json; charset=utf-8"


def test_response_uses_overridden_dumps(app: Microframe) -> None:
    class Wrapped(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return "/*" + json.dumps(kwargs) + "*/" + super().dumps(obj, **kwargs)

    app.json = Wrapped(app)
    with app.app_context():
        assert mjson.jsonify([1]).get_data(as_text=True) == (
            '/*{"separators": [",", ":"]}*/[1]\n'
        )
        app.json.compact = False
        assert mjson.jsonify([1]).get_data(as_text=True) == (
            '/*{"indent": 2}*/[\n  1\n]\n'
        )


def test_response_uses_dumps_assigned_on_instance(app: Microframe) -> None:
    app.json.dumps = lambda obj, **kwargs: "42"  # type: ignore[method-assign]
    with app.app_context():
        assert mjson.jsonify(1).get_data(as_text=True) == "42\n"


def test_jsonify_in_view_and_dict_return(app: Microframe) -> None:
    @app.route("/jsonify")
    def view_jsonify() -> t.Any:
        return mjson.jsonify(items=[1, 2])

    @app.route("/dict")
    def view_dict() -> t.Any:
        return {"items": [1, 2], "when": AWARE}

    client = app.test_client()
    response = client.get("/jsonify")
    assert response.get_data(as_text=True) == '{"items":[1,2]}\n'
    assert response.get_json() == {"items": [1, 2]}
    response = client.get("/dict")
    assert response.mimetype == "application/json"
    assert response.get_data(as_text=True) == (
        '{"items":[1,2],"when":"Thu, 04 Mar 2021 05:06:07 GMT"}\n'
    )


# -- the JSONProvider base class --


def test_base_provider_requires_dumps_and_loads(app: Microframe) -> None:
    provider = JSONProvider(app)
    with pytest.raises(NotImplementedError):
        provider.dumps(1)
    with pytest.raises(NotImplementedError):
        provider.loads("1")
    with pytest.raises(NotImplementedError):
        provider.dump(1, io.StringIO())
    with pytest.raises(NotImplementedError):
        provider.load(io.StringIO("1"))


class ReprProvider(JSONProvider):
    """A minimal provider built on the base class."""

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        return json.loads(s, **kwargs)


def test_minimal_provider_gets_dump_load_and_response(app: Microframe) -> None:
    app.json = ReprProvider(app)
    out = io.StringIO()
    app.json.dump({"a": 1}, out, indent=None)
    assert out.getvalue() == '{"a": 1}'
    assert app.json.load(io.StringIO('{"a": 1}')) == {"a": 1}
    with app.app_context():
        response = mjson.jsonify(b=1, a=2)
        assert mjson.jsonify().get_data(as_text=True) == "null"
        assert mjson.jsonify(1, 2).get_data(as_text=True) == "[1, 2]"
        with pytest.raises(TypeError, match="not both"):
            mjson.jsonify(1, a=2)
    # The base class adds no newline and always uses application/json.
    assert response.get_data(as_text=True) == '{"b": 1, "a": 2}'
    assert response.mimetype == "application/json"
    assert isinstance(response, app.response_class)


def test_provider_class_attribute_on_app_subclass() -> None:
    class App(Microframe):
        json_provider_class = ReprProvider

    app = App(__name__)
    assert isinstance(app.json, ReprProvider)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": [1, 2.5, "\\u00e9", null]}',
        '{"é": "ü"}'.encode(),
        b"  [1]  ",
        b"1",
        b'"x"',
        b"\xef\xbb\xbf[1]",
        '[1, "é"]'.encode("utf-16"),
        "[1]".encode("utf-16-le"),
        "[1]".encode("utf-32-be"),
        b"[1] [2]",
        b'{"a": "\\ud800"}',
        b"[\xff]",
        b"",
        b"{\x00}",
    ],
)
def test_loads_reads_bytes_as_json_loads_does(data: bytes) -> None:
    provider = Microframe(__name__).json

    def outcome(load: t.Callable[[bytes], t.Any]) -> t.Any:
        try:
            return ("value", load(data))
        except ValueError as error:
            return ("error", type(error), str(error))

    assert outcome(provider.loads) == outcome(json.loads)
