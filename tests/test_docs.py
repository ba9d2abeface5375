"""The built documentation shows what executing the notebooks produced.

Runs in ``nox -s docs`` right after ``sphinx-build`` wrote ``docs/_build/html``
(building the site executes every notebook and takes too long to repeat here).
The checks read the rendered *outputs* of the cells, never their source, so they
pass only if the notebooks really ran during the build.
"""

from __future__ import annotations

import html.parser
import re
import types
from pathlib import Path

import pytest

import microframe
import microframe_testing

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "docs" / "_build" / "html"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


class _OutputText(html.parser.HTMLParser):
    """Collect the text inside MyST-NB's ``cell_output`` blocks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 while inside a cell_output div (counts nested divs)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        if self.depth:
            self.depth += 1
        elif "cell_output" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def page(name: str) -> str:
    path = HTML / name
    if not path.exists():
        pytest.fail(
            f"{path} does not exist: build the docs first with 'nox -s docs' (which"
            " runs this file after the build)"
        )
    return path.read_text(encoding="utf-8")


def outputs(name: str) -> str:
    """The text of every executed cell output on the page ``name``."""
    parser = _OutputText()
    parser.feed(page(name))
    return "".join(parser.parts)


def test_every_notebook_is_a_page_of_the_guide() -> None:
    index = page("index.html")
    for notebook in NOTEBOOKS:
        assert f'href="guide/{notebook.stem}.html"' in index, notebook.name
        assert outputs(f"guide/{notebook.stem}.html").strip(), (
            f"guide/{notebook.stem}.html shows no cell outputs: was it executed?"
        )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The app's route table as Jupyter displays it, after a route was added
        # while serving; a response over HTTP; the view edited while running.
        ("guide/01-quickstart.html", r"/echo\s*POST\s*echo"),
        ("guide/01-quickstart.html", r"\{'id': 7, 'name': 'user7'\}"),
        ("guide/01-quickstart.html", r"Hello, Ada!"),
        ("guide/01-quickstart.html", r"stopped: connection refused"),
        # A page streamed row by row, and the size it came to.
        ("guide/02-templating.html", r"then [\d,]+ more bytes, 100,000 rows in all"),
        # One factory, three environments, as the settings view reported them.
        (
            "guide/03-configuration.html",
            r"test\s+\{'database': 'sqlite:///:memory:', 'secure_cookies': False,"
            r" 'testing': True\}",
        ),
        # pytest, run from the notebook on the extension's tests.
        ("guide/04-extensions.html", r"5 passed in [\d.]+s"),
        # The `microframe routes` table and a real gunicorn on a free port.
        (
            "guide/07-blueprints.html",
            r"catalog\.static\s+GET\s+/products/static/<path:filename>",
        ),
        ("guide/07-blueprints.html", r"gunicorn is serving http://127\.0\.0\.1:\d+"),
        ("guide/07-blueprints.html", r"6 requests, all signed in as Grace"),
        # The recording client's history, an assertion's message, and pytest run
        # on a file that uses the plugin's fixtures, with its failure report.
        ("guide/05-testing.html", r"<History of 5:"),
        ("guide/05-testing.html", r"but got 'The list is full\.' \('error'\)"),
        ("guide/05-testing.html", r"microframe: recorded requests"),
        ("guide/05-testing.html", r"1 failed, 4 passed"),
        # The admin UI: token refusal, the work done, DNS rebinding refused.
        ("guide/06-embedding.html", r"This server needs a token"),
        (
            "guide/06-embedding.html",
            r"\{'id': 2, 'n': 1000, 'result': 332833500, 'status': 'done'\}",
        ),
        ("guide/06-embedding.html", r"The Host header 'evil\.example' is not"),
        ("guide/06-embedding.html", r"threads left: \[\]"),
        # Flask's extensions on the alias: flask.Flask is Microframe, and the
        # admin page reached over HTTP after a login with a CSRF token.
        ("guide/08-flask-extensions.html", r"<class 'microframe\.app\.Microframe'>"),
        ("guide/08-flask-extensions.html", r"http://127\.0\.0\.1:\d+ 200"),
        # ProxyFix applied to a forwarded request.
        (
            "deploying.html",
            r"\{'client': '203\.0\.113\.7', 'link':"
            r" 'https://example\.com/shop/products/tea'\}",
        ),
    ],
)
def test_pages_show_executed_outputs(name: str, expected: str) -> None:
    text = outputs(name)
    assert re.search(expected, text), (
        f"expected the outputs of {name} to match {expected!r} but got:\n{text[:2000]}"
    )


@pytest.mark.parametrize(
    "name", [f"guide/{path.stem}.html" for path in NOTEBOOKS] + ["deploying.html"]
)
def test_no_cell_failed(name: str) -> None:
    assert "Traceback (most recent call last)" not in outputs(name)


def _public_names(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(
        name
        for name in names
        if not name.startswith("_")
        and name != "annotations"
        and (name == "json" or not isinstance(getattr(module, name), types.ModuleType))
    )


@pytest.mark.parametrize("name", _public_names(microframe))
def test_api_reference_documents_every_public_name(name: str) -> None:
    html = page("api/microframe.html")
    anchors = [f'id="microframe.{name}"', f'id="module-microframe.{name}"']
    assert any(anchor in html for anchor in anchors), (
        f"microframe.{name} is missing from docs/api/microframe.md"
    )


@pytest.mark.parametrize("name", _public_names(microframe_testing))
def test_api_reference_documents_every_public_name_of_the_testing_package(
    name: str,
) -> None:
    assert f'id="microframe_testing.{name}"' in page("api/testing.html"), (
        f"microframe_testing.{name} is missing from docs/api/testing.md"
    )
