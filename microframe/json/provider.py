"""JSON providers: the object behind ``app.json`` that every JSON operation uses.

:class:`JSONProvider` is the interface; :class:`DefaultJSONProvider` implements
it with the standard library's :mod:`json` and knows a few extra types (dates,
UUIDs, decimals, dataclasses and ``__html__`` objects). To use another JSON
library, subclass :class:`JSONProvider`, implement ``dumps`` and ``loads`` and
set it as the app class's ``json_provider_class`` (or assign an instance to
``app.json``).
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
import weakref
from datetime import date

from werkzeug.http import http_date

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import Microframe
    from ..wrappers import Response


class JSONProvider:
    """The set of JSON operations an app uses; subclass it to change them.

    Subclasses must implement :meth:`dumps` and :meth:`loads`; the other
    methods are built on those two. The app is kept as a
    :func:`weakref.proxy` in ``self._app`` so the provider does not keep its
    app alive.
    """

    def __init__(self, app: Microframe) -> None:
        self._app: Microframe = t.cast("Microframe", weakref.proxy(app))

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string.

        ``kwargs`` may be handed to the underlying JSON library.
        """
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` as JSON and write it to the text file ``fp``.

        ``fp`` should be opened with UTF-8 encoding so the result is valid JSON.
        """
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON document given as text or UTF-8 bytes.

        ``kwargs`` may be handed to the underlying JSON library.
        """
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Parse the JSON document read from ``fp`` (text or UTF-8 bytes)."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> t.Any:
        """Turn :meth:`response` arguments into the one value to serialize.

        No arguments give ``None``, one positional argument is used as is,
        several become a list and keyword arguments become a dict.
        """
        if args and kwargs:
            raise TypeError(
                "jsonify() and app.json.response() take either positional or"
                f" keyword arguments, not both; got args {args!r} and kwargs"
                f" {kwargs!r}. Pass a single dict instead, e.g."
                " jsonify({'items': [...], 'total': 3})."
            )
        if kwargs:
            return kwargs
        if not args:
            return None
        if len(args) == 1:
            return args[0]
        return args

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments as JSON and wrap them in a response.

        The response has the ``application/json`` mimetype. Give either
        positional or keyword arguments, not both: no arguments serialize
        ``None``, one positional argument is serialized as is, several as a
        list, and keyword arguments as an object.
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    """Convert a value the :mod:`json` module cannot encode, or raise TypeError."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    cls = type(o)
    raise TypeError(
        f"Object of type {cls.__name__} is not JSON serializable: {o!r:.80}. Convert"
        f" it to a str, number, list or dict first, or teach the app about"
        f" {cls.__module__}.{cls.__qualname__} by setting app.json.default to a"
        " function that returns a JSON-compatible value."
    )


# The keyword arguments of ``json.JSONEncoder``: calls to ``dumps`` that pass
# only these can reuse a cached encoder instead of building one per call.
_ENCODER_ARGS = frozenset(
    {
        "skipkeys",
        "ensure_ascii",
        "check_circular",
        "allow_nan",
        "sort_keys",
        "indent",
        "separators",
        "default",
    }
)
_ENCODER_CACHE_SIZE = 64
_Encode = t.Callable[[t.Any], str]
_encoders: dict[t.Hashable, _Encode] = {}

# The C accelerator behind ``json.JSONEncoder``, when this Python has it.
_c_make_encoder: t.Any = getattr(json.encoder, "c_make_encoder", None)

# The two layouts of response bodies, as (name, value) pairs of extra settings.
_COMPACT: tuple[tuple[str, t.Any], ...] = (("separators", (",", ":")),)
_INDENTED: tuple[tuple[str, t.Any], ...] = (("indent", 2),)


def _make_encode(settings: dict[str, t.Any]) -> _Encode:
    """Build a reusable function that encodes like ``json.dumps(o, **settings)``.

    ``JSONEncoder.encode`` builds a new C encoder on every call, because the
    C encoder keeps the ids of the containers it is inside of (the "markers"
    used to detect circular references) while it runs. This builds one C
    encoder without markers, which holds no state at all and so can be shared
    by every thread, and detects cycles the other way round: a cycle recurses
    until Python raises :exc:`RecursionError`, and the data is then encoded
    again by the checked encoder, which raises the usual
    ``ValueError("Circular reference detected")`` (or the same RecursionError
    for data that is merely too deep). Output is identical either way.
    """
    encoder = json.JSONEncoder(**settings)
    if _c_make_encoder is None or encoder.indent is not None:
        return encoder.encode
    c_encode = _c_make_encoder(
        None,  # no markers: nothing shared between calls
        encoder.default,
        (
            json.encoder.encode_basestring_ascii
            if encoder.ensure_ascii
            else json.encoder.encode_basestring
        ),
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    checked_encode = encoder.encode
    join = "".join

    def encode(obj: t.Any) -> str:
        try:
            return join(c_encode(obj, 0))
        except RecursionError:
            return checked_encode(obj)

    return encode


def _encoder_for(
    default: t.Callable[[t.Any], t.Any],
    ensure_ascii: bool,
    sort_keys: bool,
    extra: tuple[tuple[str, t.Any], ...],
) -> _Encode | None:
    """Return a shared encode function for these settings, or None if unhashable.

    The cache is keyed on the settings themselves, so changing a provider
    attribute (on the class or on one instance) simply selects another encoder.
    """
    key = (default, ensure_ascii, sort_keys, extra)
    try:
        encode = _encoders.get(key)
    except TypeError:  # e.g. separators given as a list
        return None
    if encode is None:
        if len(_encoders) >= _ENCODER_CACHE_SIZE:
            _encoders.clear()
        encode = _make_encode(
            {
                "default": default,
                "ensure_ascii": ensure_ascii,
                "sort_keys": sort_keys,
                **dict(extra),
            }
        )
        _encoders[key] = encode
    return encode


#: A decoder with json.loads's own settings (no hooks).
_DECODER = json.JSONDecoder()


def _plainly_utf8(data: bytes) -> bool:
    # Whether json.loads would read ``data`` as UTF-8: it starts with an ASCII
    # character other than NUL followed by a byte other than NUL, so it has no
    # byte-order mark and is not UTF-16 or UTF-32 (json.detect_encoding).
    return len(data) >= 2 and 0 < data[0] < 0x80 and data[1] != 0


class DefaultJSONProvider(JSONProvider):
    """JSON with the standard library, plus a few types it does not know.

    Besides the standard JSON types it serializes:

    - :class:`datetime.date` and :class:`datetime.datetime` as HTTP date
      strings (:rfc:`822`, e.g. ``"Wed, 21 Oct 2015 07:28:00 GMT"``);
    - :class:`uuid.UUID` and :class:`decimal.Decimal` as strings;
    - dataclass instances as dicts, via :func:`dataclasses.asdict`;
    - anything with an ``__html__`` method (like :class:`markupsafe.Markup`)
      as the string that method returns.

    The settings below are class attributes: change them on a subclass, or on
    the app's instance, e.g. ``app.json.sort_keys = False``.
    """

    #: Called with each object :mod:`json` cannot encode; returns a JSON-able
    #: value or raises :exc:`TypeError`.
    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)

    #: Escape non-ASCII characters as ``\uXXXX``. Turn off for smaller output.
    ensure_ascii = True

    #: Sort object keys, which makes output stable (useful for caching). All
    #: keys must then be strings of the same type to compare.
    sort_keys = True

    #: Layout of :meth:`response` bodies: ``True`` for no whitespace, ``False``
    #: for two-space indentation, ``None`` for indented in debug mode only.
    compact: bool | None = None

    #: The mimetype of :meth:`response`.
    mimetype = "application/json"

    _last_encoder: tuple[t.Any, tuple[bool, bool, bool], _Encode] | None = None

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string with :func:`json.dumps`.

        :attr:`default`, :attr:`ensure_ascii` and :attr:`sort_keys` are used
        unless ``kwargs`` gives them; other ``kwargs`` (``indent``,
        ``separators``, ``cls``, ...) are passed to :func:`json.dumps`.
        """
        default = kwargs.pop("default", self.default)
        ensure_ascii = kwargs.pop("ensure_ascii", self.ensure_ascii)
        sort_keys = kwargs.pop("sort_keys", self.sort_keys)
        if kwargs.keys() <= _ENCODER_ARGS:
            encode = _encoder_for(
                default, ensure_ascii, sort_keys, tuple(kwargs.items())
            )
            if encode is not None:
                return encode(obj)
        return json.dumps(
            obj,
            default=default,
            ensure_ascii=ensure_ascii,
            sort_keys=sort_keys,
            **kwargs,
        )

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse JSON text or UTF-8 bytes with :func:`json.loads`.

        A document nested deeper than Python can decode raises
        :exc:`ValueError` like any other invalid document (a request body
        answers 400), not :exc:`RecursionError`.
        """
        try:
            if not kwargs and type(s) is bytes and _plainly_utf8(s):
                # What json.loads does with such bytes, without its checks.
                return _DECODER.decode(s.decode("utf-8", "surrogatepass"))
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError(
                "the document is nested too deeply to decode; flatten it"
            ) from None

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments as JSON and wrap them in a response.

        Arguments work as in :meth:`JSONProvider.response`. The body ends with
        a newline, the mimetype is :attr:`mimetype`, and :attr:`compact`
        chooses the layout (indented in debug mode by default).
        """
        if len(args) == 1 and not kwargs:
            obj = args[0]  # the common case: one value, as it is
        else:
            obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self._body(obj), mimetype=self.mimetype)

    def _body(self, obj: t.Any) -> str:
        # The text of a response body for ``obj``, newline included.
        compact = self.compact
        if compact is None:
            compact = not self._app.debug
        default, ensure_ascii, sort_keys = (
            self.default,
            self.ensure_ascii,
            self.sort_keys,
        )
        if (
            "dumps" not in self.__dict__
            and type(self).dumps is DefaultJSONProvider.dumps
        ):
            # dumps() is not overridden, so encode directly with the same
            # settings; the encoder for the last settings seen is kept at hand.
            last = self._last_encoder
            if (
                last is not None
                and last[0] is default
                and last[1] == (compact, ensure_ascii, sort_keys)
            ):
                return f"{last[2](obj)}\n"
            layout = _COMPACT if compact else _INDENTED
            encode = _encoder_for(default, ensure_ascii, sort_keys, layout)
            if encode is not None:
                self._last_encoder = (
                    default,
                    (compact, ensure_ascii, sort_keys),
                    encode,
                )
                return f"{encode(obj)}\n"
        layout = _COMPACT if compact else _INDENTED
        return f"{self.dumps(obj, **dict(layout))}\n"
