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
from functools import update_wrapper

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
        subdomain = self.options.get("subdomain")
        #: The subdomain the blueprint's rules get.
        self.subdomain = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = self.options.get("url_prefix")
        #: The prefix put in front of every rule of the blueprint.
        self.url_prefix = blueprint.url_prefix if url_prefix is None else url_prefix
        #: The name the blueprint is registered under.
        self.name = self.options.get("name", blueprint.name)
        #: The names of the parent blueprints, dotted (for nested blueprints).
        self.name_prefix = self.options.get("name_prefix", "")
        #: Default view arguments for every rule of the blueprint.
        self.url_defaults = dict(blueprint.url_values_defaults)
        self.url_defaults.update(self.options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with the blueprint's prefix, subdomain and name."""
        if self.url_prefix is not None:
            if rule:
                rule = "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
            else:
                rule = self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
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
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
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

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(update_wrapper(wrapper, func))

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
        """Replay the blueprint's registrations on ``app`` (``register_blueprint``)."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            raise ValueError(
                f"The name {name!r} is already registered for {which} blueprint."
                " Register it again under another name with"
                f" register_blueprint(..., name='{self_name}_2')."
            )
        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        first_name_registration = name not in app.blueprints
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        if first_bp_registration or first_name_registration:
            self._merge_blueprint_funcs(app, name)
        for deferred in self.deferred_functions:
            deferred(state)

        if "cli" in self.__dict__ and self.cli.commands:
            group = options.get("cli_group", self.cli_group)
            if group is None:
                app.cli.commands.update(self.cli.commands)
            else:
                self.cli.name = name if group is _sentinel else group
                app.cli.add_command(self.cli)

        for blueprint, bp_options in self._blueprints:
            self._register_nested(app, state, name, blueprint, dict(bp_options))

    @staticmethod
    def _register_nested(
        app: Microframe,
        state: BlueprintSetupState,
        name: str,
        blueprint: Blueprint,
        bp_options: dict[str, t.Any],
    ) -> None:
        bp_subdomain = bp_options.get("subdomain")
        if bp_subdomain is None:
            bp_subdomain = blueprint.subdomain
        if state.subdomain is not None and bp_subdomain is not None:
            bp_options["subdomain"] = f"{bp_subdomain}.{state.subdomain}"
        elif bp_subdomain is not None:
            bp_options["subdomain"] = bp_subdomain
        elif state.subdomain is not None:
            bp_options["subdomain"] = state.subdomain

        bp_url_prefix = bp_options.get("url_prefix")
        if bp_url_prefix is None:
            bp_url_prefix = blueprint.url_prefix
        if state.url_prefix is not None and bp_url_prefix is not None:
            bp_options["url_prefix"] = (
                state.url_prefix.rstrip("/") + "/" + bp_url_prefix.lstrip("/")
            )
        elif bp_url_prefix is not None:
            bp_options["url_prefix"] = bp_url_prefix
        elif state.url_prefix is not None:
            bp_options["url_prefix"] = state.url_prefix

        bp_options["name_prefix"] = name
        blueprint.register(app, bp_options)

    def _merge_blueprint_funcs(self, app: Microframe, name: str) -> None:
        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        def extend(
            bp_dict: dict[str | None, list[t.Any]],
            parent_dict: dict[str | None, list[t.Any]],
        ) -> None:
            for key, values in bp_dict.items():
                parent_dict[scoped(key)].extend(values)

        for key, spec in self.error_handler_spec.items():
            app.error_handler_spec[scoped(key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in spec.items()}
            )
        for endpoint, func in self.view_functions.items():
            app.view_functions[endpoint] = func
        extend(self.before_request_funcs, app.before_request_funcs)
        extend(self.after_request_funcs, app.after_request_funcs)
        extend(self.teardown_request_funcs, app.teardown_request_funcs)
        extend(self.url_default_functions, app.url_default_functions)
        extend(self.url_value_preprocessors, app.url_value_preprocessors)
        extend(self.template_context_processors, app.template_context_processors)

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
        if endpoint and "." in endpoint:
            raise ValueError(
                f"Endpoint {endpoint!r} on blueprint {self.name!r} contains a dot;"
                " the blueprint adds its own name with a dot. Use a name without"
                " dots."
            )
        func_name = getattr(view_func, "__name__", "")
        if "." in func_name:
            raise ValueError(
                f"The view function name {func_name!r} on blueprint {self.name!r}"
                " contains a dot; pass endpoint='...' without dots."
            )
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
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

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like ``before_request``, for every request of the app."""
        self.record_once(
            lambda s: s.app.before_request_funcs.setdefault(None, []).append(f)
        )
        return f

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like ``after_request``, for every request of the app."""
        self.record_once(
            lambda s: s.app.after_request_funcs.setdefault(None, []).append(f)
        )
        return f

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like ``teardown_request``, for every request of the app."""
        self.record_once(
            lambda s: s.app.teardown_request_funcs.setdefault(None, []).append(f)
        )
        return f

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like ``context_processor``, for every template of the app."""
        self.record_once(
            lambda s: s.app.template_context_processors.setdefault(None, []).append(f)
        )
        return f

    @setupmethod
    def app_errorhandler(
        self, code: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Like ``errorhandler``, for errors anywhere in the app."""

        def decorator(f: T_error_handler) -> T_error_handler:
            def from_blueprint(state: BlueprintSetupState) -> None:
                state.app.errorhandler(code)(f)

            self.record_once(from_blueprint)
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Like ``url_value_preprocessor``, for every request of the app."""
        self.record_once(
            lambda s: s.app.url_value_preprocessors.setdefault(None, []).append(f)
        )
        return f

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like ``url_defaults``, for every endpoint of the app."""
        self.record_once(
            lambda s: s.app.url_default_functions.setdefault(None, []).append(f)
        )
        return f
