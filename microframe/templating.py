"""Rendering templates: :func:`render_template` and friends, and the app's
template setup (``app.jinja_env``, ``app.template_filter``, ...).

They render with the current app's environment (``app.jinja_env``, see
:mod:`microframe.environment`), fill the context from the context processors
and send the ``before_render_template`` and ``template_rendered`` signals.
jinja2 itself is imported when the app first needs its environment, so an app
that renders no template never loads it.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from itertools import chain

from werkzeug.utils import cached_property

from . import typing as ft
from .globals import _cv_app, _cv_request, g, request, session
from .helpers import get_flashed_messages, stream_with_context
from .scaffold import register_named, setupmethod
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Template

    from .app import Microframe
    from .environment import DispatchingJinjaLoader as DispatchingJinjaLoader
    from .environment import Environment as Environment


def _default_template_ctx_processor() -> dict[str, t.Any]:
    """Put the concrete ``g`` and ``request`` objects into the template context.

    Templates then reach them without going through the proxies. Each is added
    only when its context is active, so templates also render outside a request.
    ``session`` is deliberately left to the ``session`` global: fetching it here
    would mark the session as accessed (and add ``Vary: Cookie``) on every render.
    """
    rv: dict[str, t.Any] = {}
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        rv["g"] = app_ctx.g
    req_ctx = _cv_request.get(None)
    if req_ctx is not None:
        rv["request"] = req_ctx.request
    return rv


def _app_for(function: str) -> Microframe:
    """Return the current app, or explain that *function* needs an app context."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(
            f"{function}() was called outside of an application context: it renders"
            " with the current app's Jinja environment. Call it from a view, or"
            " push a context first:\n\n    with app.app_context():\n        ..."
        )
    return app_ctx.app


def _fill(template: Template, context: dict[str, t.Any]) -> str:
    """``template.render(context)``, without re-reading the globals key by key.

    A template's globals are a ``ChainMap`` over the environment's globals; Jinja
    copies it into every render's context one lookup at a time. When the template
    adds no globals of its own, the environment's dict is the same mapping and
    copies at C speed. Async environments and templates with their own globals
    take Jinja's path.
    """
    env = template.environment
    layers = getattr(template.globals, "maps", None)
    if env.is_async or layers is None or len(layers) != 2 or layers[0]:
        return template.render(context)
    shared = layers[1]
    ctx = env.context_class(
        env, {**shared, **context}, template.name, template.blocks, globals=shared
    )
    try:
        return env.concat(template.root_render_func(ctx))
    except Exception:
        env.handle_exception()


def _announce(
    app: Microframe,
    signal: t.Any,
    template: Template,
    context: dict[str, t.Any],
) -> None:
    """Send a rendering signal, skipping the work when nobody listens."""
    if signal.receivers:
        signal.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )


def _prepare(app: Microframe, template: Template, context: dict[str, t.Any]) -> None:
    """Add the context processors' values, then say the render is about to start."""
    app.update_template_context(context)
    _announce(app, before_render_template, template, context)


def _render(app: Microframe, template: Template, context: dict[str, t.Any]) -> str:
    _prepare(app, template, context)
    html = _fill(template, context)
    _announce(app, template_rendered, template, context)
    return html


def _stream(
    app: Microframe, template: Template, context: dict[str, t.Any]
) -> cabc.Iterator[str]:
    _prepare(app, template, context)
    chunks = _chunks_then_announce(app, template, context)
    if _cv_request.get(None) is None:
        return chunks
    # In a request, keep its context alive while the response body is generated.
    return stream_with_context(chunks)


def _chunks_then_announce(
    app: Microframe, template: Template, context: dict[str, t.Any]
) -> cabc.Iterator[str]:
    """The template's output, with ``template_rendered`` sent after the last chunk."""
    yield from template.generate(context)
    _announce(app, template_rendered, template, context)


def _by_name(
    function: str, name_or_list: str | Template | list[str | Template]
) -> tuple[Microframe, Template]:
    """The current app and the template it finds for ``name_or_list``."""
    app = _app_for(function)
    return app, app.jinja_env.get_or_select_template(name_or_list)


def _from_source(function: str, source: str) -> tuple[Microframe, Template]:
    """The current app and ``source`` compiled by its environment (cached)."""
    app = _app_for(function)
    return app, app.jinja_env._from_string_cached(source)


def render_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> str:
    """Render a template from the app's template folders with *context*.

    :param template_name_or_list: The template name (or a ``Template``). Given a
        list, the first template that exists is rendered.
    :param context: Variables for the template. They take precedence over the
        values context processors provide.
    :raises jinja2.TemplateNotFound: if the template does not exist.
    """
    return _render(*_by_name("render_template", template_name_or_list), context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render the template source *source* with *context*.

    The source is compiled once and the compiled template reused for later calls
    with the same source (the app's environment keeps the 128 most recent).
    Autoescaping is on, as for ``.html`` templates.

    :param source: The Jinja source to render.
    :param context: Variables for the template.
    """
    return _render(*_from_source("render_template_string", source), context)


def stream_template(
    template_name_or_list: str | Template | list[str | Template],
    **context: t.Any,
) -> cabc.Iterator[str]:
    """Render a template like :func:`render_template`, as an iterator of strings.

    Return it from a view to stream the response. Inside a request the request
    context stays available until the stream is exhausted; ``template_rendered``
    is sent after the last chunk.
    """
    return _stream(*_by_name("stream_template", template_name_or_list), context)


def stream_template_string(source: str, **context: t.Any) -> cabc.Iterator[str]:
    """Render template source like :func:`render_template_string`, as a stream.

    See :func:`stream_template` for how the stream behaves.
    """
    return _stream(*_from_source("stream_template_string", source), context)


def __getattr__(name: str) -> t.Any:
    # The environment and loader classes live in microframe.environment, which
    # imports jinja2; it is imported when an app first renders a template.
    if name in {"Environment", "DispatchingJinjaLoader"}:
        from . import environment

        return getattr(environment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- the app's template setup: methods of Microframe, bound in its class body --

T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)


@cached_property
def jinja_env(app: Microframe) -> Environment:
    """The Jinja environment, created from :attr:`jinja_options` on first use."""
    return app.create_jinja_environment()


def create_jinja_environment(app: Microframe) -> Environment:
    """Build the Jinja environment with microframe's globals and autoescaping."""
    options = dict(app.jinja_options)
    options.setdefault("autoescape", app.select_jinja_autoescape)
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        options["auto_reload"] = app.debug if auto_reload is None else auto_reload
    env = app.jinja_environment(app, **options)
    env.globals.update(
        url_for=app.url_for,
        get_flashed_messages=get_flashed_messages,
        config=app.config,
        request=request,
        session=session,
        g=g,
    )
    env.policies["json.dumps_function"] = app.json.dumps
    return env


def create_global_jinja_loader(app: Microframe) -> t.Any:
    """The loader that searches the app's and then each blueprint's templates."""
    from .environment import DispatchingJinjaLoader

    return DispatchingJinjaLoader(app)


def select_jinja_autoescape(app: Microframe, filename: str | None) -> bool:
    """Autoescape string templates and .html/.htm/.xml/.xhtml/.svg files."""
    if filename is None:
        return True
    return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))


def update_template_context(app: Microframe, context: dict[str, t.Any]) -> None:
    """Add what the context processors return; explicit values win."""
    processors = app.template_context_processors
    names: t.Iterable[str | None] = (None,)
    ctx = _cv_request.get(None)
    if ctx is not None and len(processors) > (None in processors):
        # Some blueprint has processors: the request's blueprints' run too.
        names = chain(names, reversed(ctx.request.blueprints))
    provided: dict[str, t.Any] = {}
    for name in names:
        for func in processors.get(name, ()):
            provided.update(app.ensure_sync(func)())
    for key, value in provided.items():
        context.setdefault(key, value)


@t.overload
def template_filter(app: Microframe, name: T_template_filter) -> T_template_filter: ...
@t.overload
def template_filter(
    app: Microframe, name: str | None = None
) -> t.Callable[[T_template_filter], T_template_filter]: ...
@setupmethod
def template_filter(
    app: Microframe, name: T_template_filter | str | None = None
) -> T_template_filter | t.Callable[[T_template_filter], T_template_filter]:
    """Register a Jinja filter: ``@app.template_filter`` or ``("name")``."""
    return register_named(name, app.add_template_filter)


@setupmethod
def add_template_filter(
    app: Microframe, f: ft.TemplateFilterCallable, name: str | None = None
) -> None:
    """Register ``f`` as a Jinja filter named ``name`` (default: its name)."""
    app.jinja_env.filters[name or f.__name__] = f


@t.overload
def template_test(app: Microframe, name: T_template_test) -> T_template_test: ...
@t.overload
def template_test(
    app: Microframe, name: str | None = None
) -> t.Callable[[T_template_test], T_template_test]: ...
@setupmethod
def template_test(
    app: Microframe, name: T_template_test | str | None = None
) -> T_template_test | t.Callable[[T_template_test], T_template_test]:
    """Register a Jinja test: ``@app.template_test`` or ``("name")``."""
    return register_named(name, app.add_template_test)


@setupmethod
def add_template_test(
    app: Microframe, f: ft.TemplateTestCallable, name: str | None = None
) -> None:
    """Register ``f`` as a Jinja test named ``name`` (default: its name)."""
    app.jinja_env.tests[name or f.__name__] = f


@t.overload
def template_global(app: Microframe, name: T_template_global) -> T_template_global: ...
@t.overload
def template_global(
    app: Microframe, name: str | None = None
) -> t.Callable[[T_template_global], T_template_global]: ...
@setupmethod
def template_global(
    app: Microframe, name: T_template_global | str | None = None
) -> T_template_global | t.Callable[[T_template_global], T_template_global]:
    """Register a Jinja global: ``@app.template_global`` or ``("name")``."""
    return register_named(name, app.add_template_global)


@setupmethod
def add_template_global(
    app: Microframe, f: ft.TemplateGlobalCallable, name: str | None = None
) -> None:
    """Make ``f`` callable from every template as ``name`` (default: its name)."""
    app.jinja_env.globals[name or f.__name__] = f
