"""The app's logger: named after the app, with a default handler to wsgi.errors."""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .typing import AppLike


def _errors_stream() -> t.TextIO:
    ctx = _cv_request.get(None)
    if ctx is not None:
        return ctx.request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    return sys.stderr


#: The WSGI server's error stream during a request, ``sys.stderr`` outside one.
wsgi_errors_stream: t.TextIO = LocalProxy(_errors_stream)  # type: ignore[assignment]


def _loggers_reached(logger: logging.Logger) -> t.Iterator[logging.Logger]:
    """``logger``, then each ancestor its records propagate to."""
    node: logging.Logger | None = logger
    while node is not None:
        yield node
        node = node.parent if node.propagate else None


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler on ``logger`` or its ancestors shows its effective level."""
    level = logger.getEffectiveLevel()
    return any(
        handler.level <= level
        for node in _loggers_reached(logger)
        for handler in node.handlers
    )


#: Handler added to an app's logger when logging has not been configured.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: AppLike) -> logging.Logger:
    """The logger named ``app.name``; DEBUG level in debug mode, a default handler.

    The default handler is added only when nothing would otherwise show the
    logger's records, so your own logging configuration always wins.
    """
    logger = logging.getLogger(app.name)
    # Debug mode only lowers a level nobody chose; an explicit one stays.
    level_unset = logger.level == logging.NOTSET
    if level_unset and app.debug:
        logger.setLevel(logging.DEBUG)
    silent = not has_level_handler(logger)
    if silent:
        logger.addHandler(default_handler)
    return logger
