"""Tests for microframe.sessions: signed cookie sessions and the session interface.

Many tests run the same app on microframe and on Flask (the ``fw`` fixture) and
check that both give the same responses, and that cookies written by one are
read by the other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing as t
import uuid
from datetime import datetime, timedelta, timezone

import flask
import flask.json.tag
import itsdangerous
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from markupsafe import Markup

from microframe.app import Microframe
from microframe.globals import request_ctx, session
from microframe.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)

FROZEN_TIME = 1_700_000_000


@dataclasses.dataclass(frozen=True)
class Framework:
    """One of the two frameworks a differential test runs on."""

    name: str
    app_class: t.Any
    session: t.Any

    def __str__(self) -> str:
        return self.name


MICRO = Framework("microframe", Microframe, session)
FLASK = Framework("flask", flask.Flask, flask.session)

SAMPLE: dict[str, t.Any] = {
    "tuple": (1, "two", 3.0),
    "bytes": b"\x00\xffraw",
    "markup": Markup("<b>bold</b>"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "datetime": datetime(2024, 2, 29, 12, 30, 45, tzinfo=timezone.utc),
    "nested": {"list": [1, (2, 3)], " t": "a key that looks like a tag"},
    "text": "héllo ✓",
    "none": None,
}


def build_app(fw: Framework, **config: t.Any) -> t.Any:
    """Build the same small app on either framework."""
    app = fw.app_class(__name__)
    app.testing = True
    app.secret_key = "test key"
    app.config.update(config)
    s = fw.session

    @app.route("/noop")
    def noop() -> str:
        return "noop"

    @app.route("/get/<key>")
    def get(key: str) -> str:
        return repr(s.get(key))

    @app.route("/contains/<key>")
    def contains(key: str) -> str:
        return repr(key in s)

    @app.route("/set/<key>/<value>")
    def set_(key: str, value: str) -> str:
        s[key] = value
        return "set"

    @app.route("/store")
    def store() -> str:
        s.update(SAMPLE)
        return "stored"

    @app.route("/dump")
    def dump() -> str:
        return repr(sorted(s.items()))

    @app.route("/permanent/<int:on>")
    def permanent(on: int) -> str:
        s.permanent = bool(on)
        return repr(s.permanent)

    @app.route("/pop/<key>")
    def pop(key: str) -> str:
        return repr(s.pop(key, None))

    @app.route("/clear")
    def clear() -> str:
        s.clear()
        return "cleared"

    @app.route("/peek-new")
    def peek_new() -> str:
        return repr(s.new)

    @app.route("/mark-modified")
    def mark_modified() -> str:
        s.modified = True
        return "marked"

    return app


@pytest.fixture(params=[MICRO, FLASK], ids=str)
def fw(request: pytest.FixtureRequest) -> Framework:
    """Each framework in turn."""
    return t.cast(Framework, request.param)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pin the signing timestamp; change ``clock[0]`` to move time."""
    clock = [FROZEN_TIME]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock[0])
    return clock


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str | bool]]:
    """Split a Set-Cookie header into name, value and lower-cased attributes."""
    first, *rest = header.split("; ")
    name, _, value = first.partition("=")
    attrs: dict[str, str | bool] = {}
    for part in rest:
        key, sep, val = part.partition("=")
        attrs[key.lower()] = val if sep else True
    return name, value, attrs


def set_cookies(response: t.Any) -> list[str]:
    return t.cast(list[str], response.headers.getlist("Set-Cookie"))


def signer(
    key: str | list[str], salt: str = "cookie-session"
) -> URLSafeTimedSerializer:
    """Build a cookie signer from the documented format, independently of both."""
    return URLSafeTimedSerializer(
        key,
        salt=salt,
        serializer=flask.json.tag.TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def cookie_value(client: t.Any, name: str = "session") -> str:
    """Return the value of a cookie the client holds for localhost."""
    cookie = client.get_cookie(name)
    assert cookie is not None, f"the client has no {name!r} cookie"
    return t.cast(str, cookie.value)


def expires_of(header: str) -> datetime:
    attrs = parse_set_cookie(header)[2]
    return datetime.strptime(
        t.cast(str, attrs["expires"]), "%a, %d %b %Y %H:%M:%S GMT"
    ).replace(tzinfo=timezone.utc)


# --- the session object -------------------------------------------------------


def test_mixin_defaults_assume_changed_and_read() -> None:
    class DictSession(dict[str, t.Any], SessionMixin):
        pass

    s = DictSession()
    assert (s.new, s.modified, s.accessed) == (False, True, True)
    assert s.permanent is False
    s.permanent = 1  # type: ignore[assignment]
    assert s == {"_permanent": True}
    assert s.permanent is True


def test_secure_cookie_session_starts_clean() -> None:
    s = SecureCookieSession({"a": 1})
    assert (s.new, s.modified, s.accessed) == (False, False, False)
    assert repr(s) == "<SecureCookieSession {'a': 1}>"


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s["a"],
        lambda s: s.get("a"),
        lambda s: s.setdefault("a", 2),
        lambda s: "a" in s,
        lambda s: list(s),
        lambda s: len(s),
        lambda s: s.keys(),
        lambda s: s.values(),
        lambda s: s.items(),
        lambda s: s.copy(),
        lambda s: s.pop("missing", None),
        lambda s: s.permanent,
    ],
    ids=[
        "getitem",
        "get",
        "setdefault-existing",
        "contains",
        "iter",
        "len",
        "keys",
        "values",
        "items",
        "copy",
        "pop-missing",
        "permanent",
    ],
)
def test_reads_mark_accessed_not_modified(read: t.Callable[[t.Any], t.Any]) -> None:
    s = SecureCookieSession({"a": 1})
    read(s)
    assert s.accessed is True
    assert s.modified is False


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("b", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.setdefault("b", 2),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.update(b=2),
        lambda s: s.clear(),
        lambda s: s.__ior__({"b": 2}),
        lambda s: setattr(s, "permanent", True),
    ],
    ids=[
        "setitem",
        "delitem",
        "setdefault-new",
        "pop",
        "popitem",
        "update",
        "clear",
        "ior",
        "permanent",
    ],
)
def test_writes_mark_modified_and_accessed(write: t.Callable[[t.Any], t.Any]) -> None:
    s = SecureCookieSession({"a": 1})
    write(s)
    assert s.modified is True
    assert s.accessed is True


def test_copy_is_a_plain_dict() -> None:
    s = SecureCookieSession({"a": [1]})
    copied = s.copy()
    assert type(copied) is dict
    assert copied == {"a": [1]}


# --- the null session ---------------------------------------------------------


@pytest.mark.parametrize(
    ("write", "operation"),
    [
        (lambda s: s.__setitem__("user", 1), "session['user'] = ..."),
        (lambda s: s.__delitem__("user"), "del session['user']"),
        (lambda s: s.__ior__({"a": 1}), "session |= ..."),
        (lambda s: s.clear(), "session.clear(...)"),
        (lambda s: s.pop("a", None), "session.pop(...)"),
        (lambda s: s.popitem(), "session.popitem(...)"),
        (lambda s: s.update(a=1), "session.update(...)"),
        (lambda s: s.setdefault("a", 1), "session.setdefault(...)"),
        (lambda s: setattr(s, "permanent", True), "session['_permanent'] = ..."),
    ],
)
def test_null_session_writes_explain_the_missing_secret_key(
    write: t.Callable[[NullSession], t.Any], operation: str
) -> None:
    with pytest.raises(RuntimeError) as info:
        write(NullSession())
    message = str(info.value)
    assert message.startswith(
        "The session is unavailable because no secret key was set, so it cannot"
        f" be changed ({operation})."
    )
    assert 'app.secret_key = "..."' in message
    assert 'app.config["SECRET_KEY"] = "..."' in message


def test_null_session_allows_reads() -> None:
    s = NullSession()
    assert s.get("a") is None
    assert "a" not in s
    assert len(s) == 0
    assert s.permanent is False


def test_no_secret_key_gives_a_null_session_that_is_never_saved() -> None:
    app = build_app(MICRO)
    app.secret_key = None
    client = app.test_client()
    response = client.get("/get/a")
    assert response.text == "None"
    assert set_cookies(response) == []
    with pytest.raises(RuntimeError, match=r"(?s)no secret key was set.*SECRET_KEY"):
        client.get("/set/a/b")
    with app.test_request_context():
        assert isinstance(request_ctx.session, NullSession)
        assert app.session_interface.is_null_session(request_ctx.session)


def test_secret_key_from_config_enables_sessions() -> None:
    app = build_app(MICRO)
    app.secret_key = None
    app.config["SECRET_KEY"] = "from config"
    client = app.test_client()
    client.get("/set/a/b")
    assert client.get("/get/a").text == "'b'"


# --- differential: the same app on both frameworks ----------------------------

FLOWS: dict[str, list[str]] = {
    "untouched-without-cookie": ["/noop"],
    "read-without-cookie": ["/get/a"],
    "contains-without-cookie": ["/contains/a"],
    "set-then-read": ["/set/a/1", "/get/a", "/contains/a", "/noop", "/dump"],
    "store-types": ["/store", "/dump"],
    "overwrite": ["/set/a/1", "/set/a/2", "/get/a"],
    "pop-last-key-deletes-cookie": ["/set/a/1", "/pop/a", "/get/a"],
    "clear-deletes-cookie": ["/set/a/1", "/clear", "/dump"],
    "clear-empty-session": ["/clear"],
    "pop-missing-key": ["/pop/a"],
    "mark-modified-empty": ["/mark-modified"],
    "mark-modified-with-data": ["/set/a/1", "/mark-modified"],
    "permanent": ["/permanent/1", "/noop", "/get/a", "/permanent/0", "/noop"],
}


def run_flow(fw: Framework, paths: list[str], **config: t.Any) -> list[t.Any]:
    """Run requests and record what a client can observe of each response."""
    app = build_app(fw, **config)
    client = app.test_client()
    observed = []
    for path in paths:
        response = client.get(path)
        cookies = []
        for header in set_cookies(response):
            name, value, attrs = parse_set_cookie(header)
            if (
                "expires" in attrs
                and attrs["expires"] != "Thu, 01 Jan 1970 00:00:00 GMT"
            ):
                # Compared separately: it depends on the wall clock.
                attrs["expires"] = "<in the future>"
            cookies.append((name, value, attrs))
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        observed.append(
            (
                path,
                response.status_code,
                response.text,
                response.headers.get("Vary"),
                cookies,
                cookie.value if cookie else None,
            )
        )
    return observed


@pytest.mark.parametrize("flow", FLOWS)
@pytest.mark.usefixtures("frozen_clock")
def test_flows_match_flask(flow: str) -> None:
    assert run_flow(MICRO, FLOWS[flow]) == run_flow(FLASK, FLOWS[flow])


@pytest.mark.parametrize(
    "config",
    [
        {"SESSION_COOKIE_NAME": "sid"},
        {"SESSION_COOKIE_DOMAIN": "example.test"},
        {"SESSION_COOKIE_PATH": "/app"},
        {"APPLICATION_ROOT": "/root"},
        {"SESSION_COOKIE_PATH": "/app", "APPLICATION_ROOT": "/root"},
        {"SESSION_COOKIE_HTTPONLY": False},
        {"SESSION_COOKIE_SECURE": True},
        {"SESSION_COOKIE_SAMESITE": "Lax"},
        {"SESSION_COOKIE_SAMESITE": "Strict", "SESSION_COOKIE_SECURE": True},
        {"SESSION_COOKIE_PARTITIONED": True},
        {"SESSION_REFRESH_EACH_REQUEST": False},
        {"SECRET_KEY_FALLBACKS": ["old key"]},
    ],
    ids=repr,
)
@pytest.mark.usefixtures("frozen_clock")
def test_cookie_settings_match_flask(config: dict[str, t.Any]) -> None:
    paths = ["/set/a/1", "/permanent/1", "/noop", "/clear"]
    micro = run_flow(MICRO, paths, **config)
    assert micro == run_flow(FLASK, paths, **config)
    set_header = micro[0][4]
    assert len(set_header) == 1


def test_set_cookie_attributes(fw: Framework) -> None:
    app = build_app(
        fw,
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    client = app.test_client()
    (header,) = set_cookies(client.get("/set/a/1"))
    name, value, attrs = parse_set_cookie(header)
    assert name == "sid"
    assert value
    assert attrs == {
        "domain": "example.test",
        "secure": True,
        "httponly": True,
        "path": "/app",
        "samesite": "Lax",
        "partitioned": True,
    }
    # Clearing deletes the cookie with the same attributes, so the browser drops it.
    (header,) = set_cookies(client.get("/clear"))
    name, value, attrs = parse_set_cookie(header)
    assert (name, value) == ("sid", "")
    assert attrs == {
        "expires": "Thu, 01 Jan 1970 00:00:00 GMT",
        "max-age": "0",
        "domain": "example.test",
        "secure": True,
        "httponly": True,
        "path": "/app",
        "samesite": "Lax",
        "partitioned": True,
    }


def test_vary_cookie_when_only_attributes_are_used() -> None:
    paths = ["/set/a/1", "/peek-new"]
    assert run_flow(MICRO, paths) == run_flow(FLASK, paths)


def test_vary_cookie(fw: Framework) -> None:
    client = build_app(fw).test_client()
    assert "Vary" not in client.get("/noop").headers
    assert client.get("/get/a").headers["Vary"] == "Cookie"
    assert client.get("/contains/a").headers["Vary"] == "Cookie"
    response = client.get("/set/a/1")
    assert response.headers["Vary"] == "Cookie"
    # A cookie that is sent along but not looked at changes nothing.
    response = client.get("/noop")
    assert "Vary" not in response.headers
    assert set_cookies(response) == []


# --- wire compatibility -------------------------------------------------------


@pytest.mark.parametrize(
    ("writer", "reader"),
    [(MICRO, FLASK), (FLASK, MICRO)],
    ids=["to-flask", "from-flask"],
)
def test_cookie_is_readable_by_the_other_framework(
    writer: Framework, reader: Framework
) -> None:
    writer_client = build_app(writer).test_client()
    writer_client.get("/store")
    value = cookie_value(writer_client)
    reader_client = build_app(reader).test_client()
    reader_client.set_cookie("session", value)
    with reader_client.session_transaction() as sess:
        assert dict(sess) == SAMPLE
        assert {k: type(v) for k, v in sess.items()} == {
            k: type(v) for k, v in SAMPLE.items()
        }


@pytest.mark.usefixtures("frozen_clock")
def test_cookie_bytes_are_identical_to_flask() -> None:
    values = []
    for fw in (MICRO, FLASK):
        client = build_app(fw).test_client()
        client.get("/store")
        client.get("/set/zz/last")
        client.get("/set/aa/first")
        values.append(cookie_value(client))
    assert values[0] == values[1]


def test_values_round_trip_with_their_types() -> None:
    client = build_app(MICRO).test_client()
    client.get("/store")
    with client.session_transaction() as sess:
        for key, value in SAMPLE.items():
            assert sess[key] == value
            assert type(sess[key]) is type(value)
        assert sess["nested"]["list"][1] == (2, 3)


def test_cookie_decodes_with_an_independent_signer() -> None:
    client = build_app(MICRO).test_client()
    client.get("/set/a/1")
    value = cookie_value(client)
    assert signer("test key").loads(value) == {"a": "1"}


def test_flashed_messages_cross_frameworks() -> None:
    from microframe.helpers import flash, get_flashed_messages

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "test key"

    @flask_app.route("/")
    def flash_it() -> str:
        flask.flash("saved", "info")
        flask.flash(Markup("<i>done</i>"))
        return ""

    micro_app = Microframe(__name__)
    micro_app.secret_key = "test key"

    @micro_app.route("/")
    def show() -> str:
        return repr(get_flashed_messages(with_categories=True))

    @micro_app.route("/flash")
    def flash_back() -> str:
        flash("back", "warning")
        return ""

    flask_client = flask_app.test_client()
    flask_client.get("/")
    micro_client = micro_app.test_client()
    micro_client.set_cookie("session", cookie_value(flask_client))
    assert micro_client.get("/").text == repr(
        [("info", "saved"), ("message", Markup("<i>done</i>"))]
    )
    micro_client.get("/flash")
    with flask_app.test_request_context(
        headers={"Cookie": f"session={cookie_value(micro_client)}"}
    ):
        assert flask.get_flashed_messages(with_categories=True) == [("warning", "back")]


# --- bad cookies --------------------------------------------------------------


def tampered(value: str) -> str:
    payload, timestamp, signature = value.rsplit(".", 2)
    flipped = "A" if signature[0] != "A" else "B"
    return f"{payload}.{timestamp}.{flipped}{signature[1:]}"


@pytest.mark.parametrize(
    "make_cookie",
    [
        lambda good: tampered(good),
        lambda good: "eyJhIjoiMiJ9" + good[good.index(".") :],  # payload swapped
        lambda good: "not a session cookie",
        lambda good: "a.b.c",
        lambda good: signer("another key").dumps({"a": "2"}),
        lambda good: signer("test key", salt="other-salt").dumps({"a": "2"}),
    ],
    ids=[
        "bad-signature",
        "swapped-payload",
        "garbage",
        "dotted-garbage",
        "other-key",
        "other-salt",
    ],
)
def test_bad_cookie_gives_empty_session(
    fw: Framework, make_cookie: t.Callable[[str], str]
) -> None:
    client = build_app(fw).test_client()
    client.get("/set/a/1")
    good = cookie_value(client)
    client.set_cookie("session", make_cookie(good))
    response = client.get("/get/a")
    assert response.status_code == 200
    assert response.text == "None"
    assert set_cookies(response) == []
    # The app keeps working and replaces the bad cookie on the next write.
    client.get("/set/b/2")
    assert client.get("/dump").text == "[('b', '2')]"


@pytest.mark.parametrize(
    "cookie",
    [
        signer("test key").dumps(["not", "a", "dict"]),
        # Signed correctly, but the payload is not base64 (itsdangerous BadPayload).
        TimestampSigner("test key", salt="cookie-session", key_derivation="hmac")
        .sign(b"!!!")
        .decode(),
    ],
    ids=["list", "not-base64"],
)
def test_signed_but_unusable_payload_gives_empty_session(cookie: str) -> None:
    # Flask answers these with a 500; a cookie is never worth an error page. Only
    # someone holding the secret key can make such a cookie.
    client = build_app(MICRO).test_client()
    client.set_cookie("session", cookie)
    response = client.get("/get/a")
    assert (response.status_code, response.text) == (200, "None")


@pytest.mark.parametrize(
    ("age", "expected"),
    [(0, "'1'"), (59, "'1'"), (60, "'1'"), (61, "None"), (-5, "None")],
)
def test_cookie_older_than_the_lifetime_is_dropped(
    fw: Framework, frozen_clock: list[int], age: int, expected: str
) -> None:
    client = build_app(
        fw, PERMANENT_SESSION_LIFETIME=timedelta(seconds=60)
    ).test_client()
    client.get("/set/a/1")
    frozen_clock[0] += age
    assert client.get("/get/a").text == expected


# --- secret key rotation ------------------------------------------------------


def test_fallback_keys_still_verify_and_the_new_key_signs(fw: Framework) -> None:
    old_client = build_app(fw).test_client()
    old_client.get("/set/a/1")
    old_cookie = cookie_value(old_client)

    rotated = build_app(fw, SECRET_KEY_FALLBACKS=["older key", "test key"])
    rotated.secret_key = "new key"
    client = rotated.test_client()
    client.set_cookie("session", old_cookie)
    assert client.get("/get/a").text == "'1'"

    client.get("/set/b/2")
    new_cookie = cookie_value(client)
    assert signer("new key").loads(new_cookie) == {"a": "1", "b": "2"}

    # Once the old key is dropped, old cookies stop working and new ones still do.
    rotated.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/dump").text == "[('a', '1'), ('b', '2')]"
    client.set_cookie("session", old_cookie)
    assert client.get("/get/a").text == "None"


def test_fallbacks_must_be_a_list() -> None:
    client = build_app(MICRO, SECRET_KEY_FALLBACKS="old key").test_client()
    client.set_cookie("session", "x")
    with pytest.raises(TypeError) as info:
        client.get("/get/a")
    assert str(info.value) == (
        "SECRET_KEY_FALLBACKS must be a list of old secret keys, but it is the"
        " single str 'old key'. Wrap it in a list:"
        " app.config['SECRET_KEY_FALLBACKS'] = ['old key']"
    )


def test_bytes_and_mixed_keys() -> None:
    app = build_app(MICRO, SECRET_KEY_FALLBACKS=[b"old bytes"])
    app.secret_key = b"new bytes"
    client = app.test_client()
    client.set_cookie("session", signer("old bytes").dumps({"a": "1"}))
    assert client.get("/get/a").text == "'1'"


# --- permanent sessions -------------------------------------------------------


def test_permanent_session_expires_after_the_lifetime(fw: Framework) -> None:
    lifetime = timedelta(days=3)
    client = build_app(fw, PERMANENT_SESSION_LIFETIME=lifetime).test_client()
    before = datetime.now(timezone.utc).replace(microsecond=0)
    (header,) = set_cookies(client.get("/permanent/1"))
    after = datetime.now(timezone.utc)
    assert before + lifetime <= expires_of(header) <= after + lifetime

    # A non-permanent session cookie lasts for the browser session.
    (header,) = set_cookies(client.get("/permanent/0"))
    assert "expires" not in parse_set_cookie(header)[2]


def test_permanent_session_is_refreshed_without_being_touched(
    fw: Framework, frozen_clock: list[int]
) -> None:
    client = build_app(fw).test_client()
    client.get("/permanent/1")
    first = cookie_value(client)
    frozen_clock[0] += 10
    response = client.get("/noop")
    (header,) = set_cookies(response)
    refreshed = parse_set_cookie(header)[1]
    assert refreshed != first  # signed again, with the newer timestamp
    assert signer("test key").loads(refreshed) == {"_permanent": True}
    assert response.headers["Vary"] == "Cookie"


def test_an_untouched_session_sets_nothing(fw: Framework) -> None:
    client = build_app(fw).test_client()
    client.get("/set/a/1")  # a non-permanent session
    response = client.get("/noop")
    assert set_cookies(response) == []
    assert "Vary" not in response.headers
    client.set_cookie("session", "")
    assert set_cookies(client.get("/noop")) == []
    client.set_cookie("session", "not.a.valid-cookie")
    for _ in range(2):  # refused, then refused again from memory
        response = client.get("/noop")
        assert set_cookies(response) == []
        assert "Vary" not in response.headers


def test_an_untouched_session_is_saved_when_should_set_cookie_says_so(
    fw: Framework,
) -> None:
    app = build_app(fw)
    interface_class = type(app.session_interface)

    class Always(interface_class):  # type: ignore[misc,valid-type]
        def should_set_cookie(self, app: t.Any, session: t.Any) -> bool:
            return True

    app.session_interface = Always()
    client = app.test_client()
    client.get("/set/a/1")
    (header,) = set_cookies(client.get("/noop"))
    assert signer("test key").loads(parse_set_cookie(header)[1]) == {"a": "1"}


def test_an_untouched_session_of_a_custom_class_is_saved_as_it_decides(
    fw: Framework,
) -> None:
    app = build_app(fw)
    interface = type(app.session_interface)()
    base_session = interface.session_class

    class AlwaysPermanent(base_session):  # type: ignore[misc,valid-type]
        @property
        def permanent(self) -> bool:
            return True

    interface.session_class = AlwaysPermanent
    app.session_interface = interface
    client = app.test_client()
    client.get("/set/a/1")
    (header,) = set_cookies(client.get("/noop"))  # refreshed, though unused
    assert signer("test key").loads(parse_set_cookie(header)[1]) == {"a": "1"}


def test_refresh_each_request_off(fw: Framework) -> None:
    client = build_app(fw, SESSION_REFRESH_EACH_REQUEST=False).test_client()
    client.get("/permanent/1")
    assert set_cookies(client.get("/noop")) == []
    assert set_cookies(client.get("/get/a")) == []
    assert len(set_cookies(client.get("/set/a/1"))) == 1


def test_expiration_time_of_a_non_permanent_session() -> None:
    app = build_app(MICRO)
    interface = SecureCookieSessionInterface()
    assert interface.get_expiration_time(app, SecureCookieSession()) is None
    assert interface.should_set_cookie(app, SecureCookieSession()) is False
    assert (
        interface.should_set_cookie(app, SecureCookieSession({"_permanent": True}))
        is True
    )


# --- the test client's session_transaction ------------------------------------


def test_session_transaction(fw: Framework) -> None:
    client = build_app(fw).test_client()
    with client.session_transaction() as sess:
        sess["a"] = "from test"
        sess.permanent = True
    assert client.get("/get/a").text == "'from test'"
    client.get("/set/b/from view")
    with client.session_transaction() as sess:
        assert dict(sess) == {"_permanent": True, "a": "from test", "b": "from view"}


# --- the interface's pieces ---------------------------------------------------


def test_interface_defaults() -> None:
    app = build_app(MICRO)
    interface = app.session_interface
    assert isinstance(interface, SecureCookieSessionInterface)
    assert interface.salt == "cookie-session"
    assert interface.key_derivation == "hmac"
    assert interface.digest_method().name == "sha1"
    assert (
        interface.digest_method(b"abc").hexdigest() == hashlib.sha1(b"abc").hexdigest()
    )
    assert interface.session_class is SecureCookieSession
    assert interface.null_session_class is NullSession
    assert interface.pickle_based is False
    assert isinstance(interface.make_null_session(app), NullSession)
    assert interface.is_null_session(NullSession()) is True
    assert interface.is_null_session(SecureCookieSession()) is False
    assert interface.get_cookie_name(app) == "session"
    assert interface.get_cookie_domain(app) is None
    assert interface.get_cookie_path(app) == "/"
    assert interface.get_cookie_httponly(app) is True
    assert interface.get_cookie_secure(app) is False
    assert interface.get_cookie_samesite(app) is None
    assert interface.get_cookie_partitioned(app) is False


def test_base_interface_names_what_to_implement() -> None:
    app = build_app(MICRO)
    interface = SessionInterface()
    with app.test_request_context():
        from microframe.globals import request

        with pytest.raises(NotImplementedError, match=r"implement open_session\("):
            interface.open_session(app, request)
        with pytest.raises(NotImplementedError, match=r"implement save_session\("):
            interface.save_session(app, SecureCookieSession(), app.response_class())


def test_signing_keys_are_derived_once_per_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    derived: list[t.Any] = []
    real = itsdangerous.Signer.derive_key

    def counting(self: itsdangerous.Signer, secret_key: t.Any = None) -> bytes:
        if self.key_derivation == "hmac":  # a real derivation, not a pass-through
            key = self.secret_keys[-1] if secret_key is None else secret_key
            derived.append(key.decode())
        return real(self, secret_key)

    monkeypatch.setattr(itsdangerous.Signer, "derive_key", counting)
    app = build_app(MICRO)
    app.secret_key = f"unique {uuid.uuid4()}"
    client = app.test_client()

    # No cookie: the session opens without deriving anything.
    client.get("/get/a")
    client.get("/noop")
    assert derived == []

    client.get("/set/a/1")
    client.get("/get/a")
    client.get("/set/b/2")
    assert client.get("/dump").text == "[('a', '1'), ('b', '2')]"
    # One derivation of the secret key; signing and verifying reuse it.
    assert derived == [app.secret_key]

    app.config["SECRET_KEY_FALLBACKS"] = ["old"]
    assert client.get("/get/b").text == "'2'"
    assert derived[1:] == ["old", app.secret_key]


def test_signing_cookies_match_itsdangerous(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same value, same second: the derived-key signer and itsdangerous agree.
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: 1_700_000_000.0)
    app = build_app(MICRO)
    client = app.test_client()
    client.get("/set/a/1")
    assert cookie_value(client) == signer("test key").dumps({"a": "1"})
    # A payload long enough to be compressed, and a rotated key.
    app.config["SECRET_KEY_FALLBACKS"] = ["old"]
    client.get("/store")
    stored = cookie_value(client)
    assert stored.startswith(".")  # long enough to be compressed
    assert signer(["old", "test key"]).loads(stored) == {"a": "1", **SAMPLE}
    assert signer("test key").loads(stored) == {"a": "1", **SAMPLE}


def test_a_remembered_cookie_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    app = build_app(MICRO, PERMANENT_SESSION_LIFETIME=60)
    client = app.test_client()
    client.get("/set/a/1")
    assert client.get("/get/a").text == "'1'"  # verified and remembered
    now = itsdangerous.timed.time.time()
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 61)
    assert client.get("/get/a").text == "None"


def test_a_tampered_cookie_is_never_remembered() -> None:
    app = build_app(MICRO)
    client = app.test_client()
    client.get("/set/a/1")
    good = cookie_value(client)
    assert client.get("/get/a").text == "'1'"
    payload, stamp, signature = good.split(".")
    forged = signer("other key").loads(signer("other key").dumps({"a": "admin"}))
    assert forged == {"a": "admin"}
    tampered = f"{payload}.{stamp}.{signature[:-2]}AA"
    client.set_cookie("session", tampered)
    assert client.get("/get/a").text == "None"
    client.set_cookie("session", signer("other key").dumps({"a": "admin"}))
    assert client.get("/get/a").text == "None"


def test_a_remembered_session_with_nested_values_is_a_fresh_copy() -> None:
    app = build_app(MICRO)

    @app.route("/cart/<item>")
    def cart(item: str) -> str:
        items = session.setdefault("cart", [])
        items.append(item)
        return repr(items)

    client = app.test_client()
    client.set_cookie("session", signer("test key").dumps({"cart": ["x"]}))
    # The view changes the list in place without marking the session
    # modified: each request must still start from the cookie's value.
    assert client.get("/cart/a").text == "['x', 'a']"
    assert client.get("/cart/b").text == "['x', 'b']"
    client.set_cookie("session", signer("test key").dumps({"user": "ada"}))
    assert client.get("/set/user/bob").text == "set"
    client.set_cookie("session", signer("test key").dumps({"user": "ada"}))
    assert client.get("/get/user").text == "'ada'"


def test_remembered_cookies_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("microframe.signing.REMEMBERED_COOKIES", 3)
    app = build_app(MICRO)
    client = app.test_client()
    for n in range(10):
        client.set_cookie("session", signer("test key").dumps({"n": n}))
        assert client.get("/get/n").text == repr(n)
    interface = app.session_interface
    assert len(interface._signer(app)._verified) <= 3


def test_an_overridden_signing_serializer_is_used() -> None:
    calls: list[str] = []

    class Interface(SecureCookieSessionInterface):
        def get_signing_serializer(self, app: t.Any) -> t.Any:
            calls.append("serializer")
            return signer("test key")

    app = build_app(MICRO)
    app.session_interface = Interface()
    client = app.test_client()
    client.get("/set/a/1")
    assert client.get("/get/a").text == "'1'"
    # Asked on every open and save, as Flask does.
    assert calls == ["serializer"] * 3
    assert signer("test key").loads(cookie_value(client)) == {"a": "1"}


def test_get_signing_serializer_signs_like_the_session() -> None:
    app = build_app(MICRO)
    app.config["SECRET_KEY_FALLBACKS"] = ["old"]
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    client = app.test_client()
    client.set_cookie("session", serializer.dumps({"a": "1"}))
    assert client.get("/get/a").text == "'1'"
    client.set_cookie("session", signer("old").dumps({"a": "2"}))
    assert client.get("/get/a").text == "'2'"


def test_unhashable_secret_key_still_works() -> None:
    app = build_app(MICRO)
    app.secret_key = bytearray(b"test key")
    client = app.test_client()
    client.get("/set/a/1")
    assert client.get("/get/a").text == "'1'"
    assert signer("test key").loads(cookie_value(client)) == {"a": "1"}


def test_no_secret_key_gives_no_serializer() -> None:
    app = build_app(MICRO)
    app.secret_key = None
    assert app.session_interface.get_signing_serializer(app) is None
    app.secret_key = ""
    assert app.session_interface.get_signing_serializer(app) is None


def test_secret_key_removed_before_saving() -> None:
    app = build_app(MICRO)
    interface = app.session_interface
    with app.test_request_context():
        from microframe.globals import request

        sess = interface.open_session(app, request)
        assert sess is not None
        sess["a"] = 1
        app.secret_key = None
        with pytest.raises(RuntimeError, match=r"secret key was removed"):
            interface.save_session(app, sess, app.response_class())


# --- custom interfaces --------------------------------------------------------


class ServerSideSession(dict[str, t.Any], SessionMixin):
    """A session whose data stays on the server; the cookie holds only an id."""

    def __init__(self, sid: str, data: dict[str, t.Any] | None = None) -> None:
        super().__init__(data or {})
        self.sid = sid


class ServerSideInterface(SessionInterface):
    """Keep sessions in a dict, the way a database-backed interface would."""

    def __init__(self) -> None:
        self.store: dict[str, dict[str, t.Any]] = {}

    def open_session(self, app: t.Any, request: t.Any) -> ServerSideSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid in self.store:
            return ServerSideSession(sid, self.store[sid])
        return ServerSideSession(uuid.uuid4().hex)

    def save_session(self, app: t.Any, sess: t.Any, response: t.Any) -> None:
        self.store[sess.sid] = dict(sess)
        response.set_cookie(self.get_cookie_name(app), sess.sid)


def test_custom_server_side_interface(fw: Framework) -> None:
    app = build_app(fw, SESSION_COOKIE_NAME="sid")
    app.secret_key = None  # the custom interface doesn't sign anything
    interface = ServerSideInterface()
    app.session_interface = interface
    client = app.test_client()
    client.get("/set/a/1")
    sid = cookie_value(client, "sid")
    assert interface.store == {sid: {"a": "1"}}
    assert client.get("/get/a").text == "'1'"
    # The interface is called on every request, even when the view skips the session.
    client.delete_cookie("sid")
    client.get("/noop")
    assert len(interface.store) == 2


class Sha256Interface(SecureCookieSessionInterface):
    salt = "custom-salt"
    digest_method = staticmethod(hashlib.sha256)

    def get_cookie_name(self, app: t.Any) -> str:
        return "custom"


def test_subclass_changes_signing_and_cookie_name() -> None:
    app = build_app(MICRO)
    app.session_interface = Sha256Interface()
    client = app.test_client()
    client.get("/set/a/1")
    value = cookie_value(client, "custom")
    custom_signer = URLSafeTimedSerializer(
        "test key",
        salt="custom-salt",
        serializer=flask.json.tag.TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    assert custom_signer.loads(value) == {"a": "1"}
    assert client.get("/get/a").text == "'1'"
    # The default interface does not accept it.
    assert signer("test key").loads_unsafe(value)[0] is False


class CountingInterface(SecureCookieSessionInterface):
    """Overrides get_signing_serializer, so it must be asked on every open."""

    calls = 0

    def get_signing_serializer(self, app: t.Any) -> URLSafeTimedSerializer | None:
        self.calls += 1
        return super().get_signing_serializer(app)


def test_overridden_get_signing_serializer_is_asked_without_a_cookie() -> None:
    app = build_app(MICRO)
    interface = CountingInterface()
    app.session_interface = interface
    client = app.test_client()
    assert client.get("/get/a").text == "None"
    assert interface.calls == 1


class NoSigningInterface(SecureCookieSessionInterface):
    """Refuses to sign, as a subclass might when a key fails a policy check."""

    def get_signing_serializer(self, app: t.Any) -> URLSafeTimedSerializer | None:
        return None


def test_subclass_without_serializer_gets_a_null_session(fw: Framework) -> None:
    app = build_app(fw)
    app.session_interface = NoSigningInterface()
    client = app.test_client()
    assert client.get("/get/a").text == "None"
    with pytest.raises(RuntimeError, match="no secret key"):
        client.get("/set/a/1")
    client.set_cookie("session", "anything")
    assert client.get("/get/a").text == "None"
