"""Reading request bodies: their length, their size limit and urlencoded forms.

:class:`~microframe.wrappers.Request` reads its body through these; they answer as
werkzeug's own readers do, with fewer steps for the common cases.
"""

from __future__ import annotations

import io
import typing as t
from urllib.parse import parse_qsl

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a urlencoded form, as werkzeug's parser reads them.

    A form with nothing escaped (no ``%`` or ``+``) is split directly; the
    rest goes through :func:`urllib.parse.parse_qsl`, blank values kept.
    """
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True, errors=URL_QUOTE)
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((name, value))
    return pairs


def content_length(environ: WSGIEnvironment) -> int | None:
    """The body's length from ``CONTENT_LENGTH``, as werkzeug reads it.

    A plain run of ASCII digits is read at once; anything else (a missing
    header, chunked encoding, a sign, spaces, junk) is werkzeug's to read.
    """
    raw = environ.get("CONTENT_LENGTH")
    if (
        raw is not None
        and raw.isdigit()
        and raw.isascii()
        and environ.get("HTTP_TRANSFER_ENCODING") != "chunked"
    ):
        return int(raw)
    return get_content_length(environ)


URLENCODED = "application/x-www-form-urlencoded"
# werkzeug's codec error handler: keeps an undecodable %-escape as it was sent.
URL_QUOTE = "werkzeug.url_quote"

# Bodies up to this size are read whole when first asked for, instead of
# through a length-limited stream: what a JSON or form post usually sends.
READ_AT_ONCE = 64 * 1024


class CappedInput(io.RawIOBase):
    """A body of unknown length that may not grow past ``limit`` bytes."""

    def __init__(self, source: t.IO[bytes], limit: int) -> None:
        self._source = source
        self._left = limit
        self._limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        # Ask for one byte more than allowed: getting it means "too large".
        wanted = min(len(buffer), self._left + 1)
        chunk = self._source.read(wanted) if wanted else b""
        if len(chunk) > self._left:
            raise RequestEntityTooLarge(
                f"The request body is longer than the {self._limit} bytes"
                " MAX_CONTENT_LENGTH allows. Send a smaller body, or raise"
                " app.config['MAX_CONTENT_LENGTH']."
            )
        self._left -= len(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)
