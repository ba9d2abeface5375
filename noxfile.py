"""Development sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck"]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def install_project(session: nox.Session, *groups: str) -> None:
    """Install microframe and microframe-testing (editable) with dependency groups."""
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
        "--cov",
        "--cov-branch",
        "--cov-report=term",
        "--cov-fail-under=90",
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
