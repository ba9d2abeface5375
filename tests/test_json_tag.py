"""Tests for microframe.json.tag, including wire compatibility with Flask."""

from __future__ import annotations

import collections
import datetime
import hashlib
import typing as t
import uuid

import flask
import flask.json.tag
import pytest
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup

from microframe.app import Microframe
from microframe.json.tag import JSONTag, TaggedJSONSerializer

UTC = datetime.timezone.utc
UID = uuid.UUID("12345678-1234-5678-1234-567812345678")

# Values that survive a round trip unchanged.
ROUND_TRIP: list[t.Any] = [
    {},
    {"a": 1, "b": [1, 2, 3], "c": None, "d": True, "e": 1.5},
    [],
    [1, "two", None],
    (),
    (1, "two", (3, 4)),
    b"\x00\xffbytes",
    Markup("<b>&amp;</b>"),
    UID,
    datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC),
    {" t": "looks like a tuple tag"},
    {" di": "looks like the dict tag"},
    {" t__": "already has the suffix"},
    {" t": (1, 2)},
    {" x": "an unregistered tag-like key"},
    {" t": 1, " b": 2},
    {"user": "ada", "visits": 3, "_fresh": True, "ratio": 0.5, "gone": None},
    [{" u": "nested"}, ({" m": b"x"},)],
    {"nested": {"tuple": (1,), "bytes": [b"a"], "when": [UID, (UID,)]}},
    "plain string",
    42,
    None,
]


@pytest.fixture
def serializer() -> TaggedJSONSerializer:
    """A fresh serializer with the default tags."""
    return TaggedJSONSerializer()


@pytest.mark.parametrize("value", ROUND_TRIP)
def test_round_trip(serializer: TaggedJSONSerializer, value: t.Any) -> None:
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    assert type(loaded) is type(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ((1, 2), '{" t":[1,2]}'),
        (b"hi", '{" b":"aGk="}'),
        (Markup("<i>"), '{" m":"<i>"}'),
        (UID, '{" u":"12345678123456781234567812345678"}'),
        (
            datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC),
            '{" d":"Thu, 04 Mar 2021 05:06:07 GMT"}',
        ),
        ({" t": 1}, '{" di":{" t__":1}}'),
        ({"k": [(1,)]}, '{"k":[{" t":[1]}]}'),
    ],
)
def test_wire_format(
    serializer: TaggedJSONSerializer, value: t.Any, expected: str
) -> None:
    assert serializer.dumps(value) == expected


def test_markup_like_objects_load_as_markup(serializer: TaggedJSONSerializer) -> None:
    class HTML:
        def __html__(self) -> str:
            return "<p>x</p>"

    loaded = serializer.loads(serializer.dumps({"h": HTML()}))
    assert loaded == {"h": Markup("<p>x</p>")}
    assert type(loaded["h"]) is Markup


def test_non_callable_html_attribute_is_not_markup(
    serializer: TaggedJSONSerializer,
) -> None:
    class NotHTML(str):
        __html__ = "not callable"

    assert serializer.dumps(NotHTML("x")) == '"x"'


def test_datetimes_load_as_aware_utc_whole_seconds(
    serializer: TaggedJSONSerializer,
) -> None:
    naive = datetime.datetime(2021, 3, 4, 5, 6, 7, 890)
    loaded = serializer.loads(serializer.dumps(naive))
    assert loaded == datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    east = datetime.timezone(datetime.timedelta(hours=2))
    loaded = serializer.loads(
        serializer.dumps(datetime.datetime(2021, 1, 1, tzinfo=east))
    )
    assert loaded == datetime.datetime(2020, 12, 31, 22, tzinfo=UTC)


def test_dates_are_not_tagged(serializer: TaggedJSONSerializer) -> None:
    # Only datetimes have a tag; a date goes through the JSON default.
    assert serializer.dumps(datetime.date(2021, 3, 4)) == (
        '"Thu, 04 Mar 2021 00:00:00 GMT"'
    )


def test_unserializable_value_raises_type_error(
    serializer: TaggedJSONSerializer,
) -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON"):
        serializer.dumps({"x": object()})


def test_tag_leaves_unknown_values_alone(serializer: TaggedJSONSerializer) -> None:
    marker = object()
    assert serializer.tag(marker) is marker
    assert serializer.tag(1) == 1
    assert serializer.tag({"a": (1,)}) == {"a": {" t": [1]}}


def test_untag(serializer: TaggedJSONSerializer) -> None:
    assert serializer.untag({" t": [1, 2]}) == (1, 2)
    two_keys = {" t": [1], " b": ""}
    assert serializer.untag(two_keys) is two_keys
    unknown = {" nope": 1}
    assert serializer.untag(unknown) is unknown
    empty: dict[str, t.Any] = {}
    assert serializer.untag(empty) is empty


def test_loads_accepts_bytes(serializer: TaggedJSONSerializer) -> None:
    assert serializer.loads(b'{" t":[1]}') == (1,)


def test_default_tags_and_order(serializer: TaggedJSONSerializer) -> None:
    assert sorted(serializer.tags) == [" b", " d", " di", " m", " t", " u"]
    assert [type(tag).__name__ for tag in serializer.order] == [
        "TagDict",
        "PassDict",
        "TagTuple",
        "PassList",
        "TagBytes",
        "TagMarkup",
        "TagUUID",
        "TagDateTime",
    ]
    assert all(tag.serializer is serializer for tag in serializer.order)


# -- extending --


class TagOrderedDict(JSONTag):
    __slots__ = ()
    key = " od"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, collections.OrderedDict)

    def to_json(self, value: t.Any) -> t.Any:
        return [[k, self.serializer.tag(v)] for k, v in value.items()]

    def to_python(self, value: t.Any) -> t.Any:
        return collections.OrderedDict(value)


def test_register_at_index(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagOrderedDict, index=0)
    assert serializer.order[0].key == " od"
    value = collections.OrderedDict([("b", (1,)), ("a", b"x")])
    dumped = serializer.dumps(value)
    assert dumped == '{" od":[["b",{" t":[1]}],["a",{" b":"eA=="}]]}'
    loaded = serializer.loads(dumped)
    assert type(loaded) is collections.OrderedDict
    assert loaded == value


def test_register_appends_by_default(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagOrderedDict)
    assert serializer.order[-1].key == " od"
    # PassDict comes first and claims the OrderedDict, so it is not tagged.
    assert serializer.dumps(collections.OrderedDict(a=1)) == '{"a":1}'


def test_register_duplicate_key_error(serializer: TaggedJSONSerializer) -> None:
    class OtherTuple(JSONTag):
        key = " t"

    with pytest.raises(KeyError) as info:
        serializer.register(OtherTuple)
    assert info.value.args[0] == (
        "Cannot register OtherTuple: the tag key ' t' is already registered by"
        " TagTuple. Give OtherTuple a different key, or pass force=True to"
        " register() to replace the existing tag."
    )
    assert type(serializer.tags[" t"]).__name__ == "TagTuple"


def test_register_force_replaces_tag(serializer: TaggedJSONSerializer) -> None:
    class ListTuple(JSONTag):
        __slots__ = ()
        key = " t"

        def check(self, value: t.Any) -> bool:
            return False

        def to_python(self, value: t.Any) -> t.Any:
            return list(value)

    serializer.register(ListTuple, force=True)
    assert isinstance(serializer.tags[" t"], ListTuple)
    assert serializer.loads('{" t":[1,2]}') == [1, 2]


def test_register_keyless_tag_is_only_ordered(
    serializer: TaggedJSONSerializer,
) -> None:
    class Frozen(JSONTag):
        __slots__ = ()

        def check(self, value: t.Any) -> bool:
            return isinstance(value, frozenset)

        def to_json(self, value: t.Any) -> t.Any:
            return sorted(value)

        tag = to_json

    serializer.register(Frozen)
    assert "" not in serializer.tags
    assert serializer.dumps(frozenset({2, 1})) == "[1,2]"


def test_json_tag_base_class(serializer: TaggedJSONSerializer) -> None:
    tag = JSONTag(serializer)
    assert tag.serializer is serializer
    assert tag.key == ""
    with pytest.raises(NotImplementedError):
        tag.check(1)
    with pytest.raises(NotImplementedError):
        tag.to_json(1)
    with pytest.raises(NotImplementedError):
        tag.to_python(1)
    with pytest.raises(NotImplementedError):
        tag.tag(1)

    class Doubled(JSONTag):
        key = " 2"

        def to_json(self, value: t.Any) -> t.Any:
            return value * 2

    assert Doubled(serializer).tag(3) == {" 2": 6}


# -- compatibility with Flask --


@pytest.mark.parametrize("value", ROUND_TRIP)
def test_same_output_as_flask(value: t.Any) -> None:
    ours = TaggedJSONSerializer().dumps(value)
    theirs = flask.json.tag.TaggedJSONSerializer().dumps(value)
    assert ours == theirs
    assert TaggedJSONSerializer().loads(theirs) == value
    assert flask.json.tag.TaggedJSONSerializer().loads(ours) == value


@pytest.mark.parametrize("value", ROUND_TRIP)
def test_same_output_as_flask_in_app_context(value: t.Any) -> None:
    # Inside an app context both go through the app's JSON provider (sorted keys).
    value = {"z": value, "a": value}
    with Microframe(__name__).app_context():
        ours = TaggedJSONSerializer().dumps(value)
    with flask.Flask(__name__).app_context():
        theirs = flask.json.tag.TaggedJSONSerializer().dumps(value)
    assert ours == theirs
    assert ours.startswith('{"a":')


def test_uses_the_app_provider(serializer: TaggedJSONSerializer) -> None:
    app = Microframe(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.app_context():
        assert serializer.dumps({"b": 1, "a": (1,)}) == '{"b":1,"a":{" t":[1]}}'


SESSION = {
    "user": "ünïcode",
    "ids": (1, 2),
    "token": b"\x00\x01",
    "note": Markup("<b>hi</b>"),
    "uid": UID,
    "seen": datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    " t": "tag-like key",
}


def cookie_serializer(serializer: t.Any) -> URLSafeTimedSerializer:
    """The itsdangerous serializer Flask's default session interface uses."""
    return URLSafeTimedSerializer(
        "secret key",
        salt="cookie-session",
        serializer=serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def test_reads_a_cookie_signed_by_flask() -> None:
    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "secret key"
    flask_signer = flask_app.session_interface.get_signing_serializer(flask_app)  # type: ignore[attr-defined]
    assert flask_signer is not None
    with flask_app.test_request_context():
        cookie = flask_signer.dumps(SESSION)
    assert cookie_serializer(TaggedJSONSerializer()).loads(cookie) == SESSION


def test_flask_reads_a_cookie_signed_with_this_serializer() -> None:
    with Microframe(__name__).app_context():
        cookie = cookie_serializer(TaggedJSONSerializer()).dumps(SESSION)
    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "secret key"
    flask_signer = flask_app.session_interface.get_signing_serializer(flask_app)  # type: ignore[attr-defined]
    assert flask_signer is not None
    assert flask_signer.loads(cookie) == SESSION


def test_session_cookie_from_flask_app_is_read_by_microframe_app() -> None:
    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "secret key"

    @flask_app.route("/set")
    def set_session() -> str:
        flask.session.update(SESSION)
        return ""

    with flask_app.test_client() as flask_client:
        flask_client.get("/set")
        cookie = flask_client.get_cookie("session")
        assert cookie is not None

    from microframe.globals import session

    app = Microframe(__name__)
    app.secret_key = "secret key"
    seen: dict[str, t.Any] = {}

    @app.route("/get")
    def get_session() -> str:
        seen.update(session)
        return ""

    client = app.test_client()
    client.set_cookie("session", cookie.value)
    client.get("/get")
    assert seen == SESSION


def test_a_tag_registered_after_use_still_claims_plain_values() -> None:
    from microframe.json.tag import JSONTag, TaggedJSONSerializer

    class TagShout(JSONTag):
        key = " shout"

        def check(self, value: object) -> bool:
            return isinstance(value, str) and value.isupper()

        def to_json(self, value: object) -> object:
            return str(value).lower()

        def to_python(self, value: object) -> object:
            return str(value).upper()

    serializer = TaggedJSONSerializer()
    assert serializer.dumps({"a": "HI"}) == '{"a":"HI"}'
    serializer.register(TagShout, index=0)
    assert serializer.dumps({"a": "HI", "b": "low"}) == (
        '{"a":{" shout":"hi"},"b":"low"}'
    )
    assert serializer.loads('{"a":{" shout":"hi"}}') == {"a": "HI"}


def test_a_registered_tag_applies_inside_a_flat_dict() -> None:
    class Shout(JSONTag):
        key = " s"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, str) and value.isupper()

        def to_json(self, value: t.Any) -> t.Any:
            return value.lower()

        def to_python(self, value: t.Any) -> t.Any:
            return value.upper()

    serializer = TaggedJSONSerializer()
    serializer.register(Shout, index=0)
    dumped = serializer.dumps({"user": "ADA", "n": 1})
    assert dumped == '{"user":{" s":"ada"},"n":1}'
    assert serializer.loads(dumped) == {"user": "ADA", "n": 1}
