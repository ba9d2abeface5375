"""Tests for microframe.config: Config loaders and the ConfigAttribute descriptor."""

from __future__ import annotations

import errno
import json
import os
import pathlib
import sys
import textwrap
import typing as t

import flask
import pytest
from werkzeug.utils import ImportStringError

from microframe.config import Config, ConfigAttribute

PYFILE = """\
DEBUG = True
SECRET_KEY = "from-pyfile"
lowercase = "ignored"
SOURCE = __file__
"""


@pytest.fixture
def config(tmp_path: pathlib.Path) -> Config:
    """An empty Config rooted at a fresh temporary folder."""
    return Config(tmp_path)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove every MICROFRAME_/FLASK_/APP_ variable for the duration of a test."""
    for key in list(os.environ):
        if key.startswith(("MICROFRAME_", "FLASK_", "APP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- construction and repr --


def test_init_copies_defaults_and_keeps_root_path(tmp_path: pathlib.Path) -> None:
    defaults = {"A": 1}
    config = Config(tmp_path, defaults)
    assert config == {"A": 1}
    assert config.root_path == tmp_path
    config["B"] = 2
    assert defaults == {"A": 1}


def test_init_without_defaults_is_empty(tmp_path: pathlib.Path) -> None:
    assert Config(tmp_path) == {}
    assert isinstance(Config(tmp_path), dict)


def test_repr_shows_class_and_items(config: Config) -> None:
    config["A"] = 1
    assert repr(config) == "<Config {'A': 1}>"

    class MyConfig(Config):
        pass

    assert repr(MyConfig(".", {"B": "x"})) == "<MyConfig {'B': 'x'}>"


# -- from_mapping --


def test_from_mapping_keeps_only_uppercase_keys(config: Config) -> None:
    assert config.from_mapping({"SECRET": "s", "lower": 1, "Mixed": 2}) is True
    assert config == {"SECRET": "s"}


def test_from_mapping_kwargs_override_mapping(config: Config) -> None:
    assert config.from_mapping({"A": 1, "B": 1}, B=2, C=3, d=4) is True
    assert config == {"A": 1, "B": 2, "C": 3}


def test_from_mapping_without_arguments_changes_nothing(config: Config) -> None:
    config["A"] = 1
    assert config.from_mapping() is True
    assert config.from_mapping(None) is True
    assert config == {"A": 1}


def test_from_mapping_rejects_extra_positional_arguments(config: Config) -> None:
    with pytest.raises(TypeError):
        config.from_mapping({"A": 1}, {"B": 2})  # type: ignore[call-arg]


# -- from_object --


class Settings:
    DEBUG = True
    SECRET_KEY = "from-class"
    lower = "ignored"
    _PRIVATE_lower = "ignored"


class PropertySettings:
    @property
    def DATABASE_URI(self) -> str:
        return "sqlite:///" + "db"


def test_from_object_class_copies_uppercase_attributes(config: Config) -> None:
    config.from_object(Settings)
    assert config == {"DEBUG": True, "SECRET_KEY": "from-class"}


def test_from_object_instance_evaluates_properties(config: Config) -> None:
    config.from_object(PropertySettings())
    assert config == {"DATABASE_URI": "sqlite:///db"}


def test_from_object_returns_none(config: Config) -> None:
    assert config.from_object(Settings) is None  # type: ignore[func-returns-value]


def test_from_object_import_string(
    config: Config, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "mf_settings_mod.py", 'NAME = "module"\nlower = 1\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mf_settings_mod", raising=False)
    try:
        config.from_object("mf_settings_mod")
        assert config == {"NAME": "module"}
    finally:
        sys.modules.pop("mf_settings_mod", None)


def test_from_object_import_string_to_class(config: Config) -> None:
    config.from_object(f"{__name__}:Settings")
    assert config == {"DEBUG": True, "SECRET_KEY": "from-class"}
    config.clear()
    config.from_object(f"{__name__}.Settings")
    assert config["SECRET_KEY"] == "from-class"


def test_from_object_bad_import_string_says_what_failed(config: Config) -> None:
    with pytest.raises(ImportStringError, match="mf_no_such_module"):
        config.from_object("mf_no_such_module.settings")


def test_from_object_dict_loads_nothing(config: Config) -> None:
    config.from_object({"A": 1})
    assert config == {}


# -- from_pyfile --


def test_from_pyfile_relative_to_root_path(
    config: Config, tmp_path: pathlib.Path
) -> None:
    path = write(tmp_path / "settings.cfg", PYFILE)
    assert config.from_pyfile("settings.cfg") is True
    assert config == {"DEBUG": True, "SECRET_KEY": "from-pyfile", "SOURCE": str(path)}


def test_from_pyfile_absolute_and_pathlike(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "settings.py", PYFILE)
    config = Config("/somewhere/else")
    assert config.from_pyfile(path) is True
    assert config["SECRET_KEY"] == "from-pyfile"
    assert config["SOURCE"] == str(path)


def test_from_pyfile_runs_code_and_reports_errors_in_the_file(
    config: Config, tmp_path: pathlib.Path
) -> None:
    write(tmp_path / "computed.py", "import os\nA = os.sep * 2\nB = [i for i in (1,2)]")
    config.from_pyfile("computed.py")
    assert config == {"A": os.sep * 2, "B": [1, 2]}

    write(tmp_path / "broken.py", "A = (\n")
    with pytest.raises(SyntaxError) as info:
        config.from_pyfile("broken.py")
    assert info.value.filename == str(tmp_path / "broken.py")


def test_from_pyfile_missing_file_error(config: Config, tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        config.from_pyfile("missing.cfg")
    e = info.value
    assert e.errno == errno.ENOENT
    assert e.filename == str(tmp_path / "missing.cfg")
    assert e.strerror == (
        "Unable to load configuration file (No such file or directory) in"
        " Config.from_pyfile(); pass silent=True to skip a missing file, or check"
        " the path"
    )
    message = str(e)
    assert message.startswith("[Errno 2] Unable to load configuration file")
    assert message.endswith(f": {str(tmp_path / 'missing.cfg')!r}")
    assert config == {}


def test_from_pyfile_silent_skips_missing_directory_and_notdir(
    config: Config, tmp_path: pathlib.Path
) -> None:
    write(tmp_path / "plain", "")
    assert config.from_pyfile("missing.cfg", silent=True) is False
    assert config.from_pyfile(tmp_path, silent=True) is False  # EISDIR
    assert config.from_pyfile("plain/inner.cfg", silent=True) is False  # ENOTDIR
    assert config == {}


def test_from_pyfile_directory_error_without_silent(
    config: Config, tmp_path: pathlib.Path
) -> None:
    with pytest.raises(IsADirectoryError) as info:
        config.from_pyfile(tmp_path)
    assert "Is a directory" in str(info.value)
    assert "Config.from_pyfile()" in str(info.value)
    assert "silent=True" in str(info.value)


def test_from_pyfile_error_that_silent_does_not_cover(
    config: Config, tmp_path: pathlib.Path
) -> None:
    # A name longer than the filesystem allows fails with ENAMETOOLONG, which
    # silent=True does not hide, so the message must not suggest it.
    with pytest.raises(OSError) as info:
        config.from_pyfile("x" * 5000, silent=True)
    e = info.value
    assert e.errno == errno.ENAMETOOLONG
    assert e.strerror is not None
    assert e.strerror.startswith("Unable to load configuration file (File name")
    assert "in Config.from_pyfile(); check the path" in e.strerror
    assert "silent=True" not in e.strerror


# -- from_envvar --


def test_from_envvar_loads_the_named_file(
    config: Config, tmp_path: pathlib.Path, clean_env: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "settings.cfg", PYFILE)
    clean_env.setenv("APP_SETTINGS", "settings.cfg")
    assert config.from_envvar("APP_SETTINGS") is True
    assert config["SECRET_KEY"] == "from-pyfile"


def test_from_envvar_unset_variable(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RuntimeError) as info:
        config.from_envvar("APP_SETTINGS")
    assert str(info.value) == (
        "The environment variable 'APP_SETTINGS' is not set, so"
        " Config.from_envvar() has no configuration file to load. Point it at a"
        " Python config file, e.g. 'export APP_SETTINGS=/path/to/settings.py', or"
        " call from_envvar('APP_SETTINGS', silent=True) to carry on without it."
    )
    assert config.from_envvar("APP_SETTINGS", silent=True) is False


def test_from_envvar_empty_variable(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("APP_SETTINGS", "")
    with pytest.raises(RuntimeError, match=r"'APP_SETTINGS' is empty, so"):
        config.from_envvar("APP_SETTINGS")
    assert config.from_envvar("APP_SETTINGS", silent=True) is False


def test_from_envvar_missing_file_names_variable_and_target(
    config: Config, tmp_path: pathlib.Path, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("APP_SETTINGS", "missing.cfg")
    with pytest.raises(FileNotFoundError) as info:
        config.from_envvar("APP_SETTINGS")
    e = info.value
    assert e.errno == errno.ENOENT
    assert e.filename == str(tmp_path / "missing.cfg")
    assert str(e) == (
        "[Errno 2] Unable to load configuration file (No such file or directory)"
        " in Config.from_pyfile(); pass silent=True to skip a missing file, or"
        " check the path (the environment variable 'APP_SETTINGS' points to"
        f" 'missing.cfg'): {str(tmp_path / 'missing.cfg')!r}"
    )
    assert config.from_envvar("APP_SETTINGS", silent=True) is False


def test_from_envvar_goes_through_from_pyfile(
    tmp_path: pathlib.Path, clean_env: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, bool]] = []

    class LoggingConfig(Config):
        def from_pyfile(
            self, filename: str | os.PathLike[str], silent: bool = False
        ) -> bool:
            calls.append((os.fspath(filename), silent))
            return True

    clean_env.setenv("APP_SETTINGS", "x.cfg")
    assert LoggingConfig(tmp_path).from_envvar("APP_SETTINGS", silent=True) is True
    assert calls == [("x.cfg", True)]


# -- from_prefixed_env --


def test_from_prefixed_env_parses_json_values(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("MICROFRAME_STRING", "value")
    clean_env.setenv("MICROFRAME_INT", "1")
    clean_env.setenv("MICROFRAME_FLOAT", "1.2")
    clean_env.setenv("MICROFRAME_BOOL", "true")
    clean_env.setenv("MICROFRAME_NULL", "null")
    clean_env.setenv("MICROFRAME_LIST", "[1, 2]")
    clean_env.setenv("MICROFRAME_DICT", '{"k": "v"}')
    clean_env.setenv("MICROFRAME_QUOTED", '"1"')
    clean_env.setenv("MICROFRAME_lower", "kept")
    clean_env.setenv("NOT_MICROFRAME_KEY", "1")
    clean_env.setenv("MICROFRAMEX", "1")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "value",
        "INT": 1,
        "FLOAT": 1.2,
        "BOOL": True,
        "NULL": None,
        "LIST": [1, 2],
        "DICT": {"k": "v"},
        "QUOTED": "1",
        "lower": "kept",
    }


def test_from_prefixed_env_custom_prefix_and_loads(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("APP_A", "3")
    clean_env.setenv("APP_B", "not a number")
    clean_env.setenv("MICROFRAME_C", "1")
    assert config.from_prefixed_env("APP", loads=int) is True
    assert config == {"A": 3, "B": "not a number"}


def test_from_prefixed_env_nested_keys(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["EXIST"] = {"ok": 1, "inner": {"keep": True}}
    clean_env.setenv("MICROFRAME_EXIST__new_key", "2")
    clean_env.setenv("MICROFRAME_EXIST__ok", "3")
    clean_env.setenv("MICROFRAME_EXIST__inner__k", '"v"')
    clean_env.setenv("MICROFRAME_NEW__K__DEEP", "4")
    config.from_prefixed_env()
    assert config == {
        "EXIST": {"ok": 3, "new_key": 2, "inner": {"keep": True, "k": "v"}},
        "NEW": {"K": {"DEEP": 4}},
    }


def test_from_prefixed_env_sorted_order(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    # "MICROFRAME_DB" sorts before "MICROFRAME_DB__PORT", so the nested value is
    # set inside the dict that the plain variable created.
    clean_env.setenv("MICROFRAME_DB__PORT", "5432")
    clean_env.setenv("MICROFRAME_DB", '{"HOST": "h"}')
    config.from_prefixed_env()
    assert config == {"DB": {"HOST": "h", "PORT": 5432}}


def test_from_prefixed_env_nested_into_non_dict(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["DB"] = "sqlite://"
    clean_env.setenv("MICROFRAME_DB__HOST", "h")
    with pytest.raises(TypeError) as info:
        config.from_prefixed_env()
    assert str(info.value) == (
        "Cannot set config['DB']['HOST'] from the environment variable"
        " 'MICROFRAME_DB__HOST': config['DB'] is str 'sqlite://', not a dict."
        " Make config['DB'] a dict before calling from_prefixed_env(), or rename"
        " the variable."
    )


def test_from_prefixed_env_deep_non_dict_names_full_path(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["A"] = {"B": [1]}
    clean_env.setenv("MICROFRAME_A__B__C", "1")
    with pytest.raises(TypeError, match=r"config\['A'\]\['B'\] is list \[1\]"):
        config.from_prefixed_env()


@pytest.mark.parametrize(
    "env",
    [
        {"X": "1", "Y": "abc", "Z": "[true]", "W": '{"a": {"b": 1}}'},
        {"A__B": "1", "A__C__D": "x", "E": "{}", "E__F": "2"},
        {"N": "", "S": " 7 ", "T": "1e3", "U": "NaN"},
    ],
)
def test_from_prefixed_env_matches_flask(
    clean_env: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for key, value in env.items():
        clean_env.setenv(f"MICROFRAME_{key}", value)
        clean_env.setenv(f"FLASK_{key}", value)
    ours = Config(".", {"E": {"keep": 1}})
    theirs = flask.Config(".", {"E": {"keep": 1}})
    ours.from_prefixed_env()
    theirs.from_prefixed_env()
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)


# -- from_file --


def test_from_file_json(config: Config, tmp_path: pathlib.Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"A": 1, "b": 2, "C": [1]}), encoding="utf-8"
    )
    assert config.from_file("config.json", load=json.load) is True
    assert config == {"A": 1, "C": [1]}


def test_from_file_text_and_binary_modes(
    config: Config, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "config.json").write_text('{"A": 1}', encoding="utf-8")
    seen: list[t.Any] = []

    def load(f: t.IO[t.Any]) -> t.Mapping[str, t.Any]:
        data = f.read()
        seen.append(data)
        return {"DATA": data}

    config.from_file("config.json", load=load)
    config.from_file(tmp_path / "config.json", load=load, text=False)
    assert seen == ['{"A": 1}', b'{"A": 1}']
    assert config == {"DATA": b'{"A": 1}'}


def test_from_file_missing_file_error(config: Config, tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        config.from_file("missing.json", load=json.load)
    e = info.value
    assert e.errno == errno.ENOENT
    assert e.filename == str(tmp_path / "missing.json")
    assert str(e) == (
        "[Errno 2] Unable to load configuration file (No such file or directory)"
        " in Config.from_file(); pass silent=True to skip a missing file, or check"
        f" the path: {str(tmp_path / 'missing.json')!r}"
    )


def test_from_file_silent(config: Config, tmp_path: pathlib.Path) -> None:
    assert config.from_file("missing.json", load=json.load, silent=True) is False
    assert config.from_file(tmp_path, load=json.load, silent=True) is False
    assert config == {}


def test_from_file_silent_does_not_hide_notdir(
    config: Config, tmp_path: pathlib.Path
) -> None:
    # Like Flask, from_file's silent covers ENOENT and EISDIR, not ENOTDIR.
    write(tmp_path / "plain", "")
    with pytest.raises(NotADirectoryError) as info:
        config.from_file("plain/inner.json", load=json.load, silent=True)
    assert info.value.strerror == (
        "Unable to load configuration file (Not a directory) in Config.from_file();"
        " check the path"
    )


def test_from_file_load_errors_propagate(
    config: Config, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        config.from_file("bad.json", load=json.load)


def test_from_file_matches_flask_silent_rules(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "plain", "")
    for name in ("missing.json", ".", "plain/inner.json"):
        outcomes: list[bool | type[OSError]] = []
        for cls in (Config, flask.Config):
            try:
                outcomes.append(cls(tmp_path).from_file(name, json.load, silent=True))
            except OSError as e:
                outcomes.append(type(e))
        assert outcomes[0] == outcomes[1], name


# -- get_namespace --


@pytest.mark.parametrize("lowercase", [True, False])
@pytest.mark.parametrize("trim_namespace", [True, False])
def test_get_namespace(config: Config, lowercase: bool, trim_namespace: bool) -> None:
    values = {
        "FOO_OPTION_1": "foo option 1",
        "FOO_OPTION_2": "foo option 2",
        "BAR_STUFF_1": "bar stuff 1",
        "FOO": "exact",
    }
    config.update(values)
    expected_keys = {
        (True, True): {"option_1", "option_2"},
        (True, False): {"foo_option_1", "foo_option_2"},
        (False, True): {"OPTION_1", "OPTION_2"},
        (False, False): {"FOO_OPTION_1", "FOO_OPTION_2"},
    }[lowercase, trim_namespace]
    result = config.get_namespace(
        "FOO_", lowercase=lowercase, trim_namespace=trim_namespace
    )
    assert set(result) == expected_keys
    assert sorted(result.values()) == ["foo option 1", "foo option 2"]

    reference = flask.Config(".", values)
    assert result == reference.get_namespace(
        "FOO_", lowercase=lowercase, trim_namespace=trim_namespace
    )


def test_get_namespace_returns_a_new_dict(config: Config) -> None:
    config["NS_A"] = 1
    result = config.get_namespace("NS_")
    assert result == {"a": 1}
    result["a"] = 2
    assert config["NS_A"] == 1
    assert config.get_namespace("OTHER_") == {}


# -- ConfigAttribute --


class Holder:
    debug = ConfigAttribute[bool]("DEBUG")
    port = ConfigAttribute[int]("PORT", get_converter=int)

    def __init__(self) -> None:
        self.config = Config(".", {"DEBUG": False, "PORT": "5000"})


def test_config_attribute_reads_and_writes_config() -> None:
    holder = Holder()
    assert holder.debug is False
    holder.debug = True
    assert holder.config["DEBUG"] is True
    assert holder.debug is True
    holder.config["DEBUG"] = False
    assert holder.debug is False


def test_config_attribute_converter_applies_on_read_only() -> None:
    holder = Holder()
    assert holder.port == 5000
    holder.port = "8080"
    assert holder.config["PORT"] == "8080"
    assert holder.port == 8080


def test_config_attribute_on_class_returns_descriptor() -> None:
    descriptor = Holder.debug
    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.__name__ == "DEBUG"
    assert descriptor.get_converter is None
    assert Holder.port.get_converter is int


def test_config_attribute_missing_key_raises_key_error() -> None:
    holder = Holder()
    del holder.config["DEBUG"]
    with pytest.raises(KeyError, match="DEBUG"):
        _ = holder.debug
