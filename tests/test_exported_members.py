"""The public names of the microframe package: none appear or vanish by accident."""

from __future__ import annotations

import types

import flask

import microframe

PUBLIC_NAMES = {
    "Blueprint",
    "Config",
    "Microframe",
    "Request",
    "Response",
    "Server",
    "ServerBindError",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "servers",
    "stop_servers",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
}


def _exported(module: types.ModuleType) -> set[str]:
    """Public names a package exports on purpose.

    Submodules show up as attributes once imported, and ``annotations`` comes
    from ``from __future__ import annotations``; neither is an export. The
    ``json`` submodule is exported explicitly by both packages.
    """
    return {
        name
        for name in dir(module)
        if not name.startswith("_")
        and name != "annotations"
        and (name == "json" or not isinstance(getattr(module, name), types.ModuleType))
    }


def test_public_names() -> None:
    assert _exported(microframe) == PUBLIC_NAMES


def test_every_flask_name_exists() -> None:
    flask_names = _exported(flask) - {"Flask"}
    assert flask_names <= _exported(microframe)
    added = {"Microframe", "Server", "ServerBindError", "servers", "stop_servers"}
    assert _exported(microframe) == flask_names | added


def test_names_are_what_they_say() -> None:
    from microframe import app, blueprints, ctx, globals, helpers, signals, wrappers

    assert microframe.Microframe is app.Microframe
    assert microframe.Blueprint is blueprints.Blueprint
    assert microframe.Request is wrappers.Request
    assert microframe.Response is wrappers.Response
    assert microframe.request is globals.request
    assert microframe.has_app_context is ctx.has_app_context
    assert microframe.url_for is helpers.url_for
    assert microframe.message_flashed is signals.message_flashed
    from microframe import serving

    assert microframe.Server is serving.Server
    assert microframe.ServerBindError is serving.ServerBindError
    assert microframe.servers is serving.servers
    assert microframe.stop_servers is serving.stop_servers


def test_serving_is_imported_on_first_use() -> None:
    import subprocess
    import sys

    code = (
        "import sys, microframe\n"
        "assert 'microframe.serving' not in sys.modules\n"
        "microframe.Server\n"
        "assert 'microframe.serving' in sys.modules\n"
        "try:\n"
        "    microframe.Nope\n"
        "except AttributeError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "module 'microframe' has no attribute 'Nope'"
    assert isinstance(microframe.json, types.ModuleType)
    assert microframe.json.__name__ == "microframe.json"


def test_helpers_all() -> None:
    from microframe import helpers

    for name in helpers.__all__:
        assert getattr(microframe, name) is getattr(helpers, name)


def test_no_flask_alias() -> None:
    assert not hasattr(microframe, "Flask")


def test_heavy_dependencies_are_imported_when_first_needed() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from microframe import Microframe, render_template_string\n"
        "app = Microframe('lazy')\n"
        "for name in ('jinja2', 'itsdangerous', 'click'):\n"
        "    assert name not in sys.modules, f'{name} imported at start-up'\n"
        "with app.app_context():\n"
        "    print(render_template_string('{{ 1 + 1 }}'))\n"
        "assert 'jinja2' in sys.modules\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2"
