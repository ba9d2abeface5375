"""Rendering templates: :func:`render_template` and friends.

They render with the current app's environment (``app.jinja_env``, see
:mod:`microframe.environment`), fill the context from the context processors
and send the ``before_render_template`` and ``template_rendered`` signals.
jinja2 itself is imported when the app first needs its environment, so an app
that renders no template never loads it.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

from .globals import _cv_app, _cv_request
from .helpers import stream_with_context
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
