"""The Flask alias: make ``import flask`` resolve to microframe, on request.

Flask extensions import ``flask`` and read Flask's ``current_app``, ``g`` and
``request``. A microframe app pushes microframe's contexts, so an extension
only works with it when ``flask`` *is* microframe::

    from microframe.compat import install_flask_alias

    install_flask_alias()  # before anything imports flask or an extension

    from flask_login import LoginManager  # now imports microframe

:func:`install_flask_alias` puts modules named ``flask``, ``flask.globals``,
``flask.cli``, ... into ``sys.modules``. Most are microframe's own modules
(``flask.globals`` *is* :mod:`microframe.globals`); where Flask's names differ
a small module forwards to microframe's and adds Flask's names (``Flask`` for
:class:`~microframe.Microframe`, ``FlaskClient``, ``FlaskGroup``,
``http_method_funcs``, ...). ``flask.__version__`` is
:data:`FLASK_COMPAT_VERSION`.

The alias is process-wide: every later ``import flask`` in the process gets
microframe. So it is never installed behind your back; only a call to
:func:`install_flask_alias` (or the ``microframe_flask_alias`` pytest option,
or ``MICROFRAME_FLASK_ALIAS=1`` for the ``microframe`` command) turns it on,
and a program that also uses the real Flask must not turn it on.
"""

from __future__ import annotations

import importlib
import sys
import threading
import typing as t
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import FunctionType, ModuleType

__all__ = [
    "FLASK_COMPAT_VERSION",
    "FlaskAliasError",
    "flask_alias",
    "flask_alias_installed",
    "install_flask_alias",
    "uninstall_flask_alias",
]

#: What ``flask.__version__`` says under the alias: the Flask release whose
#: public API microframe follows. A valid version number (3.1 == 3.1.0), so
#: code comparing versions with ``packaging`` accepts it.
FLASK_COMPAT_VERSION = "3.1"

# Flask's module name -> (microframe module, {Flask name: microframe name}).
# A module without renames is microframe's own module object; one with
# renames is a forwarding module that adds Flask's names.
_MODULES: dict[str, tuple[str, dict[str, str]]] = {
    "flask": ("microframe", {"Flask": "Microframe"}),
    "flask.app": ("microframe.app", {"Flask": "Microframe", "App": "Microframe"}),
    "flask.blueprints": ("microframe.blueprints", {}),
    "flask.cli": ("microframe.cli", {"FlaskGroup": "MicroframeGroup"}),
    "flask.config": ("microframe.config", {}),
    "flask.ctx": ("microframe.ctx", {}),
    "flask.debughelpers": ("microframe.debughelpers", {}),
    "flask.globals": ("microframe.globals", {}),
    "flask.helpers": ("microframe.helpers", {}),
    "flask.json": ("microframe.json", {}),
    "flask.json.provider": ("microframe.json.provider", {}),
    "flask.json.tag": ("microframe.json.tag", {}),
    "flask.logging": ("microframe.logging", {}),
    "flask.sansio": ("", {}),
    "flask.sansio.app": ("microframe.app", {"App": "Microframe"}),
    "flask.sansio.blueprints": ("microframe.blueprints", {}),
    "flask.sansio.scaffold": ("microframe.scaffold", {}),
    "flask.sessions": ("microframe.sessions", {}),
    "flask.signals": ("microframe.signals", {"_signals": "signals_namespace"}),
    "flask.templating": ("microframe.templating", {}),
    "flask.testing": (
        "microframe.testing",
        {"FlaskClient": "MicroframeClient", "FlaskCliRunner": "MicroframeCliRunner"},
    ),
    "flask.typing": ("microframe.typing", {}),
    "flask.views": ("microframe.views", {"http_method_funcs": "HTTP_METHOD_FUNCS"}),
    "flask.wrappers": ("microframe.wrappers", {}),
}

_MARK = "__microframe_flask_alias__"
_lock = threading.Lock()
# The sys.modules entries this module added, so uninstall removes only those.
_added: dict[str, ModuleType] = {}


class FlaskAliasError(RuntimeError):
    """The Flask alias cannot be installed: the real Flask is already imported."""


def _forwarding_module(
    name: str, source: ModuleType, renames: dict[str, str]
) -> ModuleType:
    """A module named ``name`` that answers with ``source``'s attributes.

    ``renames`` maps Flask's names to the names they have in ``source``.
    Attributes are looked up on every access, so the module always agrees
    with microframe's.
    """
    module = ModuleType(name, source.__doc__)

    def __getattr__(attribute: str) -> t.Any:
        try:
            return getattr(source, renames.get(attribute, attribute))
        except AttributeError:
            raise AttributeError(
                f"module {name!r} (microframe's Flask alias for {source.__name__!r})"
                f" has no attribute {attribute!r}: microframe does not provide it."
                " Import it from the real Flask in a process without the alias, or"
                " report it as missing from microframe."
            ) from None

    def __dir__() -> list[str]:
        return sorted({*dir(source), *renames, *vars(module)})

    public = [n for n in dir(source) if not n.startswith("_")]
    module.__dict__.update(
        __getattr__=__getattr__,
        __dir__=__dir__,
        __all__=sorted({*public, *(n for n in renames if not n.startswith("_"))}),
    )
    return module


def _package_module(name: str, doc: str | None) -> ModuleType:
    module = ModuleType(name, doc)
    # An empty search path: 'import flask.missing' fails like any missing
    # submodule instead of finding files somewhere.
    module.__path__ = []
    module.__spec__ = ModuleSpec(name, None, is_package=True)
    return module


def _build() -> dict[str, ModuleType]:
    """Import microframe's modules and make the ``flask`` ones.

    Nothing is put into ``sys.modules`` under Flask's names here.
    """
    modules: dict[str, ModuleType] = {}

    for name, (source_name, renames) in _MODULES.items():
        if not source_name:
            modules[name] = _package_module(name, f"Microframe's alias for {name}.")
            continue

        source = importlib.import_module(source_name)

        if renames:
            module = _forwarding_module(name, source, renames)
            is_package = hasattr(source, "__path__")

            if is_package:
                module.__path__ = []

            module.__spec__ = ModuleSpec(name, None, is_package=is_package)
            modules[name] = module
        else:
            modules[name] = source

    root = modules["flask"]
    root.__dict__[_MARK] = True
    root.__dict__["__version__"] = FLASK_COMPAT_VERSION

    # 'import flask.x' finds flask.x in sys.modules but does not set it as an
    # attribute of flask; set them all so 'flask.x' works after any import.
    for name, module in modules.items():
        parent, _, child = name.rpartition(".")

        # Only on our own modules: microframe's keep their attributes as they are.
        if parent and modules[parent].__name__ == parent:
            modules[parent].__dict__[child] = module

    return modules


def _is_flask_name(name: str) -> bool:
    return name == "flask" or name.startswith("flask.")


def _holds_flask(value: object) -> bool:
    """Whether ``value`` is a Flask module, or a class or function from one."""
    try:
        if isinstance(value, ModuleType):
            return _is_flask_name(value.__name__)

        if type(value) is FunctionType or isinstance(value, type):
            return _is_flask_name(str(value.__module__))
    except Exception:  # an object with a strange __module__ says nothing
        return False

    return False


def _importers() -> list[str]:
    """Modules (in import order) holding the real Flask or something from it."""
    found = []

    for name, module in list(sys.modules.items()):
        if _is_flask_name(name) or not isinstance(module, ModuleType):
            continue

        if any(_holds_flask(value) for value in list(vars(module).values())):
            found.append(name)

    return found


def _refuse(name: str) -> t.NoReturn:
    module = sys.modules[name]
    where = getattr(module, "__file__", None) or "unknown file"
    importers = _importers()

    if importers:
        by = f"by {importers[0]!r}"

        if len(importers) > 1:
            others = ", ".join(repr(n) for n in importers[1:4])
            by += f" (also used by {others}{', ...' if len(importers) > 4 else ''})"
    else:
        by = "by a module that no longer holds a reference to it"

    raise FlaskAliasError(
        f"Cannot install microframe's Flask alias: the real Flask is already"
        f" imported ({name!r} from {where!r}), {by}. The alias makes 'import flask'"
        " mean microframe for the whole process, so it must come first: call"
        " microframe.compat.install_flask_alias() before anything imports flask or"
        " a Flask extension (in pytest, set 'microframe_flask_alias = true' and do"
        " not load Flask-based plugins such as pytest-flask). A program that uses"
        " the real Flask must not use the alias."
    )


def flask_alias_installed() -> bool:
    """Whether ``import flask`` currently gives microframe's alias."""
    return getattr(sys.modules.get("flask"), _MARK, False) is True


def install_flask_alias() -> ModuleType:
    """Make ``import flask`` and its submodules resolve to microframe.

    Process-wide: it changes ``sys.modules`` until
    :func:`uninstall_flask_alias`. Call it before anything imports ``flask``.
    Calling it again does nothing. Returns the ``flask`` module.

    :raises FlaskAliasError: the real Flask is already imported; the message
        names the module that holds it.
    """
    with _lock:
        if flask_alias_installed():
            return sys.modules["flask"]

        if "flask" in sys.modules:
            _refuse("flask")

        # Entries left from an earlier install (someone removed 'flask' only)
        # are ours, and replaced below.
        for name, module in list(sys.modules.items()):
            if _is_flask_name(name) and module is not _added.get(name):
                _refuse(name)

        modules = _build()
        _added.update(modules)
        sys.modules.update(modules)
        return modules["flask"]


def uninstall_flask_alias() -> None:
    """Remove every module :func:`install_flask_alias` added; then the real
    Flask (if installed) can be imported again.

    Modules imported while the alias was on (extensions, say) keep the
    microframe objects they imported; remove them from ``sys.modules``
    too if they must import the real Flask afresh. Does nothing when the
    alias is not installed.
    """
    with _lock:
        for name, module in _added.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]

        _added.clear()


@contextmanager
def flask_alias() -> t.Iterator[ModuleType]:
    """Install the Flask alias for a ``with`` block; give the ``flask`` module.

    The alias is removed at the end unless it was already installed before
    the block.
    """
    installed_before = flask_alias_installed()
    flask = install_flask_alias()

    try:
        yield flask
    finally:
        if not installed_before:
            uninstall_flask_alias()
