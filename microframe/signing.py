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
a tampered one included, is verified in full.
"""

from __future__ import annotations

import time
import typing as t

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
        from itsdangerous import Signer, URLSafeTimedSerializer

        def derived(key: str | bytes) -> bytes:
            # A list, so that a bytearray key is one key, not a list of ints.
            return Signer(
                [key],  # type: ignore[arg-type]
                salt=salt,
                key_derivation=key_derivation,
                digest_method=digest_method,
            ).derive_key()

        self._serializer = serializer
        # The last key signs; every key verifies (itsdangerous's rule).
        self._codec: URLSafeTimedSerializer = URLSafeTimedSerializer(
            [derived(key) for key in keys],
            salt=salt,
            serializer=serializer,
            signer_kwargs={"key_derivation": "none", "digest_method": digest_method},
        )
        self._verified: dict[str, _Verified] = {}

    def sign(self, data: dict[str, t.Any]) -> str:
        """The cookie value for ``data``, signed now with the current key."""
        return self._codec.dumps(data)

    def verify(self, value: str, max_age: int | None) -> dict[str, t.Any] | None:
        """The session data in ``value``, or ``None`` if it is not valid now.

        Invalid means: the signature does not match any key, the value is
        older than ``max_age`` seconds (or dated in the future), or it holds
        something other than a session dict.
        """
        known = self._verified.get(value)
        if known is not None and _fresh(known.signed_at, max_age):
            if known.data is not None:
                return dict(known.data)
            return self._serializer.loads(known.text)  # type: ignore[no-any-return]
        return self._verify_in_full(value, max_age)

    def _verify_in_full(
        self, value: str, max_age: int | None
    ) -> dict[str, t.Any] | None:
        from itsdangerous import BadData

        try:
            data, signed = self._codec.loads(
                value, max_age=max_age, return_timestamp=True
            )
        except BadData:
            return None
        if not isinstance(data, dict):
            # Signed with our key and salt, but not a session.
            return None
        self._remember(value, int(signed.timestamp()), data)
        return data

    def _remember(self, value: str, signed_at: int, data: dict[str, t.Any]) -> None:
        table = self._verified
        if len(table) >= REMEMBERED_COOKIES:
            table.clear()
        flat = all(type(item) in _FLAT for item in data.values())
        text = "" if flat else self._serializer.dumps(data)
        table[value] = _Verified(signed_at, dict(data) if flat else None, text)


def _fresh(signed_at: int, max_age: int | None) -> bool:
    # itsdangerous's rule: 0 <= age <= max_age, in whole seconds.
    if max_age is None:
        return True
    age = int(time.time()) - signed_at
    return 0 <= age <= max_age
