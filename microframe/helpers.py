"""Functions views call: ``url_for``, ``redirect``, ``abort``, ``flash``, files."""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from contextlib import ExitStack
from functools import wraps

import werkzeug.utils
from werkzeug.exceptions import abort as _wz_abort
from werkzeug.utils import redirect as _wz_redirect

from .globals import _cv_app, _cv_request, current_app, request, request_ctx, session
from .signals import message_flashed

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response as BaseResponse

    from .ctx import AppContext, RequestContext
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
        chunks = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:
        # Not iterable: a generator function used as a decorator.
        return _streaming_function(generator_or_function)  # type: ignore[arg-type]
    req_ctx = _cv_request.get(None)
    if req_ctx is None:
        raise RuntimeError(
            "stream_with_context() needs an active request context, but there is"
            " none. Call it inside the view that returns the streamed response."
        )
    return _replay_in_contexts(_cv_app.get(), req_ctx, chunks)


def _streaming_function(
    func: t.Callable[..., t.Iterator[t.AnyStr]],
) -> t.Callable[..., t.Iterator[t.AnyStr]]:
    """``func`` whose generators keep the request context (the decorator form)."""

    @wraps(func)
    def call_in_context(*args: t.Any, **kwargs: t.Any) -> t.Iterator[t.AnyStr]:
        return stream_with_context(func(*args, **kwargs))

    return call_in_context


def _replay_in_contexts(
    app_ctx: AppContext, req_ctx: RequestContext, chunks: t.Iterator[t.AnyStr]
) -> t.Iterator[t.AnyStr]:
    """Yield ``chunks`` with both contexts pushed; close ``chunks`` when done.

    The contexts are pushed when the server starts consuming the stream, not
    when the view wraps it: an async view runs in an event loop whose
    contextvars the server's iteration does not share, so a push made there
    could not be popped here. The app context goes first so that ``g`` is the
    view's. On exit the stream is closed first, then the contexts are popped.
    """
    with ExitStack() as stack:
        stack.enter_context(app_ctx)
        stack.enter_context(req_ctx)
        close = getattr(chunks, "close", None)
        if close is not None:
            stack.callback(close)
        yield from chunks


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, e.g. to add headers.

    Takes what a view may return (a body, ``(body, status)``,
    ``(body, status, headers)``, ...); with no arguments it returns an empty
    response.
    """
    match args:
        case ():
            return current_app.response_class()
        case (view_result,):
            # One argument is what the view returned, possibly itself a tuple.
            return current_app.make_response(view_result)
        case _:
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
    ctx = _cv_app.get(None)
    app = current_app if ctx is None else ctx.app  # the proxy explains a miss
    return app.url_for(
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
    session["_flashes"] = [*session.get("_flashes", ()), (category, message)]
    if message_flashed.receivers:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def _flashes_of_this_request() -> list[tuple[str, str]]:
    """The flashed messages; taken out of the session on the request's first read.

    They stay on the request context, so every later read in the same request
    sees them too, and the session no longer carries them to the next one.
    """
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    if ctx.flashes is None:
        # ``in`` first: a session that cannot store values (no SECRET_KEY)
        # still answers membership but refuses ``pop``.
        ctx.flashes = session.pop("_flashes") if "_flashes" in session else []
    return ctx.flashes  # type: ignore[no-any-return]


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Pop the flashed messages from the session (cached for the request).

    With ``with_categories=True`` each item is ``(category, message)``;
    ``category_filter`` keeps only the given categories.
    """
    pairs = _flashes_of_this_request()
    if category_filter:
        pairs = [pair for pair in pairs if pair[0] in category_filter]
    return pairs if with_categories else [message for _, message in pairs]


def _app_file_options(max_age: t.Any) -> dict[str, t.Any]:
    """What werkzeug's file senders need from the current app and request.

    ``max_age=None`` means the app's ``get_send_file_max_age`` decides.
    """
    app = current_app
    return {
        "environ": request.environ,
        "use_x_sendfile": app.config["USE_X_SENDFILE"],
        "response_class": app.response_class,
        "_root_path": app.root_path,
        "max_age": app.get_send_file_max_age if max_age is None else max_age,
    }


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
        path_or_file,  # type: ignore[arg-type]
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=conditional,
        etag=etag,
        last_modified=last_modified,
        **_app_file_options(max_age),
    )


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send ``path`` from inside ``directory``; a path that escapes it is a 404.

    Safe for user-given paths. Keyword arguments are those of :func:`send_file`.
    """
    options = {**kwargs, **_app_file_options(kwargs.get("max_age"))}
    return werkzeug.utils.send_from_directory(  # type: ignore[return-value]
        directory, path, **options
    )


def get_root_path(import_name: str) -> str:
    """The folder of a module or package, to find resources relative to it.

    Falls back to the current working directory for ``__main__`` in an
    interactive session (a notebook or the REPL), where there is no file.
    """
    filename = _module_file(import_name)
    if filename is None:
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


def _module_file(import_name: str) -> str | None:
    """The file module ``import_name`` was (or would be) loaded from.

    ``None`` when Python knows no way to load it (``__main__`` in a REPL or a
    notebook). A module imported already answers with its ``__file__``; else
    the loader is asked without importing, and only a loader that cannot say
    (e.g. a namespace package's) makes us import it.

    :raises RuntimeError: the module loads but has no file.
    """
    loaded = getattr(sys.modules.get(import_name), "__file__", None)
    if loaded is not None:
        return t.cast(str, loaded)
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    loader = None if spec is None else spec.loader
    if loader is None:
        return None
    ask_loader = getattr(loader, "get_filename", None)
    if ask_loader is not None:
        filename = ask_loader(import_name)
    else:
        filename = getattr(importlib.import_module(import_name), "__file__", None)
    if filename is None:
        raise RuntimeError(
            f"Cannot find the folder of module {import_name!r}: it has no"
            " __file__ (a namespace package?). Pass root_path=... explicitly."
        )
    return t.cast(str, filename)


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
