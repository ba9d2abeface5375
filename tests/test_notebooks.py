"""The notebooks in ``notebooks/`` are stored clean and follow the house rules.

They are executed by ``nox -s notebooks`` (and by the docs build); these checks
read the files only, so they run with the rest of the test suite.
"""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def _load(path: Path) -> dict[str, t.Any]:
    with path.open(encoding="utf-8") as f:
        notebook: dict[str, t.Any] = json.load(f)
    return notebook


def _code(notebook: dict[str, t.Any]) -> str:
    return "\n".join(
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    )


def test_notebooks_are_numbered_in_order() -> None:
    names = [path.name for path in PATHS]
    assert names, f"no notebooks in {NOTEBOOKS}"
    for index, name in enumerate(names, start=1):
        assert re.fullmatch(rf"{index:02d}-[a-z0-9]+(-[a-z0-9]+)*\.ipynb", name), (
            f"expected notebook number {index:02d} named like '{index:02d}-topic.ipynb'"
            f" but got {name!r} (all: {names})"
        )


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_stored_without_outputs(path: Path) -> None:
    notebook = _load(path)
    dirty = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} have outputs or execution counts; clear"
        " them before committing (Jupyter: Edit > Clear Outputs of All Cells, or"
        f" 'jupyter nbconvert --clear-output --inplace notebooks/{path.name}')"
    )


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_starts_with_a_title_and_uses_a_python_kernel(path: Path) -> None:
    notebook = _load(path)
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown"
    assert "".join(first["source"]).startswith("# "), (
        f"{path.name}: the first cell should be markdown starting with '# Title';"
        " the docs use it as the page title"
    )
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_checks_its_results_and_cleans_up(path: Path) -> None:
    code = _code(_load(path))
    assert re.search(r"^\s*assert ", code, re.M), (
        f"{path.name} has no assert: a notebook must check what it shows"
    )
    fixed_ports = re.findall(r"port\s*=\s*[1-9]\d*|127\.0\.0\.1:[1-9]\d*", code)
    assert not fixed_ports, f"{path.name} uses fixed ports {fixed_ports}; use port 0"
    if "TemporaryDirectory(" in code:
        assert ".cleanup()" in code, f"{path.name} never removes its temporary folder"
    serves = len(re.findall(r"\.serve\(", code))
    if serves:
        stops = len(re.findall(r"\.stop\(", code)) + len(
            re.findall(r"with [\w.]+\.serve\(", code)
        )
        assert stops, f"{path.name} starts servers with .serve() but never stops one"


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_first_cell_says_what_to_install(path: Path) -> None:
    cells = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    first = "".join(cells[0]["source"])
    # Commented out: executing a notebook (CI, the docs build) never installs.
    install = re.search(r"^# %pip install (.+)$", first, re.M)
    assert install, f"{path.name}: the first code cell has no '# %pip install' line"
    assert re.match(r"'?microframe-wsgi[\[' ]|microframe-wsgi$", install[1]), install[1]
    assert "find_spec(name) is None" in first
    assert f"Install it with: %pip install {install[1]}" in first
    code = _code(_load(path))
    for module in ("requests", "pytest", "gunicorn", "microframe_testing"):
        if re.search(rf"^\s*(import|from) {module}\b|-m\", \"{module}", code, re.M):
            assert f'"{module}"' in first, f"{path.name} uses {module}: check it first"


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_first_cell_names_a_missing_package(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    cells = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    first = "".join(cells[0]["source"])
    install = re.search(r"^# %pip install (.+)$", first, re.M)
    assert install
    exec(first, {})  # everything is installed here: it says so
    assert capsys.readouterr().out.startswith("Installed: microframe")

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "microframe" else real(name, *a),
    )
    with pytest.raises(ModuleNotFoundError) as info:
        exec(first, {})
    assert str(info.value) == (
        "This notebook needs microframe, which this kernel cannot import. Install it"
        f" with: %pip install {install[1]} (then restart the kernel)."
    )
