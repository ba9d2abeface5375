"""The package layout: no import cycle at load time, every module imports on
its own, no module too long to read in one sitting, and the command line does
not load the application module."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import microframe

PACKAGE = Path(microframe.__file__).parent
#: Past this a module has more than one concern; split it by responsibility.
MAX_LINES = 650


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _load_time_nodes(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements run when the module loads: not functions, not type-only blocks."""
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found.extend(_load_time_nodes(node.body))
            found.extend(_load_time_nodes(node.orelse))
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                found.extend(_load_time_nodes(block))
            for handler in node.handlers:
                found.extend(_load_time_nodes(handler.body))
        elif isinstance(node, ast.ClassDef):
            found.extend(_load_time_nodes(node.body))
        else:
            found.append(node)
    return found


def _with_parents(name: str) -> set[str]:
    """``name`` and the subpackages importing it loads (not the root package)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(2, len(parts) + 1)} & MODULES.keys()


def load_time_imports(name: str) -> set[str]:
    """The microframe modules that loading ``name`` imports.

    Importing ``a.b.c`` loads the packages ``a.b`` too, except those that
    ``name`` itself lives in (they are loaded before it, whatever it imports),
    unless ``name`` imports from them by name.
    """
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in _load_time_nodes(ast.parse(path.read_text("utf-8")).body):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join([*base, *filter(None, [node.module])])
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names}
            named |= submodules & MODULES.keys()
            if not submodules <= MODULES.keys():
                named.add(target)  # it names something the package defines
    named &= MODULES.keys()
    loaded: set[str] = set().union(*map(_with_parents, named))
    return (loaded - _with_parents(name)) | named - {name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in ``graph`` as a list of modules, or None."""
    done: set[str] = set()

    def visit(name: str, stack: list[str]) -> list[str] | None:
        if name in stack:
            return [*stack[stack.index(name) :], name]
        if name in done:
            return None
        for imported in sorted(graph.get(name, ())):
            cycle = visit(imported, [*stack, name])
            if cycle:
                return cycle
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name, [])
        if cycle:
            return cycle
    return None


def test_find_cycle_reports_the_modules_in_order() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_load_time_imports_skip_type_only_and_function_imports() -> None:
    imports = load_time_imports("microframe.app")
    assert "microframe.pipeline" in imports
    assert "microframe.routing.rules" in imports
    # Type-only and imported inside methods.
    assert "microframe.embedding.serving" not in imports
    assert "microframe.testing" not in imports
    assert "microframe.cli" not in imports


def test_no_import_cycle_between_modules_at_load_time() -> None:
    graph = {name: load_time_imports(name) for name in MODULES}
    cycle = find_cycle(graph)
    assert cycle is None, f"expected no load-time import cycle but got {cycle}"


@pytest.mark.parametrize("package", ["microframe.cli", "microframe.cli.discovery"])
def test_the_command_line_does_not_import_the_app_module(package: str) -> None:
    reached: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(load_time_imports(name))
    assert "microframe.app" not in reached, sorted(reached)


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    # Each module first, alone: an order-dependent import fails here.
    script = (
        "import importlib, subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    code = f'import importlib; importlib.import_module({name!r})'\n"
        "    run = subprocess.run([sys.executable, '-c', code], capture_output=True)\n"
        "    if run.returncode:\n"
        "        failed.append(f'{name}: {run.stderr.decode().strip()[-300:]}')\n"
        "print('\\n'.join(failed))\n"
    )
    names = [name for name in MODULES if name != "microframe.__main__"]
    run = subprocess.run(
        [sys.executable, "-c", script, *names],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert run.stdout.strip() == "", f"modules failing to import alone:\n{run.stdout}"


def test_no_module_is_too_long_to_read_in_one_sitting() -> None:
    lengths = {
        name: len(path.read_text("utf-8").splitlines())
        for name, path in MODULES.items()
    }
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert too_long == {}, f"expected at most {MAX_LINES} lines per module"


@pytest.mark.parametrize(
    ("stable", "home"),
    [
        ("microframe.serving", "microframe.embedding.serving"),
        ("microframe.mounting", "microframe.embedding.mounting"),
        ("microframe.access", "microframe.embedding.access"),
        ("microframe.backends", "microframe.embedding.backends"),
    ],
)
def test_the_stable_import_paths_give_the_subpackage_objects(
    stable: str, home: str
) -> None:
    import importlib

    stable_module = importlib.import_module(stable)
    home_module = importlib.import_module(home)
    assert stable_module.__all__, stable
    for name in stable_module.__all__:
        assert getattr(stable_module, name) is getattr(home_module, name), name


def _documented_modules() -> set[str]:
    """The module files named in the architecture page's module map."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text("utf-8")
    tree = page.split("```text\n", 1)[1].split("```", 1)[0]
    folders: list[str] = []
    found: set[str] = set()
    for line in tree.splitlines()[1:]:
        match = re.match(r"^((?:│   |    )*)(?:├── |└── )(\S+)", line)
        assert match, f"not a line of the tree: {line!r}"
        depth = len(match.group(1)) // 4
        name = match.group(2)
        del folders[depth:]
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
            found.add("/".join([*folders, "__init__.py"]))
        else:
            found.add("/".join([*folders, name]))
    return found


def test_the_architecture_page_maps_every_module() -> None:
    actual = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    assert _documented_modules() == actual


def test_the_package_works_without_its_stable_path_modules() -> None:
    # microframe's own code imports the subpackages, never the stable paths:
    # an app served and shown in a fresh process has not loaded them.
    code = (
        "import sys, microframe\n"
        "app = microframe.Microframe('fresh')\n"
        "with app.serve() as server:\n"
        "    shown = repr(app)\n"
        "stable = ['microframe.serving', 'microframe.mounting', 'microframe.access',\n"
        "          'microframe.backends']\n"
        "print(shown == f\"<Microframe 'fresh' serving at {server.url}>\")\n"
        "print(sorted(name for name in stable if name in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["True", "[]"]
