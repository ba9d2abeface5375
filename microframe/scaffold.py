"""What apps and blueprints share: registering views, hooks and error handlers.

:class:`Scaffold` holds the registries keyed by ``None`` (the app) or a blueprint
name, exactly where the app looks for them at request time, and the resource
helpers (static folder, template folder, ``open_resource``) that both have.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
import typing as t
from collections import defaultdict
from functools import update_wrapper

from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.utils import cached_property

from . import typing as ft
from .helpers import get_root_path, send_from_directory
from .pipeline.hooks import HookRegistry

if t.TYPE_CHECKING:  # pragma: no cover
    import click
    from jinja2 import FileSystemLoader

    from .wrappers import Response

T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)
T_route = t.TypeVar("T_route", bound=ft.RouteCallable)
F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_sentinel = object()


def setupmethod(f: F) -> F:
    """Mark a registration method; the owner may refuse it when it is too late."""
    name = f.__name__

    def wrapper_func(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return t.cast(F, update_wrapper(wrapper_func, f))


class Scaffold:
    """The registration API common to :class:`Microframe` and :class:`Blueprint`."""

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        #: The name of the package or module this object belongs to.
        self.import_name = import_name
        #: The absolute folder that relative resource paths start from.
        self.root_path = root_path or get_root_path(import_name)
        #: The template folder, relative to ``root_path`` (``None``: no templates).
        self.template_folder = template_folder
        self.static_folder = static_folder
        self.static_url_path = static_url_path

        #: View functions by endpoint name.
        self.view_functions: dict[str, ft.RouteCallable] = {}
        #: Error handlers: ``{scope: {code: {exception class: handler}}}``.
        self.error_handler_spec: dict[
            ft.AppOrBlueprintKey,
            dict[int | None, dict[type[Exception], ft.ErrorHandlerCallable]],
        ] = defaultdict(lambda: defaultdict(dict))
        # The hook registries below report changes here, so that the app's
        # request pipeline rebuilds its plan (see microframe.pipeline.hooks).
        changed = self._registrations_changed
        #: ``before_request`` functions by scope (``None`` for the app).
        self.before_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.BeforeRequestCallable]
        ] = HookRegistry(changed)
        #: ``after_request`` functions by scope.
        self.after_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.AfterRequestCallable[t.Any]]
        ] = HookRegistry(changed)
        #: ``teardown_request`` functions by scope.
        self.teardown_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.TeardownCallable]
        ] = HookRegistry(changed)
        #: Template context processors by scope.
        self.template_context_processors: dict[
            ft.AppOrBlueprintKey, list[ft.TemplateContextProcessorCallable]
        ] = HookRegistry(changed)
        #: URL value preprocessors by scope.
        self.url_value_preprocessors: dict[
            ft.AppOrBlueprintKey, list[ft.URLValuePreprocessorCallable]
        ] = HookRegistry(changed)
        #: URL default functions by scope.
        self.url_default_functions: dict[
            ft.AppOrBlueprintKey, list[ft.URLDefaultCallable]
        ] = HookRegistry(changed)

    # Bumped whenever a hook registry changes; the request pipeline's plan is
    # valid for one generation.
    _generation = 0
    _plan: t.Any = None

    def _registrations_changed(self) -> None:
        self._generation += 1

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # -- command line --------------------------------------------------------

    @cached_property
    def cli(self) -> click.Group:
        """A click group for this object's commands (created on first use).

        Commands added to an app's group appear under ``microframe``; a
        blueprint's group is added to the app's when the blueprint is registered.
        """
        from .cli import AppGroup

        return AppGroup(getattr(self, "_cli_name", None))

    # -- resources -------------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or ``None`` if there is none."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set (it need not exist on disk)."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix static files are served under (default: ``/<folder>``)."""
        explicit = self._static_url_path
        folder = self.static_folder
        if explicit is None and folder is not None:
            # Named after the folder: "static" is served under "/static".
            explicit = "/" + os.path.basename(folder)
        return None if explicit is None else explicit.rstrip("/")

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = None if value is None else value.rstrip("/")

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Cache max-age for a static file: ``SEND_FILE_MAX_AGE_DEFAULT`` by default.

        Override it to vary caching per file. ``None`` means conditional
        requests only (no ``max-age``).
        """
        from .globals import current_app

        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        """The view of the static route: send ``filename`` from the static folder."""
        if not self.has_static_folder:
            raise RuntimeError(
                f"{self!r} has no static folder, so it cannot send {filename!r}."
                " Pass static_folder=... when creating it."
            )
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(
            t.cast(str, self.static_folder), filename, max_age=max_age
        )

    @cached_property
    def jinja_loader(self) -> FileSystemLoader | None:
        """A loader for ``template_folder``, or ``None`` when there is none."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> t.IO[t.Any]:
        """Open a file relative to ``root_path`` for reading.

        Only reading modes (``"r"``, ``"rt"``, ``"rb"``) are allowed; text mode
        uses ``encoding`` (UTF-8 by default).
        """
        if mode not in {"r", "rt", "rb"}:
            raise ValueError(
                f"open_resource() opens files for reading only, not mode {mode!r};"
                " use 'r', 'rt' or 'rb'."
            )
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding or "utf-8")

    # -- routes ------------------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> t.Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError(
                f"{method.lower()}() sets the method itself; use route(rule,"
                f" methods=[...]) to give several methods for {rule!r}."
            )
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register a view for GET requests: ``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register a view for POST requests."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register a view for PUT requests."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register a view for DELETE requests."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register a view for PATCH requests."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``.

        ``options`` go to :meth:`add_url_rule` (``methods``, ``endpoint``,
        ``defaults``, ``strict_slashes``, ...). The endpoint defaults to the
        function's name.
        """

        def register(view: T_route) -> T_route:
            self.add_url_rule(rule, options.pop("endpoint", None), view, **options)
            return view

        return register

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect a URL rule to an endpoint and, optionally, its view function."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view for ``endpoint``.

        Use it with ``add_url_rule(rule, endpoint=...)`` calls that give no view.
        """

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- request hooks ---------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each request; a non-None return value is the response.

        On a blueprint it runs for that blueprint's requests only.
        """
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each request; it returns the response to send.

        Not called when an unhandled exception escapes; use ``teardown_request``
        for clean-up that must always happen.
        """
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the request context is popped, even after an error.

        ``exc`` is the unhandled exception, or ``None``. Return values are ignored
        and the functions should not raise.
        """
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Add the dict ``f()`` returns to the context of every template rendered."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Run ``f(endpoint, values)`` after matching, before the view is called.

        It may pop values from ``values`` (the view arguments), e.g. to store a
        language code on ``g`` instead of passing it to every view.
        """
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` in ``url_for`` to fill in missing values."""
        self.url_default_functions[None].append(f)
        return f

    # -- errors ----------------------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function to handle an HTTP code or exception class.

        The handler receives the exception and returns a response value. For an
        exception class, the handler of the nearest class in its MRO wins.
        """

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ft.ErrorHandlerCallable
    ) -> None:
        """Register ``f`` for an HTTP code or exception class, without a decorator."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        if isinstance(exc_class_or_code, int):
            exc_class = default_exceptions.get(exc_class_or_code)
            if exc_class is None:
                raise ValueError(
                    f"{exc_class_or_code!r} is not an HTTP error code werkzeug knows,"
                    " so no handler can be registered for it. Define a subclass of"
                    " werkzeug.exceptions.HTTPException with code ="
                    f" {exc_class_or_code} and register the handler for that class."
                )
            return exc_class, exc_class_or_code
        if isinstance(exc_class_or_code, BaseException):
            raise TypeError(
                f"{exc_class_or_code!r} is an exception instance; register the"
                f" handler for its class ({type(exc_class_or_code).__name__}) or an"
                " HTTP status code."
            )
        if not isinstance(exc_class_or_code, type) or not issubclass(
            exc_class_or_code, Exception
        ):
            raise ValueError(
                f"{exc_class_or_code!r} is not a subclass of Exception. Error handlers"
                " are registered for Exception subclasses or HTTP status codes."
            )
        if issubclass(exc_class_or_code, HTTPException):
            return exc_class_or_code, exc_class_or_code.code
        return exc_class_or_code, None


def register_named(
    name: F | str | None, register: t.Callable[..., None]
) -> F | t.Callable[[F], F]:
    """Back a decorator usable as ``@deco``, ``@deco()`` and ``@deco("name")``.

    ``register(f, name=name)`` is called with the decorated function; used by
    the template filter, test and global decorators of apps and blueprints.
    """
    if callable(name):
        register(name)
        return name

    def decorator(f: F) -> F:
        register(f, name=name)
        return f

    return decorator


def _endpoint_from_view_func(view_func: ft.RouteCallable | None) -> str:
    if view_func is None:
        raise TypeError(
            "add_url_rule() needs an endpoint name when no view function is given;"
            " pass endpoint='name'."
        )
    return view_func.__name__


def _namespace_portion(import_name: str, portions: list[str]) -> str:
    # The folder of a namespace package that holds ``import_name``.
    inner = importlib.util.find_spec(import_name)
    inner_paths = list(inner.submodule_search_locations or ()) if inner else []
    if inner_paths:
        inner_root = pathlib.Path(os.path.commonpath(inner_paths))
        for portion in portions:
            if inner_root.is_relative_to(portion):
                return portion
    return portions[0]


def _package_parent(import_name: str) -> str:
    # The folder that holds the top-level package (or module) of import_name;
    # the working directory when it cannot be found (an interactive session).
    top = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None or (spec.origin is None and not spec.submodule_search_locations):
        return os.getcwd()
    portions = list(spec.submodule_search_locations or ())
    if not portions:  # a module: beside its file
        return os.path.dirname(t.cast(str, spec.origin))
    if spec.origin in (None, "namespace"):
        return os.path.dirname(_namespace_portion(import_name, portions))
    return os.path.dirname(os.path.dirname(spec.origin))  # above __init__.py


def _prefix_of_site_packages(folder: str) -> str | None:
    # <prefix>/lib/site-packages or <prefix>/lib/pythonX.Y/site-packages
    above, name = os.path.split(folder)
    if name.lower() != "site-packages":
        return None
    for candidate in (above, os.path.dirname(above)):
        parent, last = os.path.split(candidate)
        if last.lower() == "lib":
            return parent
    return above


def find_package(import_name: str) -> tuple[str | None, str]:
    """Find where a package is installed: ``(prefix, folder containing it)``.

    ``prefix`` is the installation prefix (``sys.prefix`` or a virtualenv) when
    the package is installed there, else ``None`` (a development checkout).
    """
    parent = _package_parent(import_name)
    interpreter_prefix = os.path.abspath(sys.prefix)
    if pathlib.PurePath(parent).is_relative_to(interpreter_prefix):
        return interpreter_prefix, parent
    return _prefix_of_site_packages(parent), parent
