"""Tagged JSON: lossless JSON for values plain JSON cannot tell apart.

JSON has no tuples, bytes, UUIDs, datetimes or HTML markup, and decoding turns
them all into lists and strings. :class:`TaggedJSONSerializer` wraps such values
in a one-key object whose key names the type, ``{" t": [1, 2]}`` for the tuple
``(1, 2)``, and unwraps them when loading. The session cookie uses it, and its
format is the one Flask writes, so a cookie signed by a Flask app with the same
secret key loads here.

The serializer can learn new types. Each type is a :class:`JSONTag` subclass
with a unique :attr:`~JSONTag.key`; tags are tried in order, so a tag for a
subclass of a known type must come first::

    from collections import OrderedDict

    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from . import dumps, loads


class JSONTag:
    """Base class for one type that :class:`TaggedJSONSerializer` can round-trip.

    A subclass sets :attr:`key` and implements :meth:`check`, :meth:`to_json`
    and :meth:`to_python`. It is created by
    :meth:`TaggedJSONSerializer.register`, which passes the serializer in, so
    :meth:`to_json` can tag nested values with ``self.serializer.tag``.
    """

    __slots__ = ("serializer",)

    #: The key that marks values of this type. A tag with an empty key only
    #: transforms values on the way out (like the dict and list pass-through
    #: tags) and is never looked up when loading.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        """Bind the tag to the serializer it belongs to."""
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Return whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Convert ``value`` to a JSON-compatible value, without the tag."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Convert the JSON value stored under the tag back to the Python type."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> dict[str, t.Any]:
        """Convert ``value`` with :meth:`to_json` and wrap it under :attr:`key`."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """Protect a one-key dict whose key looks like a tag.

    ``{" t": 1}`` would load as a tuple tag, so it is stored with its key
    suffixed by ``"__"`` under the ``" di"`` tag, and the suffix is removed
    when loading.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        ((key, item),) = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: t.Any) -> t.Any:
        ((key, item),) = value.items()
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Tag the values of an ordinary dict; the dict itself needs no tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        # JSON object keys are always strings, so only the values are tagged.
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """Store a tuple as a tagged list, so it loads as a tuple again."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """Tag the items of a list; the list itself needs no tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Store bytes as a base64 string."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Store anything with an ``__html__`` method as that HTML string.

    It always loads as :class:`~markupsafe.Markup`, whatever type was stored.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """Store a UUID as its 32-digit hex string."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """Store a datetime as an HTTP date string (whole seconds, UTC).

    It loads as a timezone-aware datetime in UTC; a naive datetime is taken
    to be UTC already.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        return parse_date(value)


# Exact types no default tag handles (bool is an int, but checked exactly).
_SCALARS = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSerializer:
    """Dump and load JSON that keeps tuples, bytes, markup, UUIDs and datetimes.

    Dicts and lists are walked so nested values are tagged too. It has the
    ``dumps``/``loads`` pair that :mod:`itsdangerous` serializers expect, which
    is how the session interface uses it. More types can be added with
    :meth:`register`.
    """

    __slots__ = ("_stock", "order", "tags")

    #: The tag classes every new serializer registers, in order.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        #: Registered tags by key, used when loading.
        self.tags: dict[str, JSONTag] = {}
        #: All tags in the order they are tried when dumping.
        self.order: list[JSONTag] = []
        self._stock: tuple[tuple[int, int], bool] = ((0, -1), False)
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Add a tag type, created with this serializer.

        ``index`` is where it goes in the order tags are tried (the end by
        default); a tag for a subclass of a handled type must come before that
        type's tag. ``force=True`` replaces a registered tag with the same key.

        :raises KeyError: a tag with the same key is registered and ``force``
            is false.
        """
        tag = tag_class(self)
        if tag.key:
            self._claim_key(tag, force)
        self.order.insert(len(self.order) if index is None else index, tag)

    def _claim_key(self, tag: JSONTag, force: bool) -> None:
        """Make ``tag`` the one that loads values stored under its key."""
        holder = self.tags.get(tag.key)
        if holder is not None and not force:
            name = type(tag).__name__
            raise KeyError(
                f"Cannot register {name}: the tag key {tag.key!r} is already"
                f" registered by {type(holder).__name__}. Give {name} a different"
                " key, or pass force=True to register() to replace the existing tag."
            )
        self.tags[tag.key] = tag

    def tag(self, value: t.Any) -> t.Any:
        """Return ``value`` as JSON-compatible data, tagging what needs it."""
        kind = type(value)
        if kind in _SCALARS and self._stock_order():
            return value  # no default tag claims a plain str, number or None
        if kind is dict and self._flat_untagged(value):
            return value  # what PassDict makes of it: the same keys and values
        handler = next((tag for tag in self.order if tag.check(value)), None)
        return value if handler is None else handler.tag(value)

    def _flat_untagged(self, value: dict[t.Any, t.Any]) -> bool:
        # A dict of plain scalars that the default tags pass through as it is
        # (unless its only key looks like a tag, which TagDict protects).
        if len(value) == 1 and next(iter(value)) in self.tags:
            return False
        scalars = _SCALARS
        return self._stock_order() and all(
            type(item) in scalars for item in value.values()
        )

    def _stock_order(self) -> bool:
        # Whether only the default tags are registered, in their order; the
        # answer is kept until the order list changes (length or identity).
        seen = (id(self.order), len(self.order))
        if self._stock[0] != seen:
            stock = [type(tag) for tag in self.order] == self.default_tags
            self._stock = (seen, stock)
        return self._stock[1]

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Turn a one-key tagged dict back into its Python value.

        Any other dict, including one whose only key is not a registered tag,
        is returned unchanged.
        """
        if len(value) == 1:
            ((key, payload),) = value.items()
            handler = self.tags.get(key)
            if handler is not None:
                return handler.to_python(payload)
        return value

    def _untag_tree(self, value: t.Any) -> t.Any:
        """Untag ``value`` and everything nested in it, innermost first."""
        match value:
            case dict():
                inner = {key: self._untag_tree(item) for key, item in value.items()}
                return self.untag(inner)
            case list():
                return [self._untag_tree(item) for item in value]
            case _:
                return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialize it to compact JSON."""
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Parse JSON and turn every tagged value back into its Python type."""
        return self._untag_tree(loads(value))
