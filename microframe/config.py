"""The app's configuration: a dict that can fill itself from files, objects and env.

:class:`Config` is what ``app.config`` holds. Besides normal dict access it loads
values from Python files, importable objects, data files (JSON, TOML, ...),
environment variables and plain mappings. Only UPPERCASE names count as
configuration everywhere except :meth:`Config.from_prefixed_env`, so helper
values in a config module stay out of the config.

:class:`ConfigAttribute` lets the app expose a config key as an attribute, so
``app.testing`` reads and writes ``app.config["TESTING"]``.
"""

from __future__ import annotations

import collections.abc as cabc
import errno
import json
import os
import pathlib
import types
import typing as t
from datetime import timedelta

from werkzeug.utils import import_string

if t.TYPE_CHECKING:  # pragma: no cover
    import typing_extensions as te

T = t.TypeVar("T")

# Errors that ``silent=True`` turns into a ``False`` return, per loader.
_PYFILE_SILENT_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})
_FILE_SILENT_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR})


class _HasConfig(t.Protocol):
    """Anything with a ``config`` mapping, such as the app."""

    @property
    def config(self) -> cabc.MutableMapping[str, t.Any]: ...


class ConfigAttribute(t.Generic[T]):
    """Expose ``obj.config[name]`` as an attribute of the class it is set on.

    Reading the attribute returns the config value, passed through
    ``get_converter`` when one is given; assigning to it stores the value in the
    config unchanged. Accessed on the class itself, the descriptor is returned.

    ::

        class App:
            testing = ConfigAttribute[bool]("TESTING")
    """

    def __init__(
        self, name: str, get_converter: t.Callable[[t.Any], T] | None = None
    ) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: type[t.Any] | None = None) -> te.Self: ...

    @t.overload
    def __get__(self, obj: _HasConfig, owner: type[t.Any] | None = None) -> T: ...

    def __get__(
        self, obj: _HasConfig | None, owner: type[t.Any] | None = None
    ) -> T | te.Self:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: _HasConfig, value: t.Any) -> None:
        obj.config[self.__name__] = value


def _explain_load_error(
    exc: OSError, method: str, silent_errnos: frozenset[int], silent: bool
) -> None:
    """Rewrite ``exc.strerror`` to say which loader failed and how to fix it.

    The exception keeps its type, ``errno`` and ``filename``, so code that
    catches ``FileNotFoundError`` or checks ``errno`` keeps working; only the
    readable message grows. ``str(exc)`` then reads ``[Errno 2] Unable to load
    configuration file (No such file or directory) in Config.from_pyfile();
    pass silent=True to skip a missing file, or check the path: '/abs/path'``.
    """
    if not silent and exc.errno in silent_errnos:
        hint = "pass silent=True to skip a missing file, or "
    else:
        hint = ""
    exc.strerror = (
        f"Unable to load configuration file ({exc.strerror}) in"
        f" Config.{method}(); {hint}check the path"
    )


class Config(dict):  # type: ignore[type-arg]
    """A dict of configuration values that can load itself from many sources.

    ``root_path`` is the folder that relative file names are resolved against;
    the app passes its own ``root_path`` (or ``instance_path`` when asked to).
    ``defaults`` are copied in as the starting values.

    Typical use::

        app.config.from_object("myapp.default_settings")
        app.config.from_envvar("MYAPP_SETTINGS", silent=True)
        app.config.from_prefixed_env()
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: dict[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python config file named by the environment variable.

        Equivalent to ``from_pyfile(os.environ[variable_name])`` with errors
        that say which variable was involved. Returns ``True`` once the file is
        loaded. With ``silent=True`` an unset or empty variable, or a file that
        does not exist, returns ``False`` instead of raising.

        :raises RuntimeError: the variable is unset or empty.
        :raises OSError: the file it names cannot be read.
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            state = "empty" if path == "" else "not set"
            raise RuntimeError(
                f"The environment variable {variable_name!r} is {state}, so"
                " Config.from_envvar() has no configuration file to load. Point it"
                f" at a Python config file, e.g. 'export {variable_name}="
                f"/path/to/settings.py', or call from_envvar({variable_name!r},"
                " silent=True) to carry on without it."
            )
        try:
            return self.from_pyfile(path, silent=silent)
        except OSError as e:
            e.strerror = (
                f"{e.strerror} (the environment variable {variable_name!r} points"
                f" to {path!r})"
            )
            raise

    def from_prefixed_env(
        self,
        prefix: str = "MICROFRAME",
        *,
        loads: t.Callable[[str], t.Any] = json.loads,
    ) -> bool:
        """Load every environment variable named ``{prefix}_KEY`` as ``KEY``.

        Variables are read in sorted order. Each value goes through ``loads``
        (by default :func:`json.loads`, so ``1``, ``true`` or ``{"a": 1}`` become
        an int, a bool and a dict); a value that ``loads`` rejects with any
        exception stays a string.

        A double underscore reaches into nested dicts:
        ``MICROFRAME_DB__HOST=x`` sets ``config["DB"]["HOST"]``, creating
        ``config["DB"]`` as an empty dict first when it is missing. Always
        returns ``True``.

        :raises TypeError: a nested key passes through a value that is not a
            mutable mapping.
        """
        full_prefix = f"{prefix}_"
        for env_key in sorted(os.environ):
            if not env_key.startswith(full_prefix):
                continue
            raw = os.environ[env_key]
            try:
                value = loads(raw)
            except Exception:
                value = raw
            key = env_key[len(full_prefix) :]
            if "__" not in key:
                self[key] = value
                continue
            *parents, leaf = key.split("__")
            target: t.Any = self
            walked: list[str] = []
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
                walked.append(part)
                if not isinstance(target, cabc.MutableMapping):
                    where = "".join(f"[{p!r}]" for p in walked)
                    raise TypeError(
                        f"Cannot set config{where}[{leaf!r}] from the environment"
                        f" variable {env_key!r}: config{where} is"
                        f" {type(target).__name__} {target!r}, not a dict. Make"
                        f" config{where} a dict before calling from_prefixed_env(),"
                        f" or rename the variable."
                    )
            target[leaf] = value
        return True

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Load the UPPERCASE names defined by a Python file.

        The file is run as if it were a module (its ``__file__`` is set), then
        handed to :meth:`from_object`. A relative ``filename`` is resolved
        against :attr:`root_path`. Returns ``True`` once loaded; with
        ``silent=True`` a missing file (or a directory) returns ``False``.

        :raises OSError: the file cannot be read; the message names the file
            and the reason.
        """
        path = os.path.join(self.root_path, filename)
        try:
            source = pathlib.Path(path).read_bytes()
        except OSError as e:
            if silent and e.errno in _PYFILE_SILENT_ERRNOS:
                return False
            _explain_load_error(e, "from_pyfile", _PYFILE_SILENT_ERRNOS, silent)
            raise
        # Run the file as the body of a throwaway module named "config".
        settings = types.ModuleType("config")
        settings.__file__ = path
        exec(compile(source, path, "exec"), vars(settings))
        self.from_object(settings)
        return True

    def from_object(self, obj: object | str) -> None:
        """Copy the UPPERCASE attributes of a module, class or other object.

        A string is imported first with :func:`werkzeug.utils.import_string`
        (``"pkg.settings"`` or ``"pkg.settings:ProdConfig"``). A plain dict
        does not work here: its keys are not attributes, use
        :meth:`from_mapping`. Class properties are only evaluated on
        instances, so pass an instance when the class uses ``@property``.
        """
        source = import_string(obj) if isinstance(obj, str) else obj
        for name in filter(str.isupper, dir(source)):
            self[name] = getattr(source, name)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and keep its UPPERCASE keys.

        ``load`` receives the open file and returns a mapping, which goes
        through :meth:`from_mapping`::

            app.config.from_file("config.json", load=json.load)
            app.config.from_file("config.toml", load=tomllib.load, text=False)

        A relative ``filename`` is resolved against :attr:`root_path`; ``text``
        chooses text or binary mode. Returns ``True`` once loaded; with
        ``silent=True`` a missing file (or a directory) returns ``False``.

        :raises OSError: the file cannot be read; the message names the file
            and the reason.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as f:
                data = load(f)
        except OSError as e:
            if silent and e.errno in _FILE_SILENT_ERRNOS:
                return False
            _explain_load_error(e, "from_file", _FILE_SILENT_ERRNOS, silent)
            raise
        return self.from_mapping(data)

    def from_mapping(
        self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> bool:
        """Update the config like :meth:`dict.update`, keeping UPPERCASE keys only.

        Keyword arguments win over ``mapping`` for the same key. Always returns
        ``True``.
        """
        merged: dict[str, t.Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """Return the options whose keys start with ``namespace`` as a new dict.

        Handy for passing a group of options as keyword arguments:

        >>> config = Config("/", {"CACHE_TYPE": "redis", "CACHE_TIMEOUT": 60})
        >>> config.get_namespace("CACHE_")
        {'type': 'redis', 'timeout': 60}

        ``trim_namespace`` drops the prefix from the keys and ``lowercase``
        lowercases them (after trimming).
        """
        result: dict[str, t.Any] = {}
        cut = len(namespace) if trim_namespace else 0
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            new_key = key[cut:]
            if lowercase:
                new_key = new_key.lower()
            result[new_key] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class DefaultName(str):
    """A default name in :data:`DEFAULT_CONFIG`, told apart from one a user set.

    It equals the plain string; only its type shows that nobody chose it, so
    ``app.serve()`` may give the session cookie a name of its own.
    """

    __slots__ = ()


#: The configuration every app starts from: Flask 3.1's keys and defaults.
DEFAULT_CONFIG: cabc.Mapping[str, t.Any] = types.MappingProxyType(
    {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": DefaultName("session"),
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
    }
)
