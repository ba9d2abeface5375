"""Development sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``.

``nox -s bench`` (not run by default) times microframe against Flask and its peers.
``nox -s extensions`` (not run by default) runs Flask's popular extensions on
microframe through the Flask alias.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_project(session: nox.Session, *groups: str) -> None:
    """Install microframe-wsgi and -testing (editable) with dependency groups."""
    requirements: list[str] = []
    for group in groups:
        requirements.extend(nox.project.dependency_groups(PYPROJECT, group))
    session.install("-e", ".", "-e", "./testing", *requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with branch coverage of microframe and microframe_testing."""
    install_project(session, "test")
    session.run(
        "pytest",
        # The built site is checked by the docs session, after it builds it.
        "--ignore=tests/test_docs.py",
        # Needs a Jupyter server with jupyter-server-proxy: the proxy session.
        "--ignore=tests/test_jupyter_proxy.py",
        # Flask's extensions need their own environment: the extensions session.
        "--ignore=tests/extensions",
        "--cov",
        "--cov-branch",
        "--cov-report=term",
        "--cov-fail-under=90",
        *session.posargs,
    )


@nox.session
def extensions(session: nox.Session) -> None:
    """Run Flask's popular extensions on microframe through the Flask alias.

    Each of tests/extensions is an example app using one extension on a
    microframe app; the ini option installs the alias before collection.
    """
    install_project(session, "extensions")
    session.run(
        "pytest",
        "tests/extensions",
        "-o",
        "microframe_flask_alias=true",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the packages, the type-check snippets and this file strictly."""
    install_project(session, "typing")
    session.run("mypy")


@nox.session
def notebooks(session: nox.Session) -> None:
    """Execute every notebook in a Jupyter kernel; a failing cell fails the session."""
    install_project(session, "notebooks")
    session.run(
        "python", "docs/execute_notebooks.py", "--timeout", "60", *session.posargs
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site, executing the notebooks, with warnings as errors; check it."""
    install_project(session, "docs")
    session.run(
        "sphinx-build", "-nW", "--keep-going", "-b", "html", "docs", "docs/_build/html"
    )
    session.run("pytest", "tests/test_docs.py")


@nox.session
def readme(session: nox.Session) -> None:
    """Run the README's commands as written, in a fresh copy of the checkout."""
    install_project(session, "readme")
    session.run(
        "pytest",
        "tests/test_readme.py",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"MICROFRAME_README_FRESH": "1"},
    )


@nox.session
def proxy(session: nox.Session) -> None:
    """Serve apps through a real Jupyter server with jupyter-server-proxy."""
    install_project(session, "proxy")
    session.run(
        "pytest",
        "tests/test_jupyter_proxy.py",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Check the benchmark apps answer alike, then time microframe against its peers.

    ``nox -s bench -- --quick`` is a ~40 s smoke run; a full run rewrites
    ``benchmarks/RESULTS.md``. Not a default session: its numbers are not a test.
    """
    install_project(session, "bench")
    session.run("python", "-m", "benchmarks.check")
    session.run("python", "-m", "benchmarks", *session.posargs)
