"""Tests for microframe/cli/: ScriptInfo, the command group, dotenv and commands.

Finding the app is tested in test_discovery.py."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import runpy
import ssl
import subprocess
import sys
import types
import typing as t
from pathlib import Path

import click
import flask
import flask.cli
import pytest
from click.testing import CliRunner

import microframe.cli
from microframe import Blueprint, Microframe, current_app
from microframe.cli import (
    AppGroup,
    CertParamType,
    MicroframeGroup,
    NoAppException,
    ScriptInfo,
    SeparatedPathType,
    cli,
    load_dotenv,
    pass_script_info,
    show_server_banner,
    with_appcontext,
)
from microframe.globals import app_ctx

APPS = Path(__file__).parent / "apps" / "cli"

pytestmark = pytest.mark.usefixtures("cli_isolation")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def load(import_path: str | None) -> Microframe:
    return ScriptInfo(app_import_path=import_path).load_app()


# -- ScriptInfo ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", ("hello", None)),
        ("hello:app", ("hello", "app")),
        ("f:create_app('a:b')", ("f", "create_app('a:b')")),
        ("C:\\src\\hello.py:app", ("C:\\src\\hello.py", "app")),
        ("C:/src/hello.py", ("C:/src/hello.py", None)),
    ],
)
def test_split_import_path(value: str, expected: tuple[str, str | None]) -> None:
    assert microframe.cli.scripts._split_import_path(value) == expected


def test_script_info_create_app_and_caching(app: Microframe) -> None:
    calls: list[int] = []

    def create() -> Microframe:
        calls.append(1)
        return app

    info = ScriptInfo(create_app=create)

    assert info.load_app() is app
    assert info.load_app() is app
    assert calls == [1]
    assert info.data == {}


def test_script_info_create_app_returning_none() -> None:
    info = ScriptInfo(create_app=lambda: None)  # type: ignore[arg-type,return-value]

    with pytest.raises(NoAppException, match="returned None"):
        info.load_app()


def test_script_info_sets_debug_from_env(
    app: Microframe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROFRAME_DEBUG", "1")
    assert ScriptInfo(create_app=lambda: app).load_app().debug is True

    other = Microframe("other")
    other.debug = True
    monkeypatch.setenv("MICROFRAME_DEBUG", "0")
    ScriptInfo(create_app=lambda: other, set_debug_flag=False).load_app()
    assert other.debug is True


def test_script_info_dotenv_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ScriptInfo().load_dotenv_defaults is False  # MICROFRAME_SKIP_DOTENV=1
    monkeypatch.delenv("MICROFRAME_SKIP_DOTENV")
    assert ScriptInfo().load_dotenv_defaults is True
    assert ScriptInfo(load_dotenv_defaults=False).load_dotenv_defaults is False


# -- the command group ---------------------------------------------------------


def test_app_option_and_custom_command(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--app", "hello", "greet", "--name", "Ada"])

    assert result.exit_code == 0, result.output
    assert result.output == "hello Ada from hello\n"


def test_app_env_var(
    in_apps: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROFRAME_APP", "hello")
    result = runner.invoke(cli, ["greet"])

    assert result.output == "hello world from hello\n"


def test_short_app_option(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["-A", "factory:create_app('short')", "routes"])

    assert result.exit_code == 0, result.output


def test_run_from_cli_flag_is_set(in_apps: Path, runner: CliRunner) -> None:
    runner.invoke(cli, ["--app", "hello", "greet"])

    assert os.environ["MICROFRAME_RUN_FROM_CLI"] == "true"


def test_help_lists_app_commands(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--app", "hello", "--help"])

    assert result.exit_code == 0
    assert "Run and manage microframe apps." in result.output
    assert "-A, --app IMPORT" in result.output
    assert "-e, --env-file FILE" in result.output
    assert "--debug / --no-debug" in result.output
    commands = result.output.split("Commands:")[1].split()
    assert commands[0] == "greet"
    for name in ("routes", "run", "shell"):
        assert name in commands


def test_no_args_help_uses_app_env_var(
    in_apps: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROFRAME_APP", "hello")
    result = runner.invoke(cli, [])

    assert "Usage:" in result.output
    assert "greet" in result.output


def test_help_shows_app_load_errors(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--app", "no_app", "--help"])

    assert result.exit_code == 0
    assert "Error: Found no Microframe app in module 'no_app'" in result.stderr
    assert "routes" in result.stdout


def test_help_shows_traceback_of_other_errors(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--app", "broken_runtime", "--help"])

    assert result.exit_code == 0
    assert "Traceback" in result.stderr
    assert "broken_runtime failed on purpose" in result.stderr


def test_unknown_command_reports_app_error(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--app", "no_app", "greet"])

    assert result.exit_code == 2
    assert "Error: Found no Microframe app in module 'no_app'" in result.stderr
    assert "No such command 'greet'" in result.stderr


def test_builtin_commands_work_without_app(in_apps: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--app", "no_app", "routes", "--help"])

    assert result.exit_code == 0
    assert "Show every registered route" in result.output


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("Python ")
    assert lines[1] == f"Microframe {importlib.metadata.version('microframe-wsgi')}"
    assert lines[2] == f"Werkzeug {importlib.metadata.version('werkzeug')}"


def test_debug_option_sets_env(
    in_apps: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(cli, ["--app", "hello", "--debug", "routes"])
    assert result.exit_code == 0, result.output
    assert os.environ["MICROFRAME_DEBUG"] == "1"

    runner.invoke(cli, ["--app", "hello", "--no-debug", "routes"])
    assert os.environ["MICROFRAME_DEBUG"] == "0"

    monkeypatch.delenv("MICROFRAME_DEBUG")
    runner.invoke(cli, ["--app", "hello", "routes"])
    assert "MICROFRAME_DEBUG" not in os.environ


def test_debug_env_var_reaches_the_app(
    app: Microframe, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    @app.cli.command()
    def show() -> None:
        click.echo(f"debug={current_app.debug}")

    group = MicroframeGroup(create_app=lambda: app)
    monkeypatch.setenv("MICROFRAME_DEBUG", "1")

    assert runner.invoke(group, ["show"]).output == "debug=True\n"
    assert runner.invoke(group, ["--no-debug", "show"]).output == "debug=False\n"


def test_custom_group(app: Microframe, runner: CliRunner) -> None:
    def callback(flag: bool) -> None:
        click.echo(f"flag={flag} app={current_app.name}")

    group = MicroframeGroup(
        name="manage",
        create_app=lambda: app,
        add_default_commands=False,
        add_version_option=False,
        params=[click.Option(["--flag"], is_flag=True)],
        callback=with_appcontext(callback),
        context_settings={"help_option_names": ["-h", "--help"]},
        invoke_without_command=True,
    )
    help_text = runner.invoke(group, ["-h"]).output

    assert "--flag" in help_text
    assert "--app" in help_text
    assert "--version" not in help_text
    assert "routes" not in help_text
    assert group.context_settings["auto_envvar_prefix"] == "MICROFRAME"
    assert runner.invoke(group, ["--flag"]).output == "flag=True app=test_app\n"


def test_group_with_own_obj(app: Microframe, runner: CliRunner) -> None:
    @app.cli.command()
    @pass_script_info
    def info(script_info: ScriptInfo) -> None:
        click.echo(script_info.data["marker"])

    script_info = ScriptInfo(create_app=lambda: app)
    script_info.data["marker"] = "given"
    group = MicroframeGroup(add_default_commands=False)
    result = runner.invoke(group, ["info"], obj=script_info)

    assert result.output == "given\n"


def test_plugin_commands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, runner: CliRunner
) -> None:
    (tmp_path / "mf_plugin.py").write_text(
        "import click\n\n"
        "@click.command()\n"
        "def plugged():\n"
        "    click.echo('plugin ran')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    entry_point = importlib.metadata.EntryPoint(
        name="plugged", value="mf_plugin:plugged", group="microframe.commands"
    )
    groups: list[str | None] = []

    def fake_entry_points(**params: t.Any) -> list[importlib.metadata.EntryPoint]:
        groups.append(params.get("group"))
        return [entry_point]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    group = MicroframeGroup(create_app=lambda: Microframe("plugin_app"))

    assert runner.invoke(group, ["plugged"]).output == "plugin ran\n"
    assert "plugged" in runner.invoke(group, ["--help"]).output
    assert groups == ["microframe.commands"]


def test_python_dash_m(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["microframe", "--version"])
    monkeypatch.delitem(sys.modules, "microframe.__main__", raising=False)

    with pytest.raises(SystemExit) as exc_info:
        runpy.run_module("microframe", run_name="__main__")

    assert exc_info.value.code == 0
    assert "Microframe " in capsys.readouterr().out


# -- AppGroup and with_appcontext ----------------------------------------------


def test_app_cli_commands_get_app_context(app: Microframe) -> None:
    @app.cli.command()
    def with_parens() -> None:
        click.echo(f"parens {current_app.name}")

    @app.cli.command
    def no_parens() -> None:
        click.echo(f"no parens {current_app.name}")

    @app.cli.command("named", with_appcontext=False)
    def plain() -> None:
        click.echo(f"context: {bool(current_app)}")

    runner = app.test_cli_runner()

    assert runner.invoke(args=["with-parens"]).output == "parens test_app\n"
    assert runner.invoke(args=["no-parens"]).output == "no parens test_app\n"
    assert runner.invoke(args=["named"]).output == "context: False\n"


def test_app_cli_subgroups_are_app_groups(app: Microframe) -> None:
    @app.cli.group()
    def db() -> None:
        """Database commands."""

    @db.command()
    def init() -> None:
        click.echo(f"init {current_app.name}")

    @app.cli.group
    def cache() -> None:
        """Cache commands."""

    @app.cli.group(cls=click.Group)
    def plain() -> None:
        """A plain click group."""

    assert isinstance(db, AppGroup)
    assert isinstance(cache, AppGroup)
    assert type(plain) is click.Group
    assert app.test_cli_runner().invoke(args=["db", "init"]).output == (
        "init test_app\n"
    )


def test_blueprint_cli_group(app: Microframe, runner: CliRunner) -> None:
    grouped = Blueprint("grouped", __name__, cli_group="things")
    merged = Blueprint("merged", __name__, cli_group=None)

    @grouped.cli.command("list")
    def list_things() -> None:
        click.echo(f"things of {current_app.name}")

    @merged.cli.command("top")
    def top_level() -> None:
        click.echo("top level")

    app.register_blueprint(grouped)
    app.register_blueprint(merged)
    group = MicroframeGroup(create_app=lambda: app)

    assert runner.invoke(group, ["things", "list"]).output == "things of test_app\n"
    assert runner.invoke(group, ["top"]).output == "top level\n"


def test_with_appcontext_loads_the_app(app: Microframe, runner: CliRunner) -> None:
    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    result = runner.invoke(show, obj=ScriptInfo(create_app=lambda: app))

    assert result.output == "test_app\n"
    assert show.callback.__name__ == "show"  # type: ignore[union-attr]


def test_with_appcontext_reuses_active_context(
    app: Microframe, runner: CliRunner
) -> None:
    seen: list[object] = []

    @click.command()
    @with_appcontext
    def show() -> None:
        seen.append(app_ctx._get_current_object())  # type: ignore[attr-defined]

    def fail() -> Microframe:
        raise AssertionError("the app must not be loaded again")

    with app.app_context() as ctx:
        runner.invoke(show, obj=ScriptInfo(create_app=fail), catch_exceptions=False)

    assert seen == [ctx]


def test_group_reuses_active_app_context(app: Microframe, runner: CliRunner) -> None:
    seen: list[object] = []

    @app.cli.command()
    def show() -> None:
        seen.append(app_ctx._get_current_object())  # type: ignore[attr-defined]

    with app.app_context() as ctx:
        runner.invoke(MicroframeGroup(create_app=lambda: app), ["show"])

    assert seen == [ctx]


def test_app_context_covers_parameter_callbacks(
    app: Microframe, runner: CliRunner
) -> None:
    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        return f"{value} in {current_app.name}"

    @app.cli.command()
    @click.option("--where", callback=check, default="here")
    def where(where: str) -> None:
        click.echo(where)

    result = runner.invoke(MicroframeGroup(create_app=lambda: app), ["where"])

    assert result.output == "here in test_app\n"


# -- dotenv --------------------------------------------------------------------


@pytest.fixture
def env_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A current directory with both default env files."""
    (tmp_path / ".microframeenv").write_text(
        "MF_ONLY_MICRO=micro\nMF_BOTH=micro\nMF_PRESET=micro\n"
    )
    (tmp_path / ".env").write_text("MF_ONLY_ENV=env\nMF_BOTH=env\nMF_BARE\n")
    (tmp_path / "extra.env").write_text("MF_BOTH=extra\nMF_EXTRA=extra\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MF_PRESET", "preset")
    return tmp_path


def test_load_dotenv_precedence(env_dir: Path) -> None:
    assert load_dotenv() is True

    assert os.environ["MF_ONLY_MICRO"] == "micro"
    assert os.environ["MF_ONLY_ENV"] == "env"
    assert os.environ["MF_BOTH"] == "env"
    assert os.environ["MF_PRESET"] == "preset"
    assert "MF_BARE" not in os.environ


def test_load_dotenv_path_wins(env_dir: Path) -> None:
    assert load_dotenv(env_dir / "extra.env") is True

    assert os.environ["MF_BOTH"] == "extra"
    assert os.environ["MF_ONLY_MICRO"] == "micro"


def test_load_dotenv_path_without_defaults(env_dir: Path) -> None:
    assert load_dotenv("extra.env", load_defaults=False) is True

    assert os.environ["MF_EXTRA"] == "extra"
    assert "MF_ONLY_ENV" not in os.environ


def test_load_dotenv_searches_parents(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = env_dir / "child"
    child.mkdir()
    monkeypatch.chdir(child)

    assert load_dotenv() is True
    assert os.environ["MF_ONLY_ENV"] == "env"


def test_load_dotenv_only_dot_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("MF_ONLY_ENV=env\n")
    monkeypatch.chdir(tmp_path)

    assert load_dotenv() is True
    assert os.environ["MF_ONLY_ENV"] == "env"


def test_load_dotenv_nothing_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)

    assert load_dotenv(load_defaults=False) is False
    assert load_dotenv(tmp_path / "missing.env", load_defaults=False) is False


def test_load_dotenv_without_python_dotenv(
    env_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)

    assert load_dotenv() is False
    err = capsys.readouterr().err
    assert "'.env', '.microframeenv' not loaded" in err
    assert "pip install python-dotenv" in err
    assert "MF_ONLY_ENV" not in os.environ

    assert load_dotenv("extra.env") is False
    assert "'extra.env' not loaded" in capsys.readouterr().err


def test_no_tip_without_env_files(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "dotenv", None)

    assert load_dotenv() is False
    assert capsys.readouterr().err == ""


def test_cli_loads_microframeenv(
    env_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (env_dir / ".microframeenv").write_text(f"MICROFRAME_APP={APPS / 'hello.py'}\n")
    monkeypatch.delenv("MICROFRAME_SKIP_DOTENV")
    result = runner.invoke(cli, ["greet"])

    assert result.output == "hello world from hello\n"


def test_cli_skip_dotenv(env_dir: Path, runner: CliRunner) -> None:
    (env_dir / ".microframeenv").write_text(f"MICROFRAME_APP={APPS / 'hello.py'}\n")
    result = runner.invoke(cli, ["greet"])

    assert result.exit_code == 2
    assert "MICROFRAME_APP" not in os.environ


def test_cli_env_file_option(env_dir: Path, runner: CliRunner) -> None:
    (env_dir / "app.env").write_text(f"MICROFRAME_APP={APPS / 'hello.py'}\n")
    result = runner.invoke(cli, ["-e", "app.env", "greet"])

    assert result.output == "hello world from hello\n"
    assert "MF_ONLY_ENV" not in os.environ  # defaults skipped by the env var


def test_cli_env_file_needs_python_dotenv(
    env_dir: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    result = runner.invoke(cli, ["--env-file", "extra.env", "routes"])

    assert result.exit_code == 2
    assert "python-dotenv is not installed" in result.stderr
    assert "pip install python-dotenv" in result.stderr


# -- run -----------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, t.Any]:
    """Capture the arguments of werkzeug's run_simple instead of serving."""
    import werkzeug.serving

    captured: dict[str, t.Any] = {}

    def fake_run_simple(
        hostname: str, port: int, application: t.Any, **options: t.Any
    ) -> None:
        captured.update(hostname=hostname, port=port, app=application, **options)

    monkeypatch.setattr(werkzeug.serving, "run_simple", fake_run_simple)
    return captured


def test_run_defaults(
    in_apps: Path, runner: CliRunner, served: dict[str, t.Any]
) -> None:
    result = runner.invoke(cli, ["--app", "hello", "run"])

    assert result.exit_code == 0, result.output
    assert result.output == " * Serving Microframe app 'hello'\n * Debug mode: off\n"
    assert served["hostname"] == "127.0.0.1"
    assert served["port"] == 5000
    assert served["app"].name == "hello"
    assert served["use_reloader"] is False
    assert served["use_debugger"] is False
    assert served["threaded"] is True
    assert served["ssl_context"] is None
    assert served["extra_files"] is None
    assert served["exclude_patterns"] is None


def test_run_options(
    in_apps: Path, runner: CliRunner, served: dict[str, t.Any]
) -> None:
    extra = os.pathsep.join(["a.txt", "b.txt"])
    args = ["--app", "hello", "run", "-h", "0.0.0.0", "-p", "8080", "--without-threads"]
    args += ["--extra-files", extra, "--exclude-patterns", "*.tmp"]
    result = runner.invoke(cli, args)

    assert result.exit_code == 0, result.output
    assert served["hostname"] == "0.0.0.0"
    assert served["port"] == 8080
    assert served["threaded"] is False
    assert served["extra_files"] == ["a.txt", "b.txt"]
    assert served["exclude_patterns"] == ["*.tmp"]


def test_run_debug_turns_on_reloader_and_debugger(
    in_apps: Path, runner: CliRunner, served: dict[str, t.Any]
) -> None:
    result = runner.invoke(cli, ["--app", "hello", "run", "--debug"])

    assert "Debug mode: on" in result.output
    assert served["use_reloader"] is True
    assert served["use_debugger"] is True

    runner.invoke(cli, ["--app", "hello", "--debug", "run", "--no-reload"])
    assert served["use_reloader"] is False
    assert served["use_debugger"] is True

    runner.invoke(cli, ["--app", "hello", "run", "--reload", "--debugger"])
    assert served["use_reloader"] is True
    assert served["use_debugger"] is True


def test_run_env_vars(
    in_apps: Path,
    runner: CliRunner,
    served: dict[str, t.Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROFRAME_RUN_PORT", "9000")
    monkeypatch.setenv("MICROFRAME_RUN_HOST", "::1")
    runner.invoke(cli, ["--app", "hello", "run"])

    assert (served["hostname"], served["port"]) == ("::1", 9000)


def test_run_reports_load_errors(
    in_apps: Path, runner: CliRunner, served: dict[str, t.Any]
) -> None:
    result = runner.invoke(cli, ["--app", "no_app", "run"])

    assert result.exit_code == 2
    assert "Found no Microframe app" in result.stderr
    assert served == {}


def test_run_in_reloader_serves_the_load_error(
    in_apps: Path,
    runner: CliRunner,
    served: dict[str, t.Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import werkzeug.serving

    monkeypatch.setattr(werkzeug.serving, "is_running_from_reloader", lambda: True)
    result = runner.invoke(cli, ["--app", "broken_runtime", "run"])

    assert result.exit_code == 0
    assert "broken_runtime failed on purpose" in result.stderr
    assert result.stdout == ""  # no banner in the reloader

    with pytest.raises(RuntimeError, match="broken_runtime failed on purpose"):
        served["app"]({}, lambda *args: None)


def pretend_cryptography(
    monkeypatch: pytest.MonkeyPatch, installed: bool = True
) -> None:
    """Make ``find_spec('cryptography')`` report it as installed or not."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: t.Any) -> t.Any:
        if name == "cryptography":
            return object() if installed else None
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.fixture
def cert_files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("not a real certificate")
    key.write_text("not a real key")
    return cert, key


def test_run_cert_and_key(
    in_apps: Path,
    runner: CliRunner,
    served: dict[str, t.Any],
    cert_files: tuple[Path, Path],
) -> None:
    cert, key = cert_files
    args = ["--app", "hello", "run", "--cert", str(cert), "--key", str(key)]
    result = runner.invoke(cli, args)

    assert result.exit_code == 0, result.output
    assert served["ssl_context"] == (str(cert), str(key))


def test_run_ssl_context_import(
    in_apps: Path,
    runner: CliRunner,
    served: dict[str, t.Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "mf_ssl_ctx.py").write_text(
        "import ssl\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = runner.invoke(
        cli, ["--app", "hello", "run", "--cert", "mf_ssl_ctx:context"]
    )

    assert result.exit_code == 0, result.output
    assert isinstance(served["ssl_context"], ssl.SSLContext)

    result = runner.invoke(
        cli, ["--app", "hello", "run", "--cert", "mf_ssl_ctx:context", "--key", "x"]
    )
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cert", "{cert}"], "the private key is needed too; add '--key"),
        (["--key", "{key}"], "'--key' needs '--cert' too"),
        (["--cert", "adhoc", "--key", "{key}"], "not used when '--cert' is 'adhoc'"),
        (["--cert", "no_such_thing"], "'no_such_thing' is not an existing file, 'adh"),
    ],
)
def test_run_cert_errors(
    in_apps: Path,
    runner: CliRunner,
    served: dict[str, t.Any],
    cert_files: tuple[Path, Path],
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = cert_files
    args = [arg.format(cert=cert, key=key) for arg in args]
    pretend_cryptography(monkeypatch)
    result = runner.invoke(cli, ["--app", "hello", "run", *args])

    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert served == {}


def test_cert_adhoc(monkeypatch: pytest.MonkeyPatch) -> None:
    cert_type = CertParamType()
    pretend_cryptography(monkeypatch, installed=False)

    with pytest.raises(click.BadParameter, match="pip install cryptography"):
        cert_type.convert("adhoc", None, None)

    pretend_cryptography(monkeypatch)
    assert cert_type.convert("ADHOC", None, None) == "adhoc"


def test_separated_path_type(tmp_path: Path) -> None:
    path_type = SeparatedPathType(exists=True)
    (tmp_path / "a").touch()
    value = os.pathsep.join([str(tmp_path / "a"), str(tmp_path)])

    assert path_type.convert(value, None, None) == [str(tmp_path / "a"), str(tmp_path)]

    with pytest.raises(click.BadParameter):
        path_type.convert(str(tmp_path / "missing"), None, None)


def test_show_server_banner(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import werkzeug.serving

    show_server_banner(True, "demo")
    assert capsys.readouterr().out == (
        " * Serving Microframe app 'demo'\n * Debug mode: on\n"
    )

    show_server_banner(None, None)
    assert capsys.readouterr().out == ""

    monkeypatch.setattr(werkzeug.serving, "is_running_from_reloader", lambda: True)
    show_server_banner(False, "demo")
    assert capsys.readouterr().out == ""


# -- shell ---------------------------------------------------------------------


@pytest.fixture
def interact(monkeypatch: pytest.MonkeyPatch) -> dict[str, t.Any]:
    """Capture code.interact instead of starting an interactive console."""
    import code

    captured: dict[str, t.Any] = {}

    def fake_interact(
        banner: str | None = None, local: t.Any = None, **kw: t.Any
    ) -> None:
        captured.update(banner=banner, local=local)

    monkeypatch.setattr(code, "interact", fake_interact)
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    return captured


def test_shell(app: Microframe, interact: dict[str, t.Any]) -> None:
    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42, "inside": current_app.name}

    result = app.test_cli_runner().invoke(MicroframeGroup(), ["shell"])

    assert result.exit_code == 0, result.output
    banner = interact["banner"]
    assert banner.startswith(f"Python {sys.version} on {sys.platform}\n")
    assert "\nApp: test_app\n" in banner
    assert f"Instance: {app.instance_path}" in banner
    assert interact["local"]["app"] is app
    assert interact["local"]["answer"] == 42
    assert interact["local"]["inside"] == "test_app"


def test_shell_runs_pythonstartup(
    app: Microframe,
    interact: dict[str, t.Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\napp = 'replaced by the shell context'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    app.test_cli_runner().invoke(MicroframeGroup(), ["shell"])

    assert interact["local"]["from_startup"] == "yes"
    assert interact["local"]["app"] is app

    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "missing.py"))
    app.test_cli_runner().invoke(MicroframeGroup(), ["shell"])
    assert "from_startup" not in interact["local"]


def test_shell_interactive_hook(
    app: Microframe, interact: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rlcompleter  # noqa: F401  # imported for real before readline is faked

    calls: list[str] = []
    completers: list[t.Any] = []
    fake_readline = types.ModuleType("readline")
    fake_readline.set_completer = completers.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "readline", fake_readline)
    monkeypatch.setattr(
        sys, "__interactivehook__", lambda: calls.append("hook"), raising=False
    )

    app.shell_context_processor(lambda: {"answer": 42})
    app.test_cli_runner().invoke(MicroframeGroup(), ["shell"])

    assert calls == ["hook"]
    assert len(completers) == 1
    assert completers[0]("answ", 0) == "answer"  # completes shell context names

    monkeypatch.setitem(sys.modules, "readline", None)
    app.test_cli_runner().invoke(MicroframeGroup(), ["shell"])
    assert calls == ["hook", "hook"]


# -- routes --------------------------------------------------------------------


def build_routes_app(
    app_class: type[t.Any], blueprint_class: type[t.Any], **app_options: t.Any
) -> t.Any:
    """The same routes, built with microframe's classes or with Flask's."""
    app = app_class("routes_app", **app_options)

    def view() -> str:
        return ""

    app.add_url_rule("/", "index", view)
    app.add_url_rule("/items/<int:item_id>", "item", view, methods=["GET", "PUT"])
    app.add_url_rule("/items", "create_item", view, methods=["POST"])
    app.add_url_rule("/zzz", "aaa_first", view, methods=["DELETE", "PATCH"])
    blueprint = blueprint_class("admin", "routes_app", url_prefix="/admin")
    blueprint.add_url_rule("/", "dashboard", view)
    blueprint.add_url_rule("/users/<name>", "user", view, methods=["GET", "POST"])
    app.register_blueprint(blueprint)
    return app


def invoke_routes(app: t.Any, args: list[str], group_class: type[t.Any]) -> str:
    result = CliRunner().invoke(group_class(create_app=lambda: app), ["routes", *args])
    assert result.exit_code == 0, result.output
    return result.output


ROUTE_ARGS = [
    [],
    ["--all-methods"],
    ["--sort", "methods"],
    ["-s", "rule"],
    ["--sort", "match"],
    ["--sort", "domain"],
    ["--sort", "endpoint", "--all-methods"],
]


@pytest.mark.parametrize("args", ROUTE_ARGS)
def test_routes_match_flask(args: list[str]) -> None:
    ours = build_routes_app(Microframe, Blueprint)
    theirs = build_routes_app(flask.Flask, flask.Blueprint)

    assert invoke_routes(ours, args, MicroframeGroup) == invoke_routes(
        theirs, args, flask.cli.FlaskGroup
    )


def test_routes_output(runner: CliRunner) -> None:
    app = build_routes_app(Microframe, Blueprint, static_folder=None)
    output = invoke_routes(app, [], MicroframeGroup)

    assert output.splitlines() == [
        "Endpoint         Methods        Rule                ",
        "---------------  -------------  --------------------",
        "aaa_first        DELETE, PATCH  /zzz                ",
        "admin.dashboard  GET            /admin/             ",
        "admin.user       GET, POST      /admin/users/<name> ",
        "create_item      POST           /items              ",
        "index            GET            /                   ",
        "item             GET, PUT       /items/<int:item_id>",
    ]


@pytest.mark.parametrize("args", [[], ["--sort", "domain"], ["--all-methods"]])
def test_routes_subdomain_column_matches_flask(args: list[str]) -> None:
    def build(app_class: type[t.Any]) -> t.Any:
        app = app_class("subdomains", static_folder=None)
        app.add_url_rule("/", "root", lambda: "")
        app.add_url_rule("/", "api_root", lambda: "", subdomain="api")
        app.add_url_rule("/b", "blog", lambda: "", subdomain="blog")
        return app

    ours = invoke_routes(build(Microframe), args, MicroframeGroup)
    theirs = invoke_routes(build(flask.Flask), args, flask.cli.FlaskGroup)

    assert ours == theirs
    assert ours.splitlines()[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]


def test_routes_host_column_matches_flask() -> None:
    def build(app_class: type[t.Any]) -> t.Any:
        app = app_class("hosts", host_matching=True, static_folder=None)
        app.add_url_rule("/", "main", lambda: "", host="example.com")
        app.add_url_rule("/", "docs", lambda: "", host="docs.example.com")
        return app

    ours = invoke_routes(build(Microframe), ["-s", "domain"], MicroframeGroup)
    theirs = invoke_routes(build(flask.Flask), ["-s", "domain"], flask.cli.FlaskGroup)

    assert ours == theirs
    assert ours.splitlines()[0].split() == ["Endpoint", "Methods", "Host", "Rule"]


def test_routes_empty(runner: CliRunner) -> None:
    app = Microframe("empty", static_folder=None)
    output = invoke_routes(app, [], MicroframeGroup)

    assert output == "No routes were registered.\n"


def test_routes_through_test_cli_runner(in_apps: Path) -> None:
    app = load("hello")
    result = app.test_cli_runner().invoke(MicroframeGroup(), ["routes"])

    assert "index     GET      /" in result.output


def test_routes_rejects_unknown_sort(runner: CliRunner, app: Microframe) -> None:
    result = runner.invoke(
        MicroframeGroup(create_app=lambda: app), ["routes", "-s", "x"]
    )

    assert result.exit_code == 2
    assert "'x' is not one of" in result.stderr


# -- the Flask alias -------------------------------------------------------------

FLASK_EXTENSION = """
import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

# Like Flask-Migrate's 'db': a plain click group, commands in the app context.
@click.group()
def db():
    "Database commands."

@db.command()
@with_appcontext
def upgrade():
    info = click.get_current_context().find_object(ScriptInfo)
    click.echo(f"upgrading {current_app.name} loaded from {info.app_import_path}")

greet = AppGroup("greet", help="Greetings from a Flask extension.")

@greet.command()
def hello():
    click.echo(f"hello from {current_app.name} (debug {current_app.debug})")
"""


@pytest.fixture
def flask_project(tmp_path: Path) -> Path:
    """A project with an app, a '.flaskenv' and an installed extension that
    adds ``flask.commands`` entry points (a dist-info folder on the path)."""
    (tmp_path / "shop.py").write_text(
        "from microframe import Microframe\n\n"
        "def create_app():\n"
        "    return Microframe('shop')\n"
    )
    (tmp_path / ".flaskenv").write_text("FLASK_APP=shop:create_app\nFLASK_DEBUG=1\n")
    (tmp_path / "flask_fakeext.py").write_text(FLASK_EXTENSION)
    dist_info = tmp_path / "flask_fakeext-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: flask-fakeext\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[flask.commands]\ndb = flask_fakeext:db\ngreet = flask_fakeext:greet\n"
    )
    return tmp_path


def run_microframe(
    project: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m microframe`` in ``project``, a new process."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MICROFRAME_", "FLASK_"))
    }
    environ.update(PYTHONPATH=str(project), **env)
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "microframe", *args],
        capture_output=True,
        text=True,
        cwd=project,
        env=environ,
        timeout=60,
    )


def test_flask_alias_runs_flask_extension_commands(flask_project: Path) -> None:
    result = run_microframe(flask_project, "--flask-alias", "greet", "hello")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "hello from shop (debug True)\n"

    result = run_microframe(flask_project, "--flask-alias", "db", "upgrade")
    assert result.stdout == "upgrading shop loaded from shop:create_app\n"


def test_flask_alias_from_the_environment(flask_project: Path) -> None:
    result = run_microframe(flask_project, "--help", MICROFRAME_FLASK_ALIAS="1")
    listing = result.stdout.partition("Commands:")[2].splitlines()
    commands = [line.split()[0] for line in listing if line.strip()]

    assert result.returncode == 0
    assert commands == ["db", "greet", "routes", "run", "shell"]
    assert "  greet   Greetings from a Flask extension." in listing


def test_microframe_variables_win_over_flask_ones(flask_project: Path) -> None:
    (flask_project / "other.py").write_text(
        "from microframe import Microframe\napp = Microframe('other')\n"
    )
    result = run_microframe(
        flask_project,
        "--flask-alias",
        "greet",
        "hello",
        MICROFRAME_APP="other",
        MICROFRAME_DEBUG="0",
    )

    assert result.stdout == "hello from other (debug False)\n"


def test_without_the_alias_flask_commands_are_not_loaded(flask_project: Path) -> None:
    result = run_microframe(flask_project, "--app", "shop", "greet", "hello")

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: No such command 'greet'. A Flask extension provides it (the"
        " 'flask.commands' entry point 'flask_fakeext:greet'), and Flask extensions"
        " need the Flask alias: run 'microframe --flask-alias greet ...' or set"
        " MICROFRAME_FLASK_ALIAS=1."
    )


def test_flask_extension_command_without_the_alias_in_process(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    entry_point = importlib.metadata.EntryPoint(
        name="db", value="flask_migrate.cli:db", group="flask.commands"
    )

    def fake_entry_points(**params: t.Any) -> list[importlib.metadata.EntryPoint]:
        if params.get("group") != "flask.commands":
            return []
        return [ep for ep in [entry_point] if params.get("name") == ep.name]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    group = MicroframeGroup(create_app=lambda: Microframe("shop"))

    result = runner.invoke(group, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "'flask.commands' entry point 'flask_migrate.cli:db'" in result.stderr

    result = runner.invoke(group, ["nope"])
    assert result.exit_code == 2
    assert "Error: No such command 'nope'.\n" in result.stderr


def test_flask_alias_option_refused_after_flask(runner: CliRunner) -> None:
    # This module imported the real Flask at the top.
    group = MicroframeGroup(create_app=lambda: Microframe("shop"))
    result = runner.invoke(group, ["routes"], env={"MICROFRAME_FLASK_ALIAS": "1"})

    assert result.exit_code == 2
    assert (
        "Invalid value for '--flask-alias': Cannot install microframe's Flask alias:"
        " the real Flask is already imported ('flask' from "
    ) in " ".join(result.stderr.split())
