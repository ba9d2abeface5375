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

from . import pipeline, running, templating
from . import typing as ft
from .config import DEFAULT_CONFIG, Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .globals import _cv_request, request
from .helpers import get_debug_flag
from .json.provider import DefaultJSONProvider, JSONProvider
from .logging import create_logger
from .pipeline import errors, responses
from .pipeline.hooks import HookList, HookRegistry, overridable
from .pipeline.responses import describe_function
from .routing import Map, Rule, rules, urls
from .scaffold import (
    Scaffold,
    find_package,
    setupmethod,
)
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import _default_template_ctx_processor
from .wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .blueprints import Blueprint
    from .environment import Environment
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
_PLANNED_METHODS = frozenset(
    {"ensure_sync", "inject_url_defaults", "create_url_adapter"}
)


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

    # -- templates: microframe.templating ------------------------------------------
    # The methods below are functions written in the module named in each
    # section and bound here, so the app keeps every method Flask's has (for
    # subclasses, patches and extensions) while each concern's code lives with
    # its module. Their first parameter is the app.

    jinja_env = templating.jinja_env
    create_jinja_environment = templating.create_jinja_environment
    create_global_jinja_loader = templating.create_global_jinja_loader
    select_jinja_autoescape = templating.select_jinja_autoescape
    update_template_context = templating.update_template_context
    template_filter = templating.template_filter
    add_template_filter = templating.add_template_filter
    template_test = templating.template_test
    add_template_test = templating.add_template_test
    template_global = templating.template_global
    add_template_global = templating.add_template_global

    # -- shell, CLI, serving, testing: microframe.running --------------------------

    shell_context_processor = running.shell_context_processor
    make_shell_context = running.make_shell_context
    run = running.run
    serve = running.serve
    test_client = running.test_client
    test_cli_runner = running.test_cli_runner

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

    add_url_rule = rules.add_url_rule

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

    # -- errors: see microframe.pipeline.errors -------------------------------------

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
