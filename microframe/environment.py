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

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    Template,
    TemplateNotFound,
)
from jinja2 import Environment as BaseEnvironment
from jinja2.utils import LRUCache

from .globals import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Microframe
    from .blueprints import Blueprint

#: What a loader's ``get_source`` returns: source, filename, up-to-date check.
_Source = tuple[str, str | None, t.Callable[[], bool] | None]

#: How many compiled ``render_template_string`` sources an environment keeps.
_STRING_CACHE_SIZE = 128


class Environment(BaseEnvironment):
    """A Jinja environment that belongs to a microframe app.

    Unless a ``loader`` is passed, it loads templates through
    ``app.create_global_jinja_loader()``, which searches the app's and the
    blueprints' template folders. The app is available as :attr:`app`.
    """

    def __init__(self, app: Microframe, **options: t.Any) -> None:
        self.app = app
        self._string_templates = LRUCache(_STRING_CACHE_SIZE)
        if "loader" in options:
            super().__init__(**options)
        else:
            super().__init__(loader=app.create_global_jinja_loader(), **options)

    def overlay(self, *args: t.Any, **kwargs: t.Any) -> Environment:
        """Create an overlay environment, as :meth:`jinja2.Environment.overlay`.

        The overlay gets its own cache of compiled template strings, since its
        options (autoescaping, delimiters, ...) may compile a source differently.
        """
        rv = super().overlay(*args, **kwargs)
        rv._string_templates = LRUCache(_STRING_CACHE_SIZE)
        return rv

    def _from_string_cached(self, source: str) -> Template:
        """Compile *source* into a template, reusing an earlier compile of it.

        Filters, tests and globals are looked up when a template renders, so a
        cached template sees the ones registered after it was compiled.
        """
        if not isinstance(source, str):
            # An AST node or another odd value: let Jinja handle (or reject) it.
            return self.from_string(source)
        template: Template | None = self._string_templates.get(source)
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
