"""Adding URL rules to an app: ``app.add_url_rule`` and what it decides.

Which methods a rule allows (explicit ``methods``, the view's attributes, or
GET), whether it answers OPTIONS itself, and what happens when an endpoint is
bound again: an error, except when a notebook cell or REPL redefines the same
view, which then replaces the old one. :class:`~microframe.Microframe` binds
:func:`add_url_rule` as its method.
"""

from __future__ import annotations

import sys
import typing as t

from ..pipeline.responses import describe_function
from ..scaffold import _endpoint_from_view_func, setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from .. import typing as ft
    from ..app import Microframe
    from . import Rule


def _rule_methods(
    rule: str,
    view_func: t.Any,
    methods: t.Any,
    automatic: bool | None,
    automatic_by_config: bool,
) -> tuple[set[str], bool]:
    # The methods a new rule allows, and whether it answers OPTIONS itself.
    # Explicit arguments win over the view's attributes, which win over GET.
    if methods is None:
        methods = getattr(view_func, "methods", None) or ("GET",)
    if isinstance(methods, str):
        raise TypeError(
            f"methods for rule {rule!r} must be a list of strings, not the string"
            f" {methods!r}; write methods=[{methods!r}]."
        )
    allowed = {str(method).upper() for method in methods}
    allowed.update(getattr(view_func, "required_methods", ()))
    if automatic is None:
        automatic = getattr(view_func, "provide_automatic_options", None)
    if automatic is None:
        automatic = automatic_by_config and "OPTIONS" not in allowed
        if automatic:
            allowed.add("OPTIONS")
    return allowed, bool(automatic)


def _is_interactive_redefinition(old: t.Any, new: t.Any) -> bool:
    # A notebook cell or REPL re-running ``def view(): ...`` makes a new function
    # with the same qualified name in __main__. Replacing the old view is what
    # the user means; anywhere else a second function is a real conflict.
    if getattr(old, "__module__", None) != "__main__":
        return False
    if getattr(new, "__module__", None) != "__main__":
        return False
    if getattr(old, "__qualname__", None) != getattr(new, "__qualname__", None):
        return False
    code = getattr(new, "__code__", None)
    filename = code.co_filename if code is not None else ""
    return filename.startswith("<") or "ipykernel" in filename or hasattr(sys, "ps1")


@setupmethod
def add_url_rule(
    app: Microframe,
    rule: str,
    endpoint: str | None = None,
    view_func: ft.RouteCallable | None = None,
    provide_automatic_options: bool | None = None,
    **options: t.Any,
) -> None:
    """Connect a URL rule to an endpoint and, optionally, its view function.

    ``options`` are werkzeug :class:`~werkzeug.routing.Rule` options:
    ``methods``, ``defaults``, ``subdomain``, ``host``, ``strict_slashes``,
    ``merge_slashes``, ``redirect_to`` ... Binding an endpoint that already
    has a view to a different function is an error, except when a notebook
    cell redefines the same function: then the new view and rule replace
    the old.
    """
    if endpoint is None:
        endpoint = _endpoint_from_view_func(view_func)
    methods, automatic = _rule_methods(
        rule,
        view_func,
        options.pop("methods", None),
        provide_automatic_options,
        app.config["PROVIDE_AUTOMATIC_OPTIONS"],
    )
    new_rule = app.url_rule_class(rule, methods=methods, endpoint=endpoint, **options)
    new_rule.provide_automatic_options = automatic
    current = app.view_functions.get(endpoint) if view_func else None
    if current is None or current == view_func:
        app.url_map.add(new_rule)
    elif _is_interactive_redefinition(current, view_func):
        _replace_rules(app, endpoint, new_rule)
    else:
        raise AssertionError(
            f"Endpoint {endpoint!r} is already bound to view"
            f" {describe_function(current)}; cannot bind it to"
            f" {describe_function(view_func)} as well. Give one of them"
            " another endpoint name: @route(..., endpoint='other_name')."
        )
    if view_func is not None:
        app.view_functions[endpoint] = view_func


def _replace_rules(app: Microframe, endpoint: str, rule: Rule) -> None:
    # werkzeug maps cannot remove rules; build a new map without the
    # endpoint's rules, with ``rule`` instead, and swap it in whole, so a
    # request in flight sees the old map or the new one, never a mix.
    old = app.url_map
    new = app.url_map_class(
        default_subdomain=old.default_subdomain,
        strict_slashes=old.strict_slashes,
        merge_slashes=old.merge_slashes,
        redirect_defaults=old.redirect_defaults,
        sort_parameters=old.sort_parameters,
        sort_key=old.sort_key,
        host_matching=old.host_matching,
    )
    new.converters = old.converters
    for existing in old.iter_rules():
        if existing.endpoint != endpoint:
            copy = existing.empty()
            # Rule.empty() forgets these two.
            copy.merge_slashes = existing.merge_slashes
            copy.websocket = existing.websocket
            new.add(copy)
    new.add(rule)
    app.url_map = new
