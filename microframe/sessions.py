"""Sessions: the session object views see and the interface that loads and saves it.

By default the whole session lives in a cookie. Its contents are serialized with
the tagged JSON format and signed (not encrypted) with the app's secret key, so
the client can read the data but cannot change it without the change being
detected. The cookie format is the same as Flask's, so an app can move between
the two frameworks without logging its users out.

A different storage (a database, a cache) is plugged in by subclassing
:class:`SessionInterface` and assigning an instance to ``app.session_interface``.
"""

from __future__ import annotations

import collections.abc as cabc
import hashlib
import typing as t
from datetime import datetime, timezone

from werkzeug.datastructures import CallbackDict

from .json.tag import TaggedJSONSerializer
from .signing import CookieSigner

if t.TYPE_CHECKING:  # pragma: no cover
    from _collections_abc import dict_items, dict_keys, dict_values

    from itsdangerous import URLSafeTimedSerializer

    from .app import Microframe
    from .wrappers import Request, Response


class SessionMixin(cabc.MutableMapping[str, t.Any]):
    """Add the attributes every session object carries to a mapping.

    A custom session class only needs to be a mutable mapping with this mixin,
    for example ``class MySession(dict, SessionMixin): pass``. The defaults
    below are the safe choice for a class that cannot track anything: assume it
    changed and was read.
    """

    @property
    def permanent(self) -> bool:
        """Whether the session outlives the browser session.

        Stored in the session itself under the ``"_permanent"`` key, so it
        travels with the data. A permanent session cookie expires after
        ``PERMANENT_SESSION_LIFETIME``; a non-permanent one when the browser
        closes.
        """
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was created by this request rather than loaded.
    #: Few backends can tell, so the default is ``False``.
    new = False

    #: Whether the data changed during the request, which means it has to be
    #: saved. Backends that cannot tell leave this ``True``.
    modified = True

    #: Whether the data was read during the request. When it was, the response
    #: depends on the cookie, so ``Vary: Cookie`` is added to keep shared caches
    #: from serving one user's page to another. Backends that cannot tell leave
    #: this ``True``.
    accessed = True


def _mark_modified(session: SecureCookieSession) -> None:
    session.modified = True
    session.accessed = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """A dict-backed session that records whether it was changed or read.

    ``modified`` becomes ``True`` when a key is set or removed on the session
    itself. Changing a mutable value in place (``session["cart"].append(x)``)
    cannot be seen, so set ``session.modified = True`` after doing that.

    ``accessed`` becomes ``True`` on any read or write. ``new`` stays ``False``:
    an empty session and a missing cookie look the same.
    """

    modified = False
    accessed = False

    def __init__(
        self,
        initial: cabc.Mapping[str, t.Any]
        | cabc.Iterable[tuple[str, t.Any]]
        | None = None,
    ) -> None:
        super().__init__(initial, _mark_modified)

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().setdefault(key, default)

    def pop(self, key: str, *default: t.Any) -> t.Any:
        self.accessed = True
        return super().pop(key, *default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> cabc.Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def keys(self) -> dict_keys[str, t.Any]:
        self.accessed = True
        return super().keys()

    def values(self) -> dict_values[str, t.Any]:
        self.accessed = True
        return super().values()

    def items(self) -> dict_items[str, t.Any]:
        self.accessed = True
        return super().items()

    def copy(self) -> dict[str, t.Any]:
        self.accessed = True
        return dict.copy(self)


_NO_SECRET_KEY_MESSAGE = """\
The session is unavailable because no secret key was set, so it cannot be \
changed ({operation}). Session data is kept in a cookie signed with the secret key. \
Set a key before handling requests, either on the app:

    app.secret_key = "..."

or through the SECRET_KEY config key:

    app.config["SECRET_KEY"] = "..."

Generate a good key with: python -c "import secrets; print(secrets.token_hex())"\
"""


def _unavailable(method: str) -> t.Callable[..., t.NoReturn]:
    """Build a replacement for a mutating dict method that explains the failure."""

    def fail(self: NullSession, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        if method == "__setitem__":
            operation = f"session[{args[0]!r}] = ..."
        elif method == "__delitem__":
            operation = f"del session[{args[0]!r}]"
        elif method == "__ior__":
            operation = "session |= ..."
        else:
            operation = f"session.{method}(...)"
        raise RuntimeError(_NO_SECRET_KEY_MESSAGE.format(operation=operation))

    fail.__name__ = method
    return fail


class NullSession(SecureCookieSession):
    """The empty, read-only session used when sessions cannot work.

    The default interface hands this out when the app has no secret key.
    Reading works and finds nothing; any change raises a :exc:`RuntimeError`
    that says how to set the key.
    """

    __setitem__ = _unavailable("__setitem__")
    __delitem__ = _unavailable("__delitem__")
    __ior__ = _unavailable("__ior__")
    clear = _unavailable("clear")
    pop = _unavailable("pop")
    popitem = _unavailable("popitem")
    update = _unavailable("update")
    setdefault = _unavailable("setdefault")


class SessionInterface:
    """Decide how sessions are loaded from a request and saved to a response.

    Subclass this and implement :meth:`open_session` and :meth:`save_session` to
    store sessions elsewhere; the other methods read the ``SESSION_COOKIE_*``
    config and rarely need changing. Install it with
    ``app.session_interface = MyInterface()``.

    The object :meth:`open_session` returns must be a mutable mapping with the
    :class:`SessionMixin` attributes, such as ``class Session(dict,
    SessionMixin)``. Returning ``None`` means sessions are unavailable; the
    request then gets :meth:`make_null_session` instead, and the null session
    is never saved.

    Requests from the same client may be handled concurrently and may open and
    save the same session in any order, so a shared store must cope with that.
    """

    #: The class :meth:`make_null_session` creates and :meth:`is_null_session`
    #: checks for.
    null_session_class: type[NullSession] = NullSession

    #: Whether the interface pickles session data. Extensions may look at this to
    #: decide what they can store in the session.
    pickle_based = False

    def make_null_session(self, app: Microframe) -> NullSession:
        """Return the stand-in session used when :meth:`open_session` gave ``None``.

        It allows reads and answers writes with an error that explains what is
        misconfigured. Creates an instance of :attr:`null_session_class`.
        """
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Tell whether ``obj`` is a null session, which is never saved.

        Checks for an instance of :attr:`null_session_class`.
        """
        cls = self.null_session_class
        if type(obj) is SecureCookieSession and cls is NullSession:
            return False  # the usual answer, without an abstract-class check
        return isinstance(obj, cls)

    def get_cookie_name(self, app: Microframe) -> str:
        """Return the session cookie's name, from ``SESSION_COOKIE_NAME``."""
        name: str = app.config["SESSION_COOKIE_NAME"]
        return name

    def get_cookie_domain(self, app: Microframe) -> str | None:
        """Return the cookie's ``Domain`` attribute, from ``SESSION_COOKIE_DOMAIN``.

        ``None`` (the default) leaves it out, so browsers send the cookie back
        only to the exact host that set it. A domain makes them send it to that
        domain's subdomains too. ``SERVER_NAME`` is not used as a fallback.
        """
        domain: str | None = app.config["SESSION_COOKIE_DOMAIN"]
        return domain

    def get_cookie_path(self, app: Microframe) -> str:
        """Return the cookie's ``Path`` attribute.

        Uses ``SESSION_COOKIE_PATH`` when set, otherwise ``APPLICATION_ROOT``.
        """
        path: str = app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]
        return path

    def get_cookie_httponly(self, app: Microframe) -> bool:
        """Return whether the cookie is hidden from JavaScript.

        Uses ``SESSION_COOKIE_HTTPONLY``.
        """
        httponly: bool = app.config["SESSION_COOKIE_HTTPONLY"]
        return httponly

    def get_cookie_secure(self, app: Microframe) -> bool:
        """Return whether the cookie is only sent over HTTPS.

        Uses ``SESSION_COOKIE_SECURE``.
        """
        secure: bool = app.config["SESSION_COOKIE_SECURE"]
        return secure

    def get_cookie_samesite(self, app: Microframe) -> str | None:
        """Return the cookie's ``SameSite`` attribute, such as ``"Lax"``.

        Uses ``SESSION_COOKIE_SAMESITE``; ``None`` leaves the attribute out.
        """
        samesite: str | None = app.config["SESSION_COOKIE_SAMESITE"]
        return samesite

    def get_cookie_partitioned(self, app: Microframe) -> bool:
        """Return whether the cookie is partitioned (CHIPS).

        Uses ``SESSION_COOKIE_PARTITIONED``.
        """
        partitioned: bool = app.config["SESSION_COOKIE_PARTITIONED"]
        return partitioned

    def get_expiration_time(
        self, app: Microframe, session: SessionMixin
    ) -> datetime | None:
        """Return when the session cookie should expire.

        A permanent session expires ``app.permanent_session_lifetime`` from now
        (UTC). Other sessions return ``None``: the cookie ends with the browser
        session.
        """
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Microframe, session: SessionMixin) -> bool:
        """Return whether the response should carry a ``Set-Cookie`` for the session.

        True when the session was modified, and also for every response of a
        permanent session while ``SESSION_REFRESH_EACH_REQUEST`` is on, which
        pushes its expiry forward. Backends usually skip this check when the
        session was emptied and its cookie is being deleted.
        """
        return session.modified or bool(
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: Microframe, request: Request) -> SessionMixin | None:
        """Load the session for ``request``.

        Called by the request context; the request context is active, so
        ``request`` and ``current_app`` work here. Return a mutable mapping with
        the :class:`SessionMixin` attributes, or ``None`` if sessions are
        unavailable, in which case :meth:`make_null_session` is used instead.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement open_session(app, request) to"
            " load the session; subclass SecureCookieSessionInterface to keep the"
            " cookie-based one."
        )

    def save_session(
        self, app: Microframe, session: SessionMixin, response: Response
    ) -> None:
        """Store ``session`` and update ``response`` (cookies, headers) to match.

        Called after the response was built, while the request context is still
        active. Not called for null sessions.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement save_session(app, session,"
            " response) to store the session; subclass SecureCookieSessionInterface"
            " to keep the cookie-based one."
        )


#: The serializer the default interface uses for session data.
session_json_serializer = TaggedJSONSerializer()


def _lazy_sha1(string: bytes = b"") -> t.Any:
    """Return a SHA-1 hash object, looking ``hashlib.sha1`` up only when called.

    Builds of Python for FIPS mode may lack SHA-1; resolving it lazily lets such
    an app import microframe and choose another ``digest_method``.
    """
    return hashlib.sha1(string)


#: Cookie signers already built, keyed by everything that shapes them. Bounded
#: and emptied when full: an app normally needs one or two.
_signers: dict[tuple[t.Any, ...], CookieSigner] = {}
_SIGNERS_MAX = 32


class SecureCookieSessionInterface(SessionInterface):
    """Store the whole session in a cookie signed with the app's secret key.

    The cookie is readable by the client but cannot be altered without the
    signature failing. Keys listed in ``SECRET_KEY_FALLBACKS`` are still
    accepted when reading, so the secret key can be rotated without logging
    everyone out; new cookies are always signed with ``SECRET_KEY``.
    """

    #: Mixed with the secret key so session signatures differ from other values
    #: the app signs with the same key.
    salt = "cookie-session"
    #: The hash function for the signature: SHA-1, as in Flask.
    digest_method = staticmethod(_lazy_sha1)
    #: How itsdangerous derives the signing key from the secret key.
    key_derivation = "hmac"
    #: Turns session data into a string and back; handles tuples, bytes,
    #: ``Markup``, UUIDs and datetimes besides the plain JSON types.
    serializer = session_json_serializer
    #: The class of the sessions :meth:`open_session` returns.
    session_class = SecureCookieSession

    def _keys(self, app: Microframe) -> list[str | bytes] | None:
        # Verification keys, oldest first: itsdangerous signs with the last.
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or []
        if isinstance(fallbacks, (str, bytes)):
            raise TypeError(
                "SECRET_KEY_FALLBACKS must be a list of old secret keys, but it is"
                f" the single {type(fallbacks).__name__} {fallbacks!r}. Wrap it in a"
                f" list: app.config['SECRET_KEY_FALLBACKS'] = [{fallbacks!r}]"
            )
        return [*fallbacks, secret_key]

    def get_signing_serializer(self, app: Microframe) -> URLSafeTimedSerializer | None:
        """Return an itsdangerous serializer that signs and verifies session cookies.

        Returns ``None`` when the app has no secret key. It signs with
        ``SECRET_KEY`` and also verifies with each key in
        ``SECRET_KEY_FALLBACKS``. The interface itself reads and writes cookies
        through a cookie signer (``microframe.signing``) with the same
        keys, unless a subclass overrides this method: then it uses the
        serializer returned here.
        """
        keys = self._keys(app)
        if keys is None:
            return None
        from itsdangerous import URLSafeTimedSerializer

        return URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]  # mixed str and bytes keys work
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def _own_serializer(self) -> bool:
        return (
            type(self).get_signing_serializer
            is SecureCookieSessionInterface.get_signing_serializer
        )

    def _signer(self, app: Microframe) -> CookieSigner | None:
        keys = self._keys(app)
        if keys is None:
            return None
        shape = (
            tuple(keys),
            self.salt,
            id(self.serializer),  # the signer keeps it alive, so the id is stable
            self.key_derivation,
            self.digest_method,
        )
        try:
            signer = _signers.get(shape)
        except TypeError:  # an unhashable key, such as a bytearray
            return self._new_signer(keys)
        if signer is None:
            if len(_signers) >= _SIGNERS_MAX:
                _signers.clear()
            signer = _signers[shape] = self._new_signer(keys)
        return signer

    def _new_signer(self, keys: list[str | bytes]) -> CookieSigner:
        return CookieSigner(
            keys, self.salt, self.serializer, self.key_derivation, self.digest_method
        )

    def _read(self, app: Microframe, value: str) -> dict[str, t.Any] | bool | None:
        # The verified data of a cookie; None for an invalid one; False when
        # sessions are unavailable (no key).
        max_age = int(app.permanent_session_lifetime.total_seconds())
        if self._own_serializer():
            signer = self._signer(app)
            return False if signer is None else signer.verify(value, max_age)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return False
        from itsdangerous import BadData

        try:
            data = serializer.loads(value, max_age=max_age)
        except BadData:
            return None
        return data if isinstance(data, dict) else None

    def _write(self, app: Microframe, data: dict[str, t.Any]) -> str:
        signer: t.Any = (
            self._signer(app)
            if self._own_serializer()
            else self.get_signing_serializer(app)
        )
        if signer is None:
            raise RuntimeError(
                "Cannot save the session: the app's secret key was removed while"
                " the request was handled. Set app.secret_key (or"
                " app.config['SECRET_KEY']) once, before handling requests."
            )
        if isinstance(signer, CookieSigner):
            return signer.sign(data)
        return t.cast(str, signer.dumps(data))

    def open_session(
        self, app: Microframe, request: Request
    ) -> SecureCookieSession | None:
        """Load the session from the request's session cookie.

        Returns ``None`` when the app has no secret key. A missing cookie, or one
        whose signature does not verify or that is older than
        ``PERMANENT_SESSION_LIFETIME``, gives a new empty session: a bad cookie
        is treated as no cookie, never as an error.
        """
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            if self._own_serializer():
                usable = bool(app.secret_key)
            else:
                usable = self.get_signing_serializer(app) is not None
            return self.session_class() if usable else None
        data = self._read(app, value)
        if data is False:
            return None
        return self.session_class(data or None)  # type: ignore[arg-type]

    def _untouched_needs_refresh(self, app: Microframe, request: Request) -> bool:
        # Whether save_session would write the cookie of a session the request
        # never used: only for a permanent session, with
        # SESSION_REFRESH_EACH_REQUEST on. The pipeline asks this only while
        # the stock methods decide (see pipeline._skips_untouched).
        if not app.config["SESSION_REFRESH_EACH_REQUEST"]:
            return False
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return False
        data = self._read(app, value)
        return isinstance(data, dict) and bool(data.get("_permanent"))

    def _cookie_attributes(self, app: Microframe) -> dict[str, t.Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "partitioned": self.get_cookie_partitioned(app),
            "samesite": self.get_cookie_samesite(app),
            "httponly": self.get_cookie_httponly(app),
        }

    def save_session(
        self, app: Microframe, session: SessionMixin, response: Response
    ) -> None:
        """Write the session to a signed cookie on ``response``, or delete it.

        An emptied session deletes the cookie; an empty untouched one sets
        nothing. Otherwise the cookie is set when :meth:`should_set_cookie`
        agrees. ``Vary: Cookie`` is added whenever the session was read or the
        cookie changes.
        """
        # Read before the checks below touch the session (and mark it read).
        varied = session.accessed
        if varied:
            _vary_on_cookie(response)
        if session:
            if not self.should_set_cookie(app, session):
                return
            response.set_cookie(
                self.get_cookie_name(app),
                self._write(app, dict(session)),
                expires=self.get_expiration_time(app, session),
                **self._cookie_attributes(app),
            )
        elif session.modified:
            # Emptied during the request: remove the browser's copy.
            response.delete_cookie(
                self.get_cookie_name(app), **self._cookie_attributes(app)
            )
        else:
            return
        if not varied:
            _vary_on_cookie(response)


def _vary_on_cookie(response: Response) -> None:
    headers = response.headers
    # A scan, not `"Vary" in headers`: a miss there raises and catches a
    # KeyError, which costs more than looking at a handful of headers.
    if any(name.lower() == "vary" for name, _ in headers):
        response.vary.add("Cookie")
    else:
        headers.add("Vary", "Cookie")
