"""The app-bound Jinja environment and the loader that searches app and blueprints.

The app owns one :class:`Environment` (``app.jinja_env``). Its loader,
:class:`DispatchingJinjaLoader`, looks for a template in the app's
``template_folder`` first and then in each blueprint's folder in registration
order, and says which folders it searched when a template is missing.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import typing as t
from itertools import chain
from types import FunctionType, MethodType

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    TemplateNotFound,
)
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template as BaseTemplate
from jinja2.runtime import Context as BaseContext
from jinja2.utils import LRUCache
from markupsafe import escape as _escape_any

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Microframe
    from .blueprints import Blueprint

#: What a loader's ``get_source`` returns: source, filename, up-to-date check.
_Source = tuple[str, str | None, t.Callable[[], bool] | None]

#: How many compiled ``render_template_string`` sources an environment keeps.
_STRING_CACHE_SIZE = 128

try:  # markupsafe 3 escapes a str without building a Markup object
    from markupsafe import _escape_inner  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover -- markupsafe 2's escape is C code already
    _escape_inner = None  # type: ignore[assignment]

#: Every attribute an instance of exactly ``dict`` has: its class's and bases'.
_DICT_ATTRIBUTES = frozenset(name for cls in dict.__mro__ for name in vars(cls))


def _escape_output(value: t.Any) -> t.Any:
    """Escape one ``{{ ... }}`` output of an autoescaping template.

    Output values are only ever joined into the rendered text (macros, blocks and
    ``{% set %}`` blocks wrap their joined text in ``Markup`` themselves), so a
    plain ``str`` escapes without building a ``Markup`` object and an ``int``
    needs no escaping; anything else goes through :func:`markupsafe.escape`,
    ``__html__`` included.
    """
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is int:
        return str(value)  # digits and a sign: nothing to escape
    return _escape_any(value)


class Context(BaseContext):
    """The context templates render in: Jinja's, with a cheaper call.

    A template's ``{{ url_for(...) }}`` goes through :meth:`call`, which asks every
    callable whether it wants the context, the eval context or the environment
    passed in. A plain function or bound method answers that with one attribute,
    ``jinja_pass_arg``; without it, it is called directly. Everything else
    (callable objects, classes, ``@pass_context`` functions) takes Jinja's path.
    """

    def call(
        __self,  # Jinja's own signature: a callee may take a "self" keyword
        __obj: t.Callable[..., t.Any],
        *args: t.Any,
        **kwargs: t.Any,
    ) -> t.Any:
        """Call ``__obj`` from a template, passing the context if it asks for it.

        As Jinja's: a callable marked with ``jinja2.pass_context`` (or
        ``pass_eval_context``, ``pass_environment``) gets that object first,
        and a ``StopIteration`` it raises makes the value undefined.
        """
        __traceback_hide__ = True  # hides this frame in tracebacks, as Jinja does
        if type(__obj) not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration"
                " exception"
            )


_PLAIN_CALLABLES = (FunctionType, MethodType)


class Template(BaseTemplate):
    """A compiled Jinja template whose autoescaped output skips ``Markup`` objects.

    Each ``{{ ... }}`` of an autoescaping template is escaped before it is joined
    into the text; a plain ``str`` is escaped to a ``str``, an ``int`` is written
    as it is, anything else goes through :func:`markupsafe.escape`. This is set
    up when the template is created, however Jinja creates it (from source, from
    the bytecode cache or from a module loader).
    """

    @classmethod
    def _from_namespace(
        cls,
        environment: BaseEnvironment,
        namespace: t.MutableMapping[str, t.Any],
        globals: t.MutableMapping[str, t.Any],
    ) -> BaseTemplate:
        if _escape_inner is not None and namespace.get("escape") is _escape_any:
            namespace["escape"] = _escape_output
        return super()._from_namespace(environment, namespace, globals)


class Environment(BaseEnvironment):
    """A Jinja environment that belongs to a microframe app.

    Unless a ``loader`` is passed, it loads templates through
    ``app.create_global_jinja_loader()``, which searches the app's and the
    blueprints' template folders. The app is available as :attr:`app`.

    It renders what Jinja renders, faster: :class:`Context` calls plain
    functions directly, :class:`Template` escapes output without ``Markup``
    objects, and :meth:`getattr` reads ``row.title`` from a ``dict`` without
    first failing an attribute lookup.
    """

    context_class = Context
    template_class = Template

    def __init__(self, app: Microframe, **options: t.Any) -> None:
        self.app = app
        self._string_templates = LRUCache(_STRING_CACHE_SIZE)
        if "loader" in options:
            super().__init__(**options)
        else:
            super().__init__(loader=app.create_global_jinja_loader(), **options)

    def getattr(self, obj: t.Any, attribute: str) -> t.Any:
        """``obj.attribute`` in a template: the attribute, else the item.

        The answer is Jinja's. For an object of exactly ``dict``, whose attributes
        are known, a name that is not one of them is looked up as a key at once,
        without first failing an attribute lookup.
        """
        if type(obj) is not dict or attribute in _DICT_ATTRIBUTES:
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def overlay(self, *args: t.Any, **kwargs: t.Any) -> Environment:
        """Create an overlay environment, as :meth:`jinja2.Environment.overlay`.

        The overlay gets its own cache of compiled template strings, since its
        options (autoescaping, delimiters, ...) may compile a source differently.
        """
        rv = super().overlay(*args, **kwargs)
        rv._string_templates = LRUCache(_STRING_CACHE_SIZE)
        return rv

    def _from_string_cached(self, source: str) -> BaseTemplate:
        """Compile *source* into a template, reusing an earlier compile of it.

        Filters, tests and globals are looked up when a template renders, so a
        cached template sees the ones registered after it was compiled.
        """
        if not isinstance(source, str):
            # An AST node or another odd value: let Jinja handle (or reject) it.
            return self.from_string(source)
        template: BaseTemplate | None = self._string_templates.get(source)
        if template is None:
            template = self.from_string(source)
            self._string_templates[source] = template
        return template


class DispatchingJinjaLoader(BaseLoader):
    """Load templates from the app's folder first, then from each blueprint's.

    Blueprints are searched in the order they were registered, so the first
    folder holding a template name wins. With the ``EXPLAIN_TEMPLATE_LOADING``
    config key set, every lookup is logged to ``app.logger`` at INFO level.
    """

    def __init__(self, app: Microframe) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> _Source:
        """Return the source of *template* from the first loader that has it.

        :raises jinja2.TemplateNotFound: if no loader has it; the message lists
            every folder that was searched.
        """
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise self._not_found(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> _Source:
        """Try every loader, log what each one did, and return the first match."""
        attempts: list[tuple[Microframe | Blueprint, BaseLoader, _Source | None]] = []
        for owner, loader in self._iter_loaders():
            try:
                rv: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                rv = None
            attempts.append((owner, loader, rv))
        self.app.logger.info(self._explain(template, attempts))
        for _owner, _loader, found in attempts:
            if found is not None:
                return found
        raise self._not_found(template)

    def _iter_loaders(self) -> cabc.Iterator[tuple[Microframe | Blueprint, BaseLoader]]:
        """Yield ``(owner, loader)`` for the app, then each blueprint, that has one."""
        owners: cabc.Iterable[Microframe | Blueprint] = chain(
            (self.app,), self.app.iter_blueprints()
        )
        with_loaders = ((owner, owner.jinja_loader) for owner in owners)
        return ((owner, loader) for owner, loader in with_loaders if loader is not None)

    def list_templates(self) -> list[str]:
        """Return the names of all templates the app and its blueprints provide.

        A name provided by several folders is listed once. The list is sorted.
        """
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)

    def _describe_owner(self, owner: Microframe | Blueprint) -> str:
        if owner is self.app:
            return f"application {owner.name!r}"
        return f"blueprint {owner.name!r}"

    def _not_found(self, template: str) -> TemplateNotFound:
        """Build the error for a template no loader has, naming the folders."""
        places = [
            f"  - {self._describe_owner(owner)}: {where}"
            for owner, loader in self._iter_loaders()
            for where in _describe_loader(loader)
        ]
        if not places:
            message = (
                f"Template {template!r} was not found: neither the application"
                f" {self.app.name!r} nor any of its blueprints has a template"
                " folder. Pass template_folder='templates' to Microframe(...) or"
                " Blueprint(...) and put the template in that folder."
            )
        else:
            message = (
                f"Template {template!r} was not found. Searched, in order:\n"
                + "\n".join(places)
                + f"\nCreate {template!r} in one of these folders, or fix the"
                " template name you passed."
            )
        return TemplateNotFound(template, message)

    def _explain(
        self,
        template: str,
        attempts: list[tuple[Microframe | Blueprint, BaseLoader, _Source | None]],
    ) -> str:
        """Describe a lookup for the ``EXPLAIN_TEMPLATE_LOADING`` log."""
        lines = [f"Locating template {template!r}:"]
        matches = []
        for number, (owner, loader, found) in enumerate(attempts, 1):
            lines.append(
                f"{number:5}: trying {type(loader).__name__} of"
                f" {self._describe_owner(owner)}"
            )
            lines.extend(
                f"       searches {where}" for where in _describe_loader(loader)
            )
            if found is None:
                lines.append("       -> no match")
            else:
                lines.append(f"       -> found ({found[1] or '<string>'!r})")
                matches.append(owner)

        if not attempts:
            lines.append(
                "Error: the application and its blueprints have no template"
                " folder; pass template_folder='templates' to Microframe(...) or"
                " Blueprint(...)."
            )
        elif not matches:
            lines.append(
                f"Error: the template could not be found. Create {template!r} in"
                " one of the folders above, or fix the template name."
            )
        elif len(matches) > 1:
            lines.append(
                "Warning: several loaders have this template; the one from"
                f" {self._describe_owner(matches[0])} is used. Move blueprint"
                " templates into a subfolder named after the blueprint to tell"
                " them apart."
            )

        req_ctx = _cv_request.get(None)
        blueprint = req_ctx.request.blueprint if req_ctx is not None else None
        if blueprint is not None and len(matches) != 1:
            lines.append(
                "  The template was looked up by an endpoint of the blueprint"
                f" {blueprint!r}; check that its template is in that blueprint's"
                " template_folder, and that template_folder is set on the Blueprint."
            )
        return "\n".join(lines)


def _describe_loader(loader: BaseLoader) -> list[str]:
    """Say where *loader* looks for templates, one entry per place."""
    if isinstance(loader, FileSystemLoader):
        return [
            f"folder {path!r}" + ("" if os.path.isdir(path) else " (does not exist)")
            for path in loader.searchpath
        ]
    if isinstance(loader, PackageLoader):
        return [f"folder {loader.package_path!r} of package {loader.package_name!r}"]
    if isinstance(loader, ChoiceLoader):
        return [where for inner in loader.loaders for where in _describe_loader(inner)]
    if isinstance(loader, PrefixLoader):
        return [
            f"{prefix!r}{loader.delimiter} in {where}"
            for prefix, inner in loader.mapping.items()
            for where in _describe_loader(inner)
        ]
    if isinstance(loader, DictLoader):
        return [f"in-memory templates {sorted(loader.mapping)!r}"]
    return [f"loader {loader!r}"]
