"""Class-based views: :class:`View` and the per-method :class:`MethodView`.

A class-based view is turned into an ordinary view function with
:meth:`View.as_view`, and that function is what gets registered for a route::

    class Greeting(View):
        init_every_request = False

        def dispatch_request(self, name: str) -> str:
            return f"Hello, {name}!"

    app.add_url_rule("/hello/<name>", view_func=Greeting.as_view("hello"))

Whatever can be settled once (which instance to use, which handler serves
which HTTP method) is settled when the view function or the subclass is
built, so a request only pays for the call itself.
"""

from __future__ import annotations

import inspect
import typing as t
from types import FunctionType

from . import typing as ft
from .globals import current_app, request

#: Names of the handler methods a :class:`MethodView` looks for.
HTTP_METHOD_FUNCS: frozenset[str] = frozenset(
    ("get", "post", "head", "options", "delete", "put", "trace", "patch")
)


def _is_plain_sync(func: t.Callable[..., t.Any]) -> bool:
    """Whether ``func`` is certainly a plain synchronous (bound) function.

    For those ``ensure_sync`` returns its argument unchanged, so the call can
    skip it. Anything else (coroutine functions, functions marked as such,
    partials, callable objects) is left to ``ensure_sync``.
    """
    func = getattr(func, "__func__", func)
    return (
        type(func) is FunctionType
        and not func.__code__.co_flags & inspect.CO_COROUTINE
        and "_is_coroutine_marker" not in func.__dict__
        and "_is_coroutine" not in func.__dict__
    )


class View:
    """Base class for a view written as a class; subclass it and override
    :meth:`dispatch_request`.

    Register it with ``view_func=YourView.as_view("endpoint")``. The class
    attributes below tune the generated view function:

    * :attr:`methods` — HTTP methods of the route (``None``: the same default
      as ``route``, GET plus the automatic HEAD and OPTIONS).
    * :attr:`provide_automatic_options` — whether OPTIONS is answered
      automatically (``None``: the same default as ``route``).
    * :attr:`decorators` — decorators applied to the generated function, the
      first one innermost. Decorating the class itself has no effect on it.
    * :attr:`init_every_request` — build a fresh instance per request
      (``True``), or a single instance at :meth:`as_view` time (``False``,
      cheaper; then keep per-request data on ``g``, not on ``self``).
    """

    #: HTTP methods the route accepts; ``None`` means the ``route`` default.
    methods: t.ClassVar[t.Collection[str] | None] = None

    #: Whether OPTIONS is answered automatically; ``None`` means the default.
    provide_automatic_options: t.ClassVar[bool | None] = None

    #: Decorators wrapped around the generated view function, first innermost.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []

    #: Build a new instance for each request (``False``: one shared instance).
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Handle a request and return a response value; subclasses override it.

        URL variables of the matched rule arrive as keyword arguments.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not override dispatch_request(). A View"
            " subclass must define 'def dispatch_request(self, **url_values)'"
            " returning the response, or derive from MethodView and define get(),"
            " post(), ... instead."
        )

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> ft.RouteCallable:
        """Build a view function from this class, to register for a route.

        ``name`` becomes the function's ``__name__`` (and so the default
        endpoint). ``class_args`` and ``class_kwargs`` are passed to the
        class's ``__init__``: on every request, or once now when
        :attr:`init_every_request` is ``False``.

        The function carries ``view_class`` (the class it builds instances
        from; replace it to swap the class in tests), ``methods`` and
        ``provide_automatic_options``. ``dispatch_request`` may be
        ``async def``: it then runs through ``current_app.ensure_sync``. A
        plain ``def`` is called directly, as ``ensure_sync`` would return it
        unchanged; that is decided here, once.
        """
        # The function finally returned (after ``decorators``); per-request
        # instances are built from *its* ``view_class``, which may be replaced.
        exported: t.Any = None

        if cls.init_every_request:
            sync_dispatch = _is_plain_sync(cls.dispatch_request)

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                view_class = exported.view_class
                instance = view_class(*class_args, **class_kwargs)

                if sync_dispatch and view_class is cls:
                    return instance.dispatch_request(**kwargs)  # type: ignore[no-any-return]

                return current_app.ensure_sync(instance.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        else:
            dispatch = cls(*class_args, **class_kwargs).dispatch_request

            if _is_plain_sync(dispatch):

                def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                    return dispatch(**kwargs)

            else:

                def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                    return current_app.ensure_sync(dispatch)(**kwargs)  # type: ignore[no-any-return]

        exported = view

        if cls.decorators:
            # Let decorators built on functools.wraps see the final identity.
            view.__name__ = name
            view.__module__ = cls.__module__

            for decorator in cls.decorators:
                exported = decorator(exported)

        exported.view_class = cls
        exported.__name__ = name
        exported.__doc__ = cls.__doc__
        exported.__module__ = cls.__module__
        exported.methods = cls.methods
        exported.provide_automatic_options = cls.provide_automatic_options
        return exported  # type: ignore[no-any-return]


class MethodView(View):
    """A view that sends each HTTP method to the instance method of that name.

    Define ``get``, ``post``, ``put``, ``delete``, ... and a request with that
    method calls it with the URL variables. A HEAD request falls back to
    ``get`` when there is no ``head``. Unless the class sets :attr:`methods`
    itself, it is filled in from the handlers defined on the class and the
    ``methods`` of its bases.
    """

    #: HTTP method -> (attribute name, whether it is a plain sync function),
    #: built for each subclass.
    _handlers: t.ClassVar[dict[str, tuple[str, bool]]] = {}

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)

        defined = sorted(name for name in HTTP_METHOD_FUNCS if hasattr(cls, name))
        handlers = {
            name.upper(): (name, _is_plain_sync(getattr(cls, name))) for name in defined
        }

        if "HEAD" not in handlers and "GET" in handlers:
            handlers["HEAD"] = handlers["GET"]

        cls._handlers = handlers

        if "methods" not in cls.__dict__:
            methods: set[str] = set()

            for base in cls.__bases__:
                base_methods = getattr(base, "methods", None)

                if base_methods:
                    methods.update(base_methods)

            methods.update(name.upper() for name in defined)

            if methods:
                cls.methods = methods

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Call the handler for the current request's method with ``kwargs``.

        Raises :exc:`RuntimeError` when the class has no handler for the
        method, which means the route allows a method the class cannot serve.
        """
        method = request.method
        entry = self._handlers.get(method)

        if entry is not None:
            name, sync = entry

            # Unless the instance replaced the class's handler, skip ensure_sync.
            if sync and name not in self.__dict__:
                return getattr(self, name)(**kwargs)  # type: ignore[no-any-return]

            handler = getattr(self, name, None)
        else:
            # Non-standard methods, or handlers set only on the instance.
            handler = getattr(self, method.lower(), None)

        if handler is None:
            raise RuntimeError(self._missing_handler_message(method))

        return current_app.ensure_sync(handler)(**kwargs)  # type: ignore[no-any-return]

    def _missing_handler_message(self, method: str) -> str:
        cls_name = type(self).__name__
        allowed = sorted(self.methods or ())
        return (
            f"{cls_name} received a {method!r} request but has no"
            f" {method.lower()!r} method to handle it (its route allows"
            f" {allowed!r}). Define 'def {method.lower()}(self, **url_values)'"
            f" on {cls_name}, or remove {method!r} from {cls_name}.methods."
        )
