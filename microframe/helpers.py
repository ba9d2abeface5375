"""Functions views call: ``url_for``, ``redirect``, ``abort``, ``flash``, files."""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from functools import update_wrapper

import werkzeug.utils
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect

from .globals import _cv_app, _cv_request, current_app, request, request_ctx, session
from .signals import message_flashed

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response as BaseResponse

    from .wrappers import Response


def get_debug_flag() -> bool:
    """Whether ``MICROFRAME_DEBUG`` asks for debug mode (unset or ``0``: no)."""
    value = os.environ.get("MICROFRAME_DEBUG")
    return bool(value and value.lower() not in {"0", "false", "no"})


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files: ``MICROFRAME_SKIP_DOTENV`` set to 1 says no."""
    value = os.environ.get("MICROFRAME_SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in {"0", "false", "no"}


@t.overload
def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr],
) -> t.Iterator[t.AnyStr]: ...


@t.overload
def stream_with_context(
    generator_or_function: t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Callable[[t.Iterator[t.AnyStr]], t.Iterator[t.AnyStr]]: ...


def stream_with_context(
    generator_or_function: t.Iterator[t.AnyStr] | t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Iterator[t.AnyStr] | t.Callable[[t.Iterator[t.AnyStr]], t.Iterator[t.AnyStr]]:
    """Keep the request context active while a streamed response is generated.

    Wrap a generator (or decorate a generator function) so that ``request``,
    ``session`` and ``g`` still work after the view has returned::

        @app.route("/stream")
        def stream():
            @stream_with_context
            def generate():
                yield f"Hello {request.args['name']}!"
            return generate()

    The contexts are pushed again while the stream is consumed, so teardown
    functions run when the view returns and once more when the stream ends.
    """
    try:
        gen = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            gen = generator_or_function(*args, **kwargs)  # type: ignore[operator]
            return stream_with_context(gen)

        return update_wrapper(decorator, generator_or_function)  # type: ignore[arg-type]

    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "stream_with_context() needs an active request context, but there is"
            " none. Call it inside the view that returns the streamed response."
        )
    req_ctx = ctx
    app_ctx = _cv_app.get()

    def generator() -> t.Iterator[t.AnyStr]:
        # Push the contexts when the server consumes the stream, not now: an
        # async view runs in an event loop whose contextvars the server's
        # iteration does not share, so a push made here could not be popped
        # there. The app context goes first so that its ``g`` is the view's.
        with app_ctx, req_ctx:
            try:
                yield from gen
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()

    return generator()


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, e.g. to add headers.

    Takes what a view may return (a body, ``(body, status)``,
    ``(body, status, headers)``, ...); with no arguments it returns an empty
    response.
    """
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of an endpoint with ``values`` for its rule's variables.

    Unknown values are added as query arguments. ``.name`` is relative to the
    current blueprint. ``_external=True`` gives an absolute URL; outside a
    request that needs ``SERVER_NAME``.

    >>> from microframe import Microframe
    >>> app = Microframe("shop")
    >>> @app.route("/items/<int:item_id>")
    ... def item(item_id):
    ...     return str(item_id)
    >>> with app.test_request_context():
    ...     url_for("item", item_id=3, page=2)
    ...     url_for("item", item_id=3, _external=True, _anchor="reviews")
    '/items/3?page=2'
    'http://localhost/items/3#reviews'
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A redirect response to ``location`` (made by the current app if any)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.redirect(location, code=code)
    return _wz_redirect(location, code=code, Response=Response)


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop the request with an HTTP error: ``abort(404)``, ``abort(403, "why")``.

    Uses the current app's ``aborter`` so custom ``aborter_class`` codes work.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _wz_abort(code, *args, **kwargs)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """Load a macro (or other exported name) from a template, to call from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


def flash(message: str, category: str = "message") -> None:
    """Store a message for the next request, read with ``get_flashed_messages``.

    ``category`` is free-form; ``"message"``, ``"error"``, ``"info"`` and
    ``"warning"`` are common. Needs a working session (a SECRET_KEY).
    """
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if message_flashed.receivers:
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Pop the flashed messages from the session (cached for the request).

    With ``with_categories=True`` each item is ``(category, message)``;
    ``category_filter`` keeps only the given categories.
    """
    flashes = request_ctx.flashes
    if flashes is None:
        flashes = session.pop("_flashes") if "_flashes" in session else []
        request_ctx.flashes = flashes
    if category_filter:
        flashes = [f for f in flashes if f[0] in category_filter]
    if not with_categories:
        return [message for _, message in flashes]
    return flashes


def _prepare_send_file_kwargs(**kwargs: t.Any) -> dict[str, t.Any]:
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = current_app.get_send_file_max_age
    kwargs.update(
        environ=request.environ,
        use_x_sendfile=current_app.config["USE_X_SENDFILE"],
        response_class=current_app.response_class,
        _root_path=current_app.root_path,
    )
    return kwargs


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: int | t.Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file (a path relative to the app's root, or a binary file object).

    Supports conditional requests (304) and ranges through werkzeug. A file
    object needs ``download_name`` or ``mimetype`` to set the Content-Type.
    Never pass a user-given path here; use :func:`send_from_directory`.
    """
    return werkzeug.utils.send_file(  # type: ignore[return-value]
        **_prepare_send_file_kwargs(
            path_or_file=path_or_file,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=conditional,
            etag=etag,
            last_modified=last_modified,
            max_age=max_age,
        )
    )


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send ``path`` from inside ``directory``; a path that escapes it is a 404.

    Safe for user-given paths. Keyword arguments are those of :func:`send_file`.
    """
    return werkzeug.utils.send_from_directory(  # type: ignore[return-value]
        directory, path, **_prepare_send_file_kwargs(**kwargs)
    )


def get_root_path(import_name: str) -> str:
    """The folder of a module or package, to find resources relative to it.

    Falls back to the current working directory for ``__main__`` in an
    interactive session (a notebook or the REPL), where there is no file.
    """
    mod = sys.modules.get(import_name)
    if mod is not None and hasattr(mod, "__file__") and mod.__file__ is not None:
        return os.path.dirname(os.path.abspath(mod.__file__))
    try:
        spec = importlib.util.find_spec(import_name)
        if spec is None:
            raise ValueError
    except (ImportError, ValueError):
        loader = None
    else:
        loader = spec.loader
    if loader is None:
        return os.getcwd()
    if hasattr(loader, "get_filename"):
        filepath = loader.get_filename(import_name)
    else:
        __import__(import_name)
        mod = sys.modules[import_name]
        filepath = getattr(mod, "__file__", None)
        if filepath is None:
            raise RuntimeError(
                f"Cannot find the folder of module {import_name!r}: it has no"
                " __file__ (a namespace package?). Pass root_path=... explicitly."
            )
    return os.path.dirname(os.path.abspath(t.cast(str, filepath)))


__all__ = [
    "abort",
    "flash",
    "get_flashed_messages",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
