"""The application object: :class:`Microframe`, a WSGI app with Flask's API.

Request handling follows Flask's order exactly — push contexts, match, run
``url_value_preprocessor`` and ``before_request`` hooks, the view, make the
response, ``after_request`` hooks, save the session, teardown — but decides
up front what it can: static paths match without binding the URL map, the
session is opened only when something uses it, signals without receivers are
not sent, and a plain string from a view with no after-request work is written
to the server without building a response object.
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import logging
import os
import sys
import typing as t
import weakref
from datetime import timedelta
from itertools import chain
from types import FunctionType

from werkzeug.datastructures import ImmutableDict
from werkzeug.exceptions import (
    Aborter,
    HTTPException,
)
from werkzeug.routing import RequestRedirect
from werkzeug.utils import cached_property
from werkzeug.utils import redirect as _wz_redirect
from werkzeug.wrappers import Response as BaseResponse

from . import errors, pipeline, responses, urls
from . import typing as ft
from .config import DEFAULT_CONFIG, Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .globals import _cv_request, g, request, session
from .helpers import get_debug_flag, get_flashed_messages, get_load_dotenv
from .hooks import HookList, HookRegistry, overridable
from .json.provider import DefaultJSONProvider, JSONProvider
from .logging import create_logger
from .responses import describe_function
from .routing import Map, Rule
from .scaffold import (
    Scaffold,
    _endpoint_from_view_func,
    find_package,
    register_named,
    setupmethod,
)
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import _default_template_ctx_processor
from .wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .blueprints import Blueprint
    from .environment import Environment
    from .serving import Server
    from .testing import MicroframeClient, MicroframeCliRunner

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)

_CO_COROUTINE = inspect.CO_COROUTINE


# Attributes the request pipeline's plan is built from: replacing one (not
# only changing its contents) makes the next request build a new plan.
_PLANNED_ATTRIBUTES = frozenset(
    {
        "before_request_funcs",
        "after_request_funcs",
        "teardown_request_funcs",
        "url_value_preprocessors",
        "url_default_functions",
        "teardown_appcontext_funcs",
    }
)
# Methods the plan looks at: setting one on the instance rebuilds it too.
_PLANNED_METHODS = frozenset({"inject_url_defaults"})


class _DefaultEnvironment:
    """``Microframe.jinja_environment`` until overridden: imports jinja2 on use.

    A subclass or an app that sets ``jinja_environment`` replaces it as usual.
    """

    def __get__(self, obj: object, owner: type | None = None) -> type[Environment]:
        from .environment import Environment

        return Environment


def _make_timedelta(value: timedelta | int) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _warn_run_inside_cli() -> None:
    import click

    click.secho(
        " * Ignoring a call to 'app.run()': the 'microframe run' command"
        " is already serving.\n   Put 'app.run()' under an"
        " 'if __name__ == \"__main__\":' guard.",
        fg="red",
    )


def _run_address(
    server_name: str | None, host: str | None, port: int | None
) -> tuple[str, int]:
    # app.run()'s address: the arguments, else SERVER_NAME's parts, else
    # 127.0.0.1:5000. Port 0 is a real choice (any free port).
    named_host, _, named_port = (server_name or "").partition(":")
    chosen_host = host or named_host or "127.0.0.1"
    if port is not None:
        return chosen_host, int(port)
    return chosen_host, int(named_port or 5000)


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


class Microframe(Scaffold):
    """A WSGI application with Flask 3.1's API.

    ``import_name`` is the module or package the app lives in (usually
    ``__name__``); resources such as ``templates/`` and ``static/`` are found
    next to it.

    >>> from microframe import Microframe
    >>> app = Microframe(__name__)
    >>> @app.route("/")
    ... def index():
    ...     return "Hello"
    >>> app.test_client().get("/").text
    'Hello'

    The object is a WSGI callable: serve it with ``app.serve()`` from a
    background thread, ``app.run()`` in the foreground, or any WSGI server.
    """

    #: The class of ``request``.
    request_class: type[Request] = Request
    #: The class of responses made from view return values.
    response_class: type[Response] = Response
    #: The class of ``app.config``.
    config_class: type[Config] = Config
    #: The class of ``app.aborter``, used by :func:`abort`.
    aborter_class: type[Aborter] = Aborter
    #: The class of ``g``.
    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals
    #: The class of ``app.url_map``.
    url_map_class: type[Map] = Map
    #: The class of the rules ``add_url_rule`` creates.
    url_rule_class: type[Rule] = Rule
    #: The class of ``app.json``.
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: The class ``test_client()`` returns; ``None`` means
    #: :class:`~microframe.testing.MicroframeClient`.
    test_client_class: type[MicroframeClient] | None = None
    #: The class ``test_cli_runner()`` returns; ``None`` means
    #: :class:`~microframe.testing.MicroframeCliRunner`.
    test_cli_runner_class: type[MicroframeCliRunner] | None = None
    #: Opens and saves sessions; signed cookies by default.
    session_interface: SessionInterface = SecureCookieSessionInterface()
    #: Options for the Jinja environment (read when it is first created).
    jinja_options: dict[str, t.Any] = {}
    #: The class of the Jinja environment.
    jinja_environment: type[Environment] = _DefaultEnvironment()  # type: ignore[assignment]

    #: Configuration defaults; the same keys and values as Flask 3.1.
    default_config = ImmutableDict(DEFAULT_CONFIG)

    #: ``TESTING``: exceptions propagate to the test client instead of a 500.
    testing = ConfigAttribute[bool]("TESTING")
    #: ``SECRET_KEY``: signs session cookies.
    secret_key = ConfigAttribute["str | bytes | None"]("SECRET_KEY")
    #: ``PERMANENT_SESSION_LIFETIME`` as a timedelta.
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                f"instance_path must be absolute, got {instance_path!r}. Pass"
                " os.path.abspath(...) or leave it out to use the default."
            )
        #: The folder for files that belong to this deployment, not the code.
        self.instance_path = instance_path
        #: The configuration, a dict with Flask's keys and defaults.
        self.config = self.make_config(instance_relative_config)
        #: Raises HTTP errors for :func:`abort`.
        self.aborter = self.make_aborter()
        #: The JSON provider used by ``jsonify``, dict returns and ``request.json``.
        self.json: JSONProvider = self.json_provider_class(self)
        #: Called with ``(error, endpoint, values)`` when ``url_for`` cannot build.
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        #: Functions called with the exception when an app context is popped.
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = HookList(
            self._registrations_changed
        )
        #: Functions that add names to ``microframe shell``.
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        #: Registered blueprints by name, in registration order.
        self.blueprints: dict[str, Blueprint] = {}
        #: A place for extensions to keep their state, by extension name.
        self.extensions: dict[str, t.Any] = {}
        #: The URL map: every rule of the app and its blueprints.
        self.url_map = self.url_map_class(host_matching=host_matching)
        #: Whether rules may have a ``subdomain`` (needs SERVER_NAME).
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        self._cli_name = self.name

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise ValueError(
                    "static_host and host_matching go together: with"
                    " host_matching=True pass static_host='static.example.com',"
                    " and without it leave static_host out."
                )
            self_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: self_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )

        self.template_context_processors[None] = [_default_template_ctx_processor]

    def __setattr__(self, name: str, value: t.Any) -> None:
        planned = name in _PLANNED_ATTRIBUTES
        if planned:
            value = self._watched(value)
        super().__setattr__(name, value)
        if planned or name in _PLANNED_METHODS:
            self._registrations_changed()

    def _watched(self, value: t.Any) -> t.Any:
        # A registry assigned whole is adopted, so later changes are seen too.
        if isinstance(value, (HookRegistry, HookList)):
            return value
        if isinstance(value, dict):
            registry: HookRegistry[t.Any] = HookRegistry(self._registrations_changed)
            registry.update(value)
            return registry
        return HookList(self._registrations_changed, value)

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name in _PLANNED_ATTRIBUTES or name in _PLANNED_METHODS:
            self._registrations_changed()

    def _check_setup_finished(self, f_name: str) -> None:
        # Registration stays open for the app's whole life: a notebook or a host
        # program may add routes and hooks while the app is serving, and the
        # next request sees them.
        return None

    # -- identity, configuration, logging ----------------------------------------

    @cached_property
    def name(self) -> str:
        """The app's name: the import name, or the script's name for ``__main__``."""
        if self.import_name != "__main__":
            return self.import_name
        # A script run as __main__ is named after its file (no file: a REPL).
        script = getattr(sys.modules["__main__"], "__file__", None)
        return os.path.splitext(os.path.basename(script))[0] if script else "__main__"

    @cached_property
    def logger(self) -> logging.Logger:
        """The ``logging`` logger named after the app (``app.name``)."""
        return create_logger(self)

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``): off unless asked for.

        It shows tracebacks in the browser when served by ``app.run`` and
        reloads templates. Never enable it where others can reach the server.
        """
        return self.config["DEBUG"]  # type: ignore[no-any-return]

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if (
            self.config["TEMPLATES_AUTO_RELOAD"] is None
            and "jinja_env" in self.__dict__
        ):
            self.jinja_env.auto_reload = value

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create ``app.config`` from :attr:`default_config` (used by ``__init__``)."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create ``app.aborter`` from :attr:`aborter_class`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """The default instance folder: ``instance/`` beside the package.

        For an installed package it is ``<prefix>/var/<name>-instance``.
        """
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file in the instance folder (for reading or writing)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- templates ---------------------------------------------------------------

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created from :attr:`jinja_options` on first use."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Build the Jinja environment with microframe's globals and autoescaping."""
        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        env = self.jinja_environment(self, **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> t.Any:
        """The loader that searches the app's and then each blueprint's templates."""
        from .environment import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape string templates and .html/.htm/.xml/.xhtml/.svg files."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add what the context processors return; explicit values win."""
        processors = self.template_context_processors
        names: t.Iterable[str | None] = (None,)
        ctx = _cv_request.get(None)
        if ctx is not None and len(processors) > (None in processors):
            # Some blueprint has processors: the request's blueprints' run too.
            names = chain(names, reversed(ctx.request.blueprints))
        provided: dict[str, t.Any] = {}
        for name in names:
            for func in processors.get(name, ()):
                provided.update(self.ensure_sync(func)())
        for key, value in provided.items():
            context.setdefault(key, value)

    @t.overload
    def template_filter(self, name: T_template_filter) -> T_template_filter: ...
    @t.overload
    def template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...
    @setupmethod
    def template_filter(
        self, name: T_template_filter | str | None = None
    ) -> T_template_filter | t.Callable[[T_template_filter], T_template_filter]:
        """Register a Jinja filter: ``@app.template_filter`` or ``("name")``."""
        return register_named(name, self.add_template_filter)

    @setupmethod
    def add_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a Jinja filter named ``name`` (default: its name)."""
        self.jinja_env.filters[name or f.__name__] = f

    @t.overload
    def template_test(self, name: T_template_test) -> T_template_test: ...
    @t.overload
    def template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...
    @setupmethod
    def template_test(
        self, name: T_template_test | str | None = None
    ) -> T_template_test | t.Callable[[T_template_test], T_template_test]:
        """Register a Jinja test: ``@app.template_test`` or ``("name")``."""
        return register_named(name, self.add_template_test)

    @setupmethod
    def add_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Register ``f`` as a Jinja test named ``name`` (default: its name)."""
        self.jinja_env.tests[name or f.__name__] = f

    @t.overload
    def template_global(self, name: T_template_global) -> T_template_global: ...
    @t.overload
    def template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...
    @setupmethod
    def template_global(
        self, name: T_template_global | str | None = None
    ) -> T_template_global | t.Callable[[T_template_global], T_template_global]:
        """Register a Jinja global: ``@app.template_global`` or ``("name")``."""
        return register_named(name, self.add_template_global)

    @setupmethod
    def add_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Make ``f`` callable from every template as ``name`` (default: its name)."""
        self.jinja_env.globals[name or f.__name__] = f

    # -- shell, CLI, serving, testing ------------------------------------------

    @setupmethod
    def shell_context_processor(
        self, f: T_shell_context_processor
    ) -> T_shell_context_processor:
        """Add the names in the dict ``f()`` returns to ``microframe shell``."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of ``microframe shell``: ``app``, ``g`` and processor names."""
        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app in the foreground with werkzeug's development server.

        Blocks until interrupted, like Flask's ``app.run``. Binds 127.0.0.1:5000
        unless told otherwise (or ``SERVER_NAME`` says). For a server that runs
        in the background of a notebook or program, use ``app.serve()``.
        """
        from werkzeug.serving import is_running_from_reloader, run_simple

        from . import cli

        if os.environ.get("MICROFRAME_RUN_FROM_CLI") == "true":
            # `microframe run` imported the module that calls app.run().
            if not is_running_from_reloader():
                _warn_run_inside_cli()
            return
        if get_load_dotenv(load_dotenv):
            cli.load_dotenv()
            if "MICROFRAME_DEBUG" in os.environ:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)
        address = _run_address(self.config.get("SERVER_NAME"), host, port)
        for option in ("use_reloader", "use_debugger"):
            options.setdefault(option, self.debug)
        options.setdefault("threaded", True)
        cli.show_server_banner(self.debug, self.name)
        try:
            run_simple(*address, self, **options)
        finally:
            self._got_first_request = False

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        backend: str = "werkzeug",
        token: str | bool | None = None,
        url_prefix: str | None = None,
        proxy_url: str | None = None,
        allowed_hosts: cabc.Iterable[str] | None = None,
        threads: int | None = None,
        trust_proxy: bool | int | None = None,
        **options: t.Any,
    ) -> Server:
        """Serve the app from a background thread; return once it listens.

        Returns a :class:`~microframe.serving.Server` with ``url``, ``port``,
        ``stop()`` and ``wait()``; ``with app.serve() as server:`` stops it on
        exit. ``port=0`` picks a free port. Calling it again with the same
        arguments returns the running server. See
        :func:`microframe.serving.serve` for tokens, URL prefixes and proxies.
        """
        from .serving import serve

        return serve(
            self,
            host,
            port,
            backend=backend,
            token=token,
            url_prefix=url_prefix,
            proxy_url=proxy_url,
            allowed_hosts=allowed_hosts,
            threads=threads,
            trust_proxy=trust_proxy,
            **options,
        )

    def test_client(
        self, use_cookies: bool = True, **kwargs: t.Any
    ) -> MicroframeClient:
        """A werkzeug test client for this app, with cookies and session helpers.

        Use it as ``with app.test_client() as client:`` to keep the last
        request's context available after the request for assertions.
        """
        from .testing import MicroframeClient

        cls = self.test_client_class or MicroframeClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> MicroframeCliRunner:
        """A click runner that invokes this app's CLI commands in tests."""
        from .testing import MicroframeCliRunner

        cls = self.test_cli_runner_class or MicroframeCliRunner
        return cls(self, **kwargs)

    # -- blueprints and rules ------------------------------------------------------

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register a blueprint's views, hooks and handlers on the app.

        ``options`` override the blueprint's (``url_prefix``, ``subdomain``,
        ``url_defaults``) and ``name=`` registers it again under another name.
        """
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def add_url_rule(
        self,
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
            self.config["PROVIDE_AUTOMATIC_OPTIONS"],
        )
        new_rule = self.url_rule_class(
            rule, methods=methods, endpoint=endpoint, **options
        )
        new_rule.provide_automatic_options = automatic
        current = self.view_functions.get(endpoint) if view_func else None
        if current is None or current == view_func:
            self.url_map.add(new_rule)
        elif _is_interactive_redefinition(current, view_func):
            self._replace_rules(endpoint, new_rule)
        else:
            raise AssertionError(
                f"Endpoint {endpoint!r} is already bound to view"
                f" {describe_function(current)}; cannot bind it to"
                f" {describe_function(view_func)} as well. Give one of them"
                " another endpoint name: @route(..., endpoint='other_name')."
            )
        if view_func is not None:
            self.view_functions[endpoint] = view_func

    def _replace_rules(self, endpoint: str, rule: Rule) -> None:
        # werkzeug maps cannot remove rules; build a new map without the
        # endpoint's rules, with ``rule`` instead, and swap it in whole, so a
        # request in flight sees the old map or the new one, never a mix.
        old = self.url_map
        new = self.url_map_class(
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
        self.url_map = new

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the app context is popped (after each request too)."""
        self.teardown_appcontext_funcs.append(f)
        return f

    # -- URL matching and building -----------------------------------------------

    create_url_adapter = overridable(urls.create_url_adapter)

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error of ``request`` (404, 405, or a redirect).

        In debug mode a redirect that would lose a form body raises an error
        explaining the missing trailing slash instead.
        """
        exc = t.cast(HTTPException, request.routing_exception)
        if (
            not self.debug
            or not isinstance(exc, RequestRedirect)
            or exc.code in {307, 308}
            or request.method in {"GET", "HEAD", "OPTIONS"}
        ):
            raise exc
        raise AssertionError(
            f"A {request.method} request to {request.url!r} was redirected to"
            f" {exc.new_url!r}, and browsers drop the body of such a redirect."
            " Send the request to the canonical URL (usually with a trailing"
            " slash), or define the rule without one."
        ) from exc

    inject_url_defaults = overridable(urls.inject_url_defaults)

    handle_url_build_error = urls.handle_url_build_error

    url_for = urls.url_for

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response to ``location`` using :attr:`response_class`."""
        return _wz_redirect(location, code=code, Response=self.response_class)

    # -- request handling: each step delegates to microframe.pipeline ----------
    # The steps stay methods so that a subclass or a patched method is called
    # exactly where Flask calls it; microframe.pipeline says what each does.

    @overridable
    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func``, or a sync wrapper of it when it is a coroutine function."""
        if type(func) is FunctionType:
            is_async = bool(func.__code__.co_flags & _CO_COROUTINE) or (
                "_is_coroutine_marker" in func.__dict__
            )
        else:
            is_async = inspect.iscoroutinefunction(func)
        return self.async_to_sync(func) if is_async else func

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Wrap a coroutine function to run it to completion from sync code.

        Uses asgiref, installed with ``pip install 'microframe-wsgi[async]'``.
        """
        try:
            from asgiref.sync import async_to_sync
        except ImportError:
            raise RuntimeError(
                f"{describe_function(func)} is an async function, and running it"
                " needs asgiref. Install it with: pip install 'microframe-wsgi[async]'"
            ) from None
        return async_to_sync(func)

    full_dispatch_request = pipeline.full_dispatch_request
    preprocess_request = pipeline.preprocess_request
    dispatch_request = pipeline.dispatch_request
    finalize_request = pipeline.finalize_request

    def make_default_options_response(self) -> Response:
        """The automatic OPTIONS response: empty, with an ``Allow`` header."""
        response = self.response_class()
        adapter = _cv_request.get().url_adapter
        if adapter is not None:
            response.allow.update(adapter.allowed_methods())
        return response

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should see ``error`` as ``None`` (never)."""
        return False

    make_response = responses.make_response
    process_response = pipeline.process_response

    # -- errors: see microframe.errors ---------------------------------------------

    trap_http_exception = errors.trap_http_exception
    handle_http_exception = errors.handle_http_exception
    handle_user_exception = errors.handle_user_exception
    handle_exception = errors.handle_exception

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, t.Any] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception with the request's path and method."""
        self.logger.error(
            f"Exception on {request.path} [{request.method}]", exc_info=exc_info
        )

    # -- teardown --------------------------------------------------------------

    do_teardown_request = pipeline.do_teardown_request
    do_teardown_appcontext = pipeline.do_teardown_appcontext

    # -- contexts and WSGI -----------------------------------------------------

    def app_context(self) -> AppContext:
        """An application context for this app: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A request context for a WSGI environ (the app makes one per request)."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request, for tests and notebooks.

        Takes the arguments of werkzeug's ``EnvironBuilder`` (path, method,
        headers, data, json, ...) and uses the app's SERVER_NAME and
        APPLICATION_ROOT. ::

            with app.test_request_context("/hello?name=Ada"):
                assert request.args["name"] == "Ada"
        """
        from contextlib import closing

        from .testing import EnvironBuilder

        with closing(EnvironBuilder(self, *args, **kwargs)) as made_up:
            return self.request_context(made_up.get_environ())

    wsgi_app = pipeline.respond

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]:
        """Call :meth:`wsgi_app`, so middleware can wrap it."""
        return self.wsgi_app(environ, start_response)

    def __repr__(self) -> str:
        from .notebook import app_repr

        return app_repr(self)

    def _repr_html_(self) -> str:
        from .notebook import app_repr_html

        return app_repr_html(self)

    def _repr_pretty_(self, printer: t.Any, cycle: bool) -> None:
        from .notebook import app_repr_text

        printer.text(repr(self) if cycle else app_repr_text(self))
