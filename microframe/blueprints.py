"""Blueprints: groups of views, hooks and templates registered on an app later.

A blueprint records what is registered on it and replays it on the app at
``app.register_blueprint(bp)``, with the blueprint's URL prefix, subdomain and
name applied. It can be registered several times (with distinct ``name=``) and
nested inside other blueprints.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from functools import partial, update_wrapper

from . import typing as ft
from .scaffold import Scaffold, _endpoint_from_view_func, register_named, setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Microframe

DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]
T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)

_sentinel: t.Any = object()
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _join_path(outer: str, inner: str) -> str:
    """``outer`` and ``inner`` joined by exactly one slash."""
    return f"{outer.rstrip('/')}/{inner.lstrip('/')}"


def _join_subdomain(outer: str, inner: str) -> str:
    """A nested blueprint's subdomain sits left of its parent's: ``inner.outer``."""
    return f"{inner}.{outer}"


def _given_or(options: t.Mapping[str, t.Any], key: str, fallback: t.Any) -> t.Any:
    """``options[key]`` unless it is missing or ``None``, else ``fallback``."""
    value = options.get(key)
    return fallback if value is None else value


def _check_blueprint_name(name: str) -> None:
    """Refuse names that would break dotted endpoints (``blueprint.view``)."""
    if not name:
        raise ValueError(
            "A blueprint needs a non-empty name: Blueprint('name', __name__)."
        )
    if "." in name:
        raise ValueError(
            f"Blueprint name {name!r} contains a dot, which separates nested"
            " blueprint names in endpoints; use another character, e.g."
            f" {name.replace('.', '_')!r}."
        )


def _stack(
    outer: str | None, inner: str | None, join: t.Callable[[str, str], str]
) -> str | None:
    """Combine a parent's and a child's optional setting; either may be unset."""
    if outer is None or inner is None:
        return inner if outer is None else outer
    return join(outer, inner)


class BlueprintSetupState:
    """What a deferred function receives when its blueprint is registered.

    It knows the app, the options given to ``register_blueprint``, the
    effective URL prefix, subdomain and name, and whether this is the
    blueprint's first registration on the app.
    """

    def __init__(
        self,
        blueprint: Blueprint,
        app: Microframe,
        options: t.Any,
        first_registration: bool,
    ) -> None:
        #: The app the blueprint is being registered on.
        self.app = app
        #: The blueprint being registered.
        self.blueprint = blueprint
        #: The keyword arguments given to ``register_blueprint``.
        self.options = options
        #: Whether the blueprint was not registered on this app before.
        self.first_registration = first_registration
        #: The subdomain the blueprint's rules get (the option wins).
        self.subdomain: str | None = _given_or(
            options, "subdomain", blueprint.subdomain
        )
        #: The prefix put in front of every rule of the blueprint (the option wins).
        self.url_prefix: str | None = _given_or(
            options, "url_prefix", blueprint.url_prefix
        )
        #: The name the blueprint is registered under.
        self.name: str = options.get("name", blueprint.name)
        #: The names of the parent blueprints, dotted (for nested blueprints).
        self.name_prefix: str = options.get("name_prefix", "")
        #: Default view arguments for every rule of the blueprint; the
        #: registration's ``url_defaults`` extend the blueprint's own.
        self.url_defaults: dict[str, t.Any] = {
            **blueprint.url_values_defaults,
            **dict(options.get("url_defaults", ())),
        }

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with the blueprint's prefix, subdomain and name."""
        prefix = self.url_prefix
        if prefix is not None:
            rule = _join_path(prefix, rule) if rule else prefix
        local_name = (
            _endpoint_from_view_func(view_func) if endpoint is None else endpoint
        )
        qualified = f"{self.name}.{local_name}"
        if self.name_prefix:
            qualified = f"{self.name_prefix}.{qualified}"
        rule_defaults = options.pop("defaults", {})
        self.app.add_url_rule(
            rule,
            qualified.lstrip("."),
            view_func,
            defaults={**self.url_defaults, **rule_defaults},
            **{"subdomain": self.subdomain, **options},
        )


class _OnFirstRegistration:
    """A deferred function that only runs when its blueprint first meets an app."""

    def __init__(self, func: DeferredSetupFunction) -> None:
        self.func = func
        update_wrapper(self, func)

    def __call__(self, state: BlueprintSetupState) -> None:
        if state.first_registration:
            self.func(state)


#: The app's hook tables a blueprint's own hooks are copied into, scoped to
#: the blueprint's registered name.
_SCOPED_HOOK_TABLES = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "url_default_functions",
    "url_value_preprocessors",
    "template_context_processors",
)


class Blueprint(Scaffold):
    """A set of views and hooks to register on an app, under a name and prefix.

    >>> from microframe import Blueprint, Microframe
    >>> admin = Blueprint("admin", __name__, url_prefix="/admin")
    >>> @admin.route("/")
    ... def index():
    ...     return "admin home"
    >>> app = Microframe("site")
    >>> app.register_blueprint(admin)
    >>> [rule.endpoint for rule in app.url_map.iter_rules() if rule.rule == "/admin/"]
    ['admin.index']
    >>> app.test_client().get("/admin/").text
    'admin home'

    ``static_folder`` and ``template_folder`` are relative to the blueprint's
    package. ``cli_group`` names the group its CLI commands appear under
    (default: the blueprint's name; ``None``: directly on the app's group).
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,
    ) -> None:
        _check_blueprint_name(name)
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        self.name = name
        self._cli_name = name
        #: The URL prefix of every rule (overridable at registration).
        self.url_prefix = url_prefix
        #: The subdomain of every rule (overridable at registration).
        self.subdomain = subdomain
        #: Functions called at registration with a
        #: :class:`~microframe.blueprints.BlueprintSetupState`.
        self.deferred_functions: list[DeferredSetupFunction] = []
        #: Default view arguments for every rule of the blueprint.
        self.url_values_defaults = {} if url_defaults is None else url_defaults
        #: The CLI group name (see the class docs).
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"{f_name}() was called on blueprint {self.name!r} after it was"
                " registered on an app, so the change would not reach that app."
                " Set the blueprint up completely (import the modules that add its"
                " views) before app.register_blueprint()."
            )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` each time the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` on the blueprint's first registration on an app."""
        self.record(_OnFirstRegistration(func))

    def make_setup_state(
        self,
        app: Microframe,
        options: dict[str, t.Any],
        first_registration: bool = False,
    ) -> BlueprintSetupState:
        """Create the state passed to deferred functions (override to extend it)."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: its names and prefix extend this one's."""
        if blueprint is self:
            raise ValueError(
                f"Blueprint {self.name!r} cannot be registered on itself; register"
                " it on the app or on another blueprint."
            )
        self._blueprints.append((blueprint, options))

    def register(self, app: Microframe, options: dict[str, t.Any]) -> None:
        """Replay the blueprint's registrations on ``app`` (``register_blueprint``).

        The steps, in order: claim the dotted name in ``app.blueprints``, add the
        static route, copy the blueprint's own hooks, handlers and views into the
        app's tables under that name, run the deferred functions, attach the CLI
        group, then register the nested blueprints below this one.
        """
        local_name = options.get("name", self.name)
        parents = options.get("name_prefix", "")
        full_name = f"{parents}.{local_name}".lstrip(".")
        seen_before = self._claim_name(app, full_name, local_name)
        self._got_registered_once = True
        state = self.make_setup_state(app, options, not seen_before)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._copy_tables_into(app, full_name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._attach_cli(app, full_name, options.get("cli_group", self.cli_group))
        for child, child_options in self._blueprints:
            child.register(app, _child_options(state, full_name, child, child_options))

    def _claim_name(self, app: Microframe, full_name: str, local_name: str) -> bool:
        """Record the blueprint under ``full_name``; say if the app had it already.

        :raises ValueError: the name is taken, by this or another blueprint.
        """
        holder = app.blueprints.get(full_name)
        if holder is not None:
            whose = "this" if holder is self else "a different"
            raise ValueError(
                f"The name {full_name!r} is already registered for {whose} blueprint."
                " Register it again under another name with"
                f" register_blueprint(..., name='{local_name}_2')."
            )
        seen_before = any(known is self for known in app.blueprints.values())
        app.blueprints[full_name] = self
        return seen_before

    def _copy_tables_into(self, app: Microframe, full_name: str) -> None:
        """Copy the blueprint's own hooks, error handlers and views into ``app``.

        A hook registered for the blueprint itself (key ``None``) is filed under
        ``full_name``; one for a nested blueprint ``child`` under
        ``full_name.child``. Error handlers are copied per code so later
        registrations on the blueprint do not leak into the app.
        """

        def scoped(key: str | None) -> str:
            return full_name if key is None else f"{full_name}.{key}"

        for table in _SCOPED_HOOK_TABLES:
            target = getattr(app, table)
            for key, funcs in getattr(self, table).items():
                target.setdefault(scoped(key), []).extend(funcs)
        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[scoped(key)] = defaultdict(
                dict, ((code, dict(handlers)) for code, handlers in by_code.items())
            )
        for endpoint, view in self.view_functions.items():
            app.view_functions[endpoint] = view

    def _attach_cli(self, app: Microframe, full_name: str, group: t.Any) -> None:
        """Add the blueprint's commands to the app's CLI (see ``cli_group``)."""
        if "cli" not in self.__dict__ or not self.cli.commands:
            return  # the group was never used: nothing to add
        if group is None:
            app.cli.commands.update(self.cli.commands)
            return
        self.cli.name = full_name if group is _sentinel else group
        app.cli.add_command(self.cli)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a URL rule; it is added to the app, prefixed, at registration."""
        self._refuse_dots(endpoint, getattr(view_func, "__name__", None))

        def add_prefixed(state: BlueprintSetupState) -> None:
            state.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )

        self.record(add_prefixed)

    def _refuse_dots(self, endpoint: str | None, func_name: str | None) -> None:
        """Endpoints get the blueprint's name and a dot in front: no dots inside."""
        if endpoint and "." in endpoint:
            culprit = f"Endpoint {endpoint!r}"
        elif func_name and "." in func_name:
            culprit = f"The view function name {func_name!r}"
        else:
            return
        raise ValueError(
            f"{culprit} on blueprint {self.name!r} contains a dot, but the"
            " blueprint joins its name to endpoints with a dot. Pass"
            " endpoint='...' without dots."
        )

    # -- app-wide registrations ---------------------------------------------------

    @t.overload
    def app_template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def app_template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def app_template_filter(
        self, name: T_template_filter | str | None = None
    ) -> T_template_filter | t.Callable[[T_template_filter], T_template_filter]:
        """Register an app-wide Jinja filter: with or without ``("name")``."""
        return register_named(name, self.add_app_template_filter)

    @setupmethod
    def add_app_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as an app-wide Jinja filter when the blueprint registers."""
        self.record_once(lambda s: s.app.add_template_filter(f, name=name))

    @t.overload
    def app_template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def app_template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def app_template_test(
        self, name: T_template_test | str | None = None
    ) -> T_template_test | t.Callable[[T_template_test], T_template_test]:
        """Register an app-wide Jinja test: with or without ``("name")``."""
        return register_named(name, self.add_app_template_test)

    @setupmethod
    def add_app_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as an app-wide Jinja test when the blueprint registers."""
        self.record_once(lambda s: s.app.add_template_test(f, name=name))

    @t.overload
    def app_template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def app_template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def app_template_global(
        self, name: T_template_global | str | None = None
    ) -> T_template_global | t.Callable[[T_template_global], T_template_global]:
        """Register an app-wide Jinja global: with or without ``("name")``."""
        return register_named(name, self.add_app_template_global)

    @setupmethod
    def add_app_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as an app-wide Jinja global when the blueprint registers."""
        self.record_once(lambda s: s.app.add_template_global(f, name=name))

    # Jinja filters, tests and globals are shared by the whole environment, so
    # the blueprint-level names register them app-wide too.
    template_filter = app_template_filter
    add_template_filter = add_app_template_filter
    template_test = app_template_test
    add_template_test = add_app_template_test
    template_global = app_template_global
    add_template_global = add_app_template_global

    def _on_app(self, table: str, f: F) -> F:
        """Append ``f`` to the app-wide (``None``) list of ``app.<table>`` once."""

        def file_app_wide(state: BlueprintSetupState) -> None:
            getattr(state.app, table).setdefault(None, []).append(f)

        self.record_once(file_app_wide)
        return f

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like ``before_request``, for every request of the app."""
        return self._on_app("before_request_funcs", f)

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like ``after_request``, for every request of the app."""
        return self._on_app("after_request_funcs", f)

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like ``teardown_request``, for every request of the app."""
        return self._on_app("teardown_request_funcs", f)

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like ``context_processor``, for every template of the app."""
        return self._on_app("template_context_processors", f)

    @setupmethod
    def app_errorhandler(
        self, code: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Like ``errorhandler``, for errors anywhere in the app."""
        return partial(self._app_error_handler, code)

    def _app_error_handler(
        self, code: type[Exception] | int, f: T_error_handler
    ) -> T_error_handler:
        self.record_once(lambda state: state.app.register_error_handler(code, f))
        return f

    @setupmethod
    def app_url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Like ``url_value_preprocessor``, for every request of the app."""
        return self._on_app("url_value_preprocessors", f)

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like ``url_defaults``, for every endpoint of the app."""
        return self._on_app("url_default_functions", f)


def _child_options(
    parent: BlueprintSetupState,
    parent_name: str,
    child: Blueprint,
    options: dict[str, t.Any],
) -> dict[str, t.Any]:
    """The options a nested blueprint is registered with below ``parent``.

    The child's subdomain goes left of the parent's and its URL prefix after
    the parent's; a setting only one of them has is inherited or kept as is.
    """
    merged = dict(options, name_prefix=parent_name)
    subdomain = _stack(
        parent.subdomain,
        _given_or(options, "subdomain", child.subdomain),
        _join_subdomain,
    )
    url_prefix = _stack(
        parent.url_prefix,
        _given_or(options, "url_prefix", child.url_prefix),
        _join_path,
    )
    if subdomain is not None:
        merged["subdomain"] = subdomain
    if url_prefix is not None:
        merged["url_prefix"] = url_prefix
    return merged
