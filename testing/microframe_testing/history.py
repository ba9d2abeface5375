"""The ordered record of exchanges a client or live server made: :class:`History`."""

from __future__ import annotations

import fnmatch
import os
import typing as t
from collections.abc import Container, Sequence

if t.TYPE_CHECKING:  # pragma: no cover
    from .exchange import Exchange


class History(Sequence["Exchange"]):
    """Exchanges in the order their requests started; filterable and clearable.

    It is a sequence: ``history[-1]``, ``len(history)``, ``for exchange in
    history`` (over a copy, so server threads may append meanwhile).
    """

    def __init__(self, exchanges: t.Iterable[Exchange] = ()) -> None:
        self._exchanges: list[Exchange] = list(exchanges)
        # list.append and list.clear are atomic: no lock is needed.
        self._append = self._exchanges.append

    @t.overload
    def __getitem__(self, index: int) -> Exchange: ...

    @t.overload
    def __getitem__(self, index: slice) -> History: ...

    def __getitem__(self, index: int | slice) -> Exchange | History:
        if isinstance(index, slice):
            return History(self._exchanges[index])
        return self._exchanges[index]

    def __len__(self) -> int:
        return len(self._exchanges)

    def __iter__(self) -> t.Iterator[Exchange]:
        return iter(list(self._exchanges))

    @property
    def last(self) -> Exchange:
        """The latest exchange; ``LookupError`` when nothing was recorded."""
        if not self._exchanges:
            raise LookupError(
                "No exchange was recorded: no request has been made since the"
                " history was created or cleared (or recording was paused)."
            )
        return self._exchanges[-1]

    def filter(
        self,
        *,
        endpoint: str | None = None,
        method: str | None = None,
        status: int | Container[int] | None = None,
        path: str | None = None,
    ) -> History:
        """The exchanges that match every given criterion, as a new history.

        ``status`` is a code or a container of codes (``range(400, 500)``);
        ``path`` is a path or a shell-style pattern (``"/users/*"``) matched
        against the path without its query string; ``method`` ignores case.
        """
        if method is not None:
            method = method.upper()
        codes: Container[int | None] | None
        codes = (status,) if isinstance(status, int) else status

        def matches(exchange: Exchange) -> bool:
            return (
                (endpoint is None or exchange.endpoint == endpoint)
                and (method is None or exchange.method == method)
                and (codes is None or exchange.status_code in codes)
                and (path is None or fnmatch.fnmatchcase(exchange.path, path))
            )

        return History(ex for ex in self if matches(ex))

    def clear(self) -> None:
        """Forget every exchange recorded so far."""
        self._exchanges.clear()

    def to_har(self, path: str | os.PathLike[str] | None = None) -> dict[str, t.Any]:
        """The exchanges as a HAR 1.2 document; written to ``path`` when given.

        Open the file in a browser's network panel (import HAR) to look at the
        traffic of a test, or keep it as an artifact of a failing CI run.
        """
        from .har import to_har

        return to_har(self, path)

    def __repr__(self) -> str:
        if not self._exchanges:
            return "<History (empty)>"
        lines = "\n".join(f"  {ex.summary()}" for ex in self)
        return f"<History of {len(self)}:\n{lines}>"
