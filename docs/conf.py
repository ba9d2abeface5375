"""Sphinx configuration for microframe's documentation.

Build with ``nox -s docs`` (``sphinx-build -nW --keep-going -b html docs
docs/_build/html``). The user guide is the notebooks in ``notebooks/`` (reached
through the ``guide`` symlink); MyST-NB executes them on every build and any
failing cell fails the build.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from importlib.metadata import version as _version

project = "microframe"
author = "The microframe developers"
copyright = "the microframe developers"
release = _version("microframe-wsgi")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
root_doc = "index"

# -- Notebooks -----------------------------------------------------------------
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 60  # per cell, seconds
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3


def _use_this_interpreter_for_python3_kernels() -> None:
    # The notebooks ask for the "python3" kernel. Whatever kernel specs the
    # user has installed, run them with the interpreter building the docs, the
    # one microframe is installed in.
    spec_root = tempfile.mkdtemp(prefix="microframe-docs-kernels-")
    atexit.register(shutil.rmtree, spec_root, ignore_errors=True)
    spec_dir = os.path.join(spec_root, "kernels", "python3")
    os.makedirs(spec_dir)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
    }
    with open(os.path.join(spec_dir, "kernel.json"), "w") as f:
        json.dump(spec, f)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [spec_root, os.environ.get("JUPYTER_PATH")])
    )


_use_this_interpreter_for_python3_kernels()

# -- API reference -------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_default_options = {"show-inheritance": True}

# There is no network for intersphinx, so the standard library and the
# libraries microframe builds on cannot be linked: their names stay plain text.
# Anything of microframe's own that does not resolve is still an error.
nitpicky = True
_STDLIB = (
    "os",
    "io",
    "json",
    "logging",
    "datetime",
    "decimal",
    "uuid",
    "dataclasses",
    "weakref",
    "contextvars",
    "http",
    "types",
    "typing",
    "collections",
    "enum",
    "ssl",
    "pathlib",
    "threading",
    "socket",
    "inspect",
    "dict",
)
_LIBRARIES = (
    "werkzeug",
    "jinja2",
    "click",
    "blinker",
    "itsdangerous",
    "markupsafe",
    "asgiref",
    "requests",
    "pytest",
    "_pytest",
    "_typeshed",
    "typing_extensions",
)
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_STDLIB + _LIBRARIES)})(\..*)?"),
    # microframe's modules import these as short aliases for annotations.
    (r"py:.*", r"(t|te|cabc)\..*"),
    # Library classes that annotations name without their module, because
    # microframe imports them under ``if TYPE_CHECKING:``.
    (
        r"py:class",
        r"(HTTPException|BaseResponse|WSGIEnvironment|WSGIApplication|StartResponse"
        r"|MapAdapter|FileSystemLoader|BaseLoader|TestResponse|Headers"
        r"|URLSafeTimedSerializer|Context|Template|Namespace|datetime|timedelta"
        r"|TracebackType|ModuleType|RuleFactory|BuildError)",
    ),
    # The type variables of decorators: "the decorated function's own type".
    (r"py:class", r"(microframe[\w.]*\.)?(T_\w+|F|T|ResponseClass)"),
]
nitpick_ignore = [
    # Internal classes that public signatures and base-class lists mention.
    ("py:class", "microframe.scaffold.Scaffold"),
    ("py:class", "microframe.ctx._AppCtxGlobals"),
    ("py:class", "DeferredSetupFunction"),
    ("py:class", "microframe_testing.recording.RecordingControls"),
    ("py:class", "microframe.routing.RuleBuild"),
    # References in microframe's docstrings to names the reference does not
    # document (inherited from werkzeug, instance attributes, module globals).
    ("py:attr", "args"),
    ("py:attr", "root_path"),
    ("py:mod", "microframe.globals"),
    ("py:mod", "microframe.backends"),
    ("py:mod", "microframe.httpserver"),
    ("py:mod", "microframe.access"),
    ("py:mod", "microframe.embedding"),
    ("py:mod", "microframe.embedding.backends"),
    ("py:mod", "microframe.embedding.httpserver"),
    ("py:mod", "microframe.embedding.access"),
    ("py:attr", "app"),
    ("py:data", "pass_script_info"),
]


# The stable import paths that re-export a module of microframe.embedding.
_STABLE_PATHS = {
    f"microframe.{name}": f"microframe.embedding.{name}"
    for name in ("serving", "mounting", "access", "backends")
}


def _resolve_short_names(app, env, node, contnode):
    """Link ``ft.Name`` and bare ``Name`` to the one documented microframe object.

    Annotations show names the way the module imported them: ``ft.RouteCallable``
    for ``microframe.typing.RouteCallable``, or a bare class name imported under
    ``if TYPE_CHECKING:``. When exactly one documented ``microframe`` object has
    that name, link to it.
    """
    from sphinx.util.nodes import make_refnode

    if node.get("refdomain") != "py" or node.get("reftype") == "mod":
        return None
    target = node["reftarget"]
    qualifier, _, name = target.rpartition(".")
    home = _STABLE_PATHS.get(qualifier)
    if home is not None:
        # A stable import path names an object documented where it lives.
        found = env.get_domain("py").objects.get(f"{home}.{name}")
        if found is None:
            return None
        return make_refnode(
            app.builder, node["refdoc"], found.docname, found.node_id, contnode, target
        )
    if qualifier not in ("", "ft"):
        return None
    objects = env.get_domain("py").objects
    matches = [
        fullname
        for fullname in objects
        if fullname.startswith("microframe") and fullname.rpartition(".")[2] == name
    ]
    # An object documented under its canonical name too is still one object.
    found = {(objects[m].docname, objects[m].node_id): m for m in matches}
    if len(found) != 1:
        return None
    (docname, node_id), fullname = found.popitem()
    return make_refnode(
        app.builder, node["refdoc"], docname, node_id, contnode, fullname
    )


def _reread_everything(app, env, added, changed, removed):
    # The notebooks' outputs and the API reference come from microframe's code,
    # which Sphinx does not track: re-read (and so re-execute) every page on
    # every build, or an incremental build would keep stale outputs.
    return sorted(env.found_docs - added - changed)


def setup(app):
    app.connect("env-get-outdated", _reread_everything)
    app.connect("missing-reference", _resolve_short_names)


# -- HTML ------------------------------------------------------------------------
html_theme = "furo"
html_title = f"microframe {release}"
