"""Signed session cookies, cheap to read and write.

The cookie format is itsdangerous's ``URLSafeTimedSerializer``, as in Flask:
``payload.timestamp.signature``, where the signature is an HMAC of the rest with
a key derived from the secret key and a salt. itsdangerous derives that key
again for every value it signs or verifies; a :class:`CookieSigner` derives the
keys once (for ``SECRET_KEY`` and each of ``SECRET_KEY_FALLBACKS``) and signs
with the derived key directly, which gives the same signatures.

A browser sends the same cookie with every request until the session changes,
so a signer also remembers the cookies it has verified (a bounded table). A
remembered cookie is accepted without a new HMAC only while it is younger than
the maximum age, exactly as a full verification would decide; any other string,
a tampered one included, is verified in full. A value that no key signed (or
that holds no session) is remembered as refused, in a table of its own, so a
browser still sending a cookie from before a key change costs one check; an
expired value is not, since another maximum age may accept it.
"""

from __future__ import annotations

import hmac
import typing as t
import zlib
from binascii import b2a_base64

if t.TYPE_CHECKING:  # pragma: no cover
    from itsdangerous import URLSafeTimedSerializer

#: Verified cookies remembered per signer; the table is emptied when full.
REMEMBERED_COOKIES = 1024

_FLAT = (str, int, float, bool, type(None))


class _Verified(t.NamedTuple):
    signed_at: int
    # The decoded session when it holds only immutable values, else None.
    data: dict[str, t.Any] | None
    # The serialized session, decoded afresh for sessions with nested values.
    text: str


class CookieSigner:
    """Signs and verifies session cookies for one set of keys and settings."""

    def __init__(
        self,
        keys: list[str | bytes],
        salt: str | bytes,
        serializer: t.Any,
        key_derivation: str,
        digest_method: t.Any,
    ) -> None:
        from itsdangerous import Signer, TimestampSigner, URLSafeTimedSerializer

        def derived(key: str | bytes) -> bytes:
            # A list, so that a bytearray key is one key, not a list of ints.
            return Signer(
                [key],  # type: ignore[arg-type]
                salt=salt,
                key_derivation=key_derivation,
                digest_method=digest_method,
            ).derive_key()

        self._serializer = serializer
        self._digest = digest_method
        derived_keys = [derived(key) for key in keys]
        # The last key signs; every key verifies (itsdangerous's rule).
        self._signing_key = derived_keys[-1]
        self._mac = _mac_for(self._signing_key, digest_method)
        self._codec: URLSafeTimedSerializer = URLSafeTimedSerializer(
            derived_keys,
            salt=salt,
            serializer=serializer,
            signer_kwargs={"key_derivation": "none", "digest_method": digest_method},
        )
        self._verified: dict[str, _Verified] = {}
        self._rejected: set[str] = set()
        # itsdangerous's clock, looked up on each use: a test that freezes
        # TimestampSigner.get_timestamp dates and ages cookies here too.
        self._clock = TimestampSigner

    def sign(self, data: dict[str, t.Any]) -> str:
        """The cookie value for ``data``, signed now with the current key.

        The same bytes ``URLSafeTimedSerializer.dumps`` makes in the same
        second: the payload (zlib-compressed behind a ``.`` when that is
        shorter), the timestamp, and the HMAC of both, each URL-safe base64
        without padding, joined by dots.
        """
        text = self._serializer.dumps(data).encode()
        packed = _compress(text)
        shorter = len(packed) < len(text) - 1
        payload = b"." + _b64(packed) if shorter else _b64(text)
        now = self._now()
        stamped = b"%s.%s" % (
            payload,
            _b64(now.to_bytes((now.bit_length() + 7) // 8, "big")),
        )
        mac = self._mac(stamped)
        return f"{stamped.decode('ascii')}.{_b64(mac).decode('ascii')}"

    def verify(self, value: str, max_age: int | None) -> dict[str, t.Any] | None:
        """The session data in ``value``, or ``None`` if it is not valid now.

        Invalid means: the signature does not match any key, the value is
        older than ``max_age`` seconds (or dated in the future), or it holds
        something other than a session dict.
        """
        known = self._verified.get(value)
        # itsdangerous's rule for the age: 0 <= age <= max_age, in whole seconds.
        if known is not None and (
            max_age is None or 0 <= self._now() - known.signed_at <= max_age
        ):
            if known.data is not None:
                return dict(known.data)
            return self._serializer.loads(known.text)  # type: ignore[no-any-return]
        if value in self._rejected:
            return None
        return self._verify_in_full(value, max_age)

    def _now(self) -> int:
        return int(self._clock.get_timestamp(self))  # type: ignore[arg-type]

    def _verify_in_full(
        self, value: str, max_age: int | None
    ) -> dict[str, t.Any] | None:
        from itsdangerous import BadData, SignatureExpired

        try:
            data, signed = self._codec.loads(
                value, max_age=max_age, return_timestamp=True
            )
        except SignatureExpired:
            return None  # too old, or dated ahead: may be fine with another age
        except BadData:
            self._reject(value)
            return None
        if not isinstance(data, dict):
            # Signed with our key and salt, but not a session.
            self._reject(value)
            return None
        self._remember(value, int(signed.timestamp()), data)
        return data

    def _reject(self, value: str) -> None:
        # A value no key signed (or not a session) stays invalid for this
        # signer: a browser sending it again is refused without a new HMAC.
        if len(self._rejected) >= REMEMBERED_COOKIES:
            self._rejected.clear()
        self._rejected.add(value)

    def _remember(self, value: str, signed_at: int, data: dict[str, t.Any]) -> None:
        table = self._verified
        if len(table) >= REMEMBERED_COOKIES:
            table.clear()
        flat = all(type(item) in _FLAT for item in data.values())
        text = "" if flat else self._serializer.dumps(data)
        table[value] = _Verified(signed_at, dict(data) if flat else None, text)


#: What the key is XORed with for HMAC's inner and outer hashes (RFC 2104).
_INNER_PAD = bytes(byte ^ 0x36 for byte in range(256))
_OUTER_PAD = bytes(byte ^ 0x5C for byte in range(256))


def _mac_for(key: bytes, digest_method: t.Any) -> t.Callable[[bytes], bytes]:
    """``hmac.new(key, message, digest_method).digest()``, made cheap for one key.

    The padded key's inner and outer hash states are computed once and copied
    for each message, as RFC 2104 defines HMAC. The result is checked against
    :mod:`hmac` once; a digest method whose hash objects cannot be started
    with data or copied is driven by :func:`hmac.new` instead.
    """

    def by_hmac(message: bytes) -> bytes:
        return hmac.new(key, message, digest_method).digest()

    try:
        block = digest_method().block_size
        long_key = len(key) > block
        padded = (digest_method(key).digest() if long_key else key).ljust(block, b"\0")
        inner_start = digest_method(padded.translate(_INNER_PAD))
        outer_start = digest_method(padded.translate(_OUTER_PAD))

        def by_copies(message: bytes) -> bytes:
            inner = inner_start.copy()
            inner.update(message)
            outer = outer_start.copy()
            outer.update(inner.digest())
            return outer.digest()  # type: ignore[no-any-return]

        # Twice: a copy that shares its state gives a wrong second answer.
        for probe in (b"probe", b"second probe"):
            if by_copies(probe) != by_hmac(probe):
                return by_hmac
    except (TypeError, ValueError, AttributeError):
        return by_hmac
    return by_copies


#: Payloads up to this many bytes are compressed with a small compressor.
_SMALL_PAYLOAD = 126


def _compress(text: bytes) -> bytes:
    """Compress a payload as ``zlib.compress(text)`` does, cheaply when it is small.

    Most of ``zlib.compress``'s time on a session-sized payload goes into setting
    up its tables; with ``memLevel=1`` they are much smaller. Its output can only
    differ once a payload has more symbols than that compressor buffers (127) or
    so many hash collisions that a match is missed, so up to 126 bytes it gives
    ``zlib.compress``'s bytes (``tests/test_signing.py`` compares thousands).
    Either way the result is a valid zlib stream that any reader decodes.
    """
    if len(text) > _SMALL_PAYLOAD:
        return zlib.compress(text)
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS, 1)
    return packer.compress(text) + packer.flush()


#: Standard base64's last two characters, made URL-safe (``+/`` -> ``-_``).
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(raw: bytes) -> bytes:
    # base64.urlsafe_b64encode(raw) without padding, in one C call and a
    # translation rather than through the base64 module's Python layers.
    return b2a_base64(raw, newline=False).translate(_URL_SAFE).rstrip(b"=")
