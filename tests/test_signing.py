"""Tests for microframe/signing.py: signed session cookies.

A :class:`CookieSigner` must read and write exactly what Flask's session
serializer (itsdangerous, with Flask's salt and key derivation) reads and
writes, and refuse the same cookies, remembered ones included.
"""

from __future__ import annotations

import hashlib
import random
import time
import typing as t

import pytest
from itsdangerous import URLSafeTimedSerializer

from microframe import signing
from microframe.json.tag import TaggedJSONSerializer
from microframe.signing import CookieSigner

SALT = "cookie-session"


def _signer(*keys: str, digest: t.Any = hashlib.sha1) -> CookieSigner:
    return CookieSigner(list(keys), SALT, TaggedJSONSerializer(), "hmac", digest)


def _flask_style(*keys: str, digest: t.Any = hashlib.sha1) -> URLSafeTimedSerializer:
    # What Flask's SecureCookieSessionInterface builds for the same settings.
    return URLSafeTimedSerializer(
        list(keys),
        salt=SALT,
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": digest},
    )


def test_signatures_are_itsdangerous_signatures() -> None:
    value = _signer("secret").sign({"user": "ada", "n": 1})
    assert _flask_style("secret").loads(value) == {"user": "ada", "n": 1}
    theirs = _flask_style("secret").dumps({"cart": [1, 2]})
    assert _signer("secret").verify(theirs, None) == {"cart": [1, 2]}


def test_the_last_key_signs_and_every_key_verifies() -> None:
    old = _signer("old").sign({"v": 1})
    rotated = _signer("old", "new")
    assert rotated.verify(old, None) == {"v": 1}
    assert _flask_style("new").loads(rotated.sign({"v": 2})) == {"v": 2}


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "e30.AAAAAA.bad-signature"],
)
def test_a_value_not_signed_with_the_key_is_refused(value: str) -> None:
    assert _signer("secret").verify(value, None) is None


def test_a_tampered_cookie_is_refused_even_after_the_original_was_seen() -> None:
    signer = _signer("secret")
    value = signer.sign({"admin": False})
    assert signer.verify(value, None) == {"admin": False}
    payload, rest = value.split(".", 1)
    flipped = "A" if payload[-1] != "A" else "B"
    assert signer.verify(f"{payload[:-1]}{flipped}.{rest}", None) is None
    assert _signer("other").verify(value, None) is None


def test_a_signed_value_that_is_not_a_session_is_refused() -> None:
    value = _flask_style("secret").dumps([1, 2, 3])
    assert _signer("secret").verify(value, None) is None


def test_age_is_checked_for_remembered_cookies_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signer = _signer("secret")
    value = signer.sign({"v": 1})
    assert signer.verify(value, max_age=60) == {"v": 1}  # now remembered
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert signer.verify(value, max_age=60) is None
    assert signer.verify(value, max_age=None) == {"v": 1}


def test_a_remembered_session_is_returned_as_a_fresh_copy() -> None:
    signer = _signer("secret")
    value = signer.sign({"flat": 1})
    first = signer.verify(value, None)
    assert first is not None
    first["flat"] = 2
    assert signer.verify(value, None) == {"flat": 1}
    nested = signer.sign({"items": [1]})
    second = signer.verify(nested, None)
    assert second is not None
    second["items"].append(2)
    assert signer.verify(nested, None) == {"items": [1]}


def test_the_table_of_remembered_cookies_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signing, "REMEMBERED_COOKIES", 3)
    signer = _signer("secret")
    values = [signer.sign({"i": i}) for i in range(5)]
    for i, value in enumerate(values):
        assert signer.verify(value, None) == {"i": i}
    assert len(signer._verified) <= 3
    assert [signer.verify(value, None) for value in values] == [
        {"i": i} for i in range(5)
    ]


def _session_of(size: int, seed: int) -> dict[str, object]:
    # A session whose serialized form is about ``size`` bytes: ids, flags,
    # repeated and random text, as real sessions hold.
    rng = random.Random(seed)
    data: dict[str, object] = {
        "_fresh": rng.random() < 0.5,
        "uid": rng.randint(1, 10**6),
    }
    while len(TaggedJSONSerializer().dumps(data)) < size:
        kind = rng.choice(["hex", "word", "repeat", "list"])
        key = f"k{len(data)}"
        if kind == "hex":
            data[key] = f"{rng.getrandbits(rng.randint(4, 160)):x}"
        elif kind == "word":
            data[key] = rng.choice(["ada", "admin", "en-GB", "dark", "cart"])
        elif kind == "repeat":
            data[key] = "ab" * rng.randint(1, 30)
        else:
            data[key] = [rng.randint(0, 99) for _ in range(rng.randint(0, 6))]
    return data


@pytest.mark.parametrize("digest", [hashlib.sha1, hashlib.sha256])
def test_cookies_are_the_bytes_itsdangerous_signs(
    digest: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.25)
    ours, theirs = (
        _signer("secret", digest=digest),
        _flask_style("secret", digest=digest),
    )
    sizes = [*range(2, 140), 200, 400, 1000, 3000]
    compressed = 0
    for seed, size in enumerate(sizes * 8):
        data = _session_of(size, seed)
        value = ours.sign(data)
        assert value == theirs.dumps(data), data
        compressed += value.startswith(".")
    assert compressed > 20  # the compressed form was exercised, not only plain


def test_any_digest_method_signs_as_itsdangerous_does() -> None:
    def sha1_by_hand(string: bytes = b"") -> object:
        return hashlib.sha1(string)

    class Unnamed:
        # A hash HMAC can drive from Python, but that hashlib can't name.
        digest_size = 20
        block_size = 64

        def __init__(self, string: bytes = b"") -> None:
            self._hash = hashlib.sha1(string)

        def update(self, data: bytes) -> None:
            self._hash.update(data)

        def copy(self) -> Unnamed:
            other = Unnamed()
            other._hash = self._hash.copy()
            return other

        def digest(self) -> bytes:
            return self._hash.digest()

    class SmallBlock(Unnamed):
        # Keys longer than the block are hashed first (RFC 2104).
        block_size = 16

    class NoInitialData(Unnamed):
        # Made empty and then fed: HMAC works, precomputed pads do not.
        def __init__(self) -> None:
            super().__init__()

        def copy(self) -> NoInitialData:
            other = NoInitialData()
            other._hash = self._hash.copy()
            return other

    class ShallowCopy(Unnamed):
        # A copy that shares its state: the precomputed pads would be used
        # up by the first message, so HMAC drives it (as it does for Flask).
        def copy(self) -> ShallowCopy:
            return self

    for digest in (sha1_by_hand, Unnamed, SmallBlock, NoInitialData, ShallowCopy):
        ours = _signer("secret", digest=digest)
        theirs = _flask_style("secret", digest=digest)
        for data in ({"user": "ada"}, {"user": "bob", "n": 2}):
            value = ours.sign(data)
            assert value == theirs.dumps(data), digest
            assert theirs.loads(value) == data
    assert _signer("secret").sign({"a": 1}) == _flask_style("secret").dumps({"a": 1})


def test_a_refused_value_is_refused_again_without_a_new_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signer = _signer("secret")
    foreign = _signer("old key").sign({"user": "ada"})
    full_checks = []
    loads = signer._codec.loads

    def counting(*args: object, **kwargs: object) -> object:
        full_checks.append(args[0])
        return loads(*args, **kwargs)

    monkeypatch.setattr(signer._codec, "loads", counting)
    assert signer.verify(foreign, None) is None
    assert signer.verify(foreign, None) is None
    assert full_checks == [foreign]
    assert _signer("old key").verify(foreign, None) == {"user": "ada"}


def test_expired_and_future_values_are_not_remembered_as_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 120)
    ahead = _signer("secret").sign({"v": "ahead"})
    monkeypatch.setattr(time, "time", lambda: now)
    old = _signer("secret").sign({"v": "old"})
    signer = _signer("secret")
    assert signer.verify(ahead, max_age=60) is None  # dated in the future
    monkeypatch.setattr(time, "time", lambda: now + 120)
    assert signer.verify(old, max_age=60) is None  # too old for this age
    assert signer.verify(old, max_age=600) == {"v": "old"}
    assert signer.verify(ahead, max_age=60) == {"v": "ahead"}


def test_the_table_of_refused_values_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signing, "REMEMBERED_COOKIES", 3)
    signer = _signer("secret")
    for number in range(10):
        assert signer.verify(f"junk{number}.x.y", None) is None
        assert len(signer._rejected) <= 3
