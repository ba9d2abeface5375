"""JSON helpers that follow the current app's JSON provider.

Inside an app context, :func:`dumps`, :func:`dump`, :func:`loads` and
:func:`load` call the matching method of ``current_app.json``, so an app's
provider settings (sorted keys, extra types, another JSON library) apply
everywhere. Outside one they use the standard library's :mod:`json`, with the
extra types of :class:`~microframe.json.provider.DefaultJSONProvider` still
supported when dumping. :func:`jsonify` builds a response and so needs an app.
"""

from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app, _no_app_msg
from .provider import _default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string.

    Uses ``current_app.json.dumps`` in an app context, else :func:`json.dumps`
    with dates, UUIDs, decimals, dataclasses and ``__html__`` objects handled.
    ``kwargs`` are passed on.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` as JSON and write it to the text file ``fp``.

    Uses ``current_app.json.dump`` in an app context, else :func:`json.dump`
    with the same extra types as :func:`dumps`. ``fp`` should use UTF-8.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Parse a JSON document given as text or UTF-8 bytes.

    Uses ``current_app.json.loads`` in an app context, else :func:`json.loads`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Parse the JSON document read from ``fp`` (text or UTF-8 bytes).

    Uses ``current_app.json.load`` in an app context, else :func:`json.load`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Return a JSON response (mimetype ``application/json``) of the arguments.

    Give either positional or keyword arguments, not both: no arguments
    serialize ``None``, one positional argument is serialized as is, several
    as a list, and keyword arguments as an object. Views may also just return
    a dict or list, which is converted the same way.

    This calls ``current_app.json.response``, so it needs an active app (or
    request) context; in debug mode the output is indented by default.

    >>> from microframe import Microframe
    >>> with Microframe("api").app_context():
    ...     response = jsonify(id=7, tags=["a", "b"])
    >>> response.mimetype, response.get_json()
    ('application/json', {'id': 7, 'tags': ['a', 'b']})

    :raises RuntimeError: no app context is active.
    """
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(_no_app_msg)
    return app_ctx.app.json.response(*args, **kwargs)
