"""Errors that explain common mistakes, raised in debug mode only."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Request


class DebugFilesKeyError(KeyError, AssertionError):
    """A missing ``request.files`` key in a form that was not sent as multipart."""

    def __init__(self, request: Request, key: str) -> None:
        sent = request.form.getlist(key)
        message = (
            f"request.files has no file {key!r}: the form was sent as"
            f" {request.mimetype!r}, not 'multipart/form-data', so no file contents"
            ' arrived. Add enctype="multipart/form-data" to the <form> tag.'
        )
        if sent:
            message += " The browser sent only the file name(s): " + ", ".join(
                repr(name) for name in sent
            )
        super().__init__(message)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` explain a missing multipart enctype in debug."""
    files_class = type(request.files)

    class ExplainingFiles(files_class):  # type: ignore[valid-type,misc]
        def __getitem__(self, key: str) -> t.Any:
            # A name the form sent as text, but no file under it: the form
            # lacked the multipart enctype, so only the file name came through.
            if key not in self and key in request.form:
                raise DebugFilesKeyError(request, key)
            return super().__getitem__(key)

    request.files.__class__ = ExplainingFiles
