"""Flask-Migrate on microframe: ``db init/migrate/upgrade`` through the CLI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).parent / "apps" / "library.py"
COMMAND = [sys.executable, "-m", "microframe", "--flask-alias"]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FLASK_APP": str(APP),
        "LIBRARY_DATABASE_URL": f"sqlite:///{tmp_path / 'library.sqlite'}",
    }
    result = subprocess.run(
        [*COMMAND, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        f"expected {args} to succeed but it exited {result.returncode}:\n"
        f"{result.stdout}\n{result.stderr}"
    )
    return result


def _tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        return {name for (name,) in rows}


def test_db_commands_create_and_apply_a_migration(tmp_path: Path) -> None:
    _run(tmp_path, "db", "init")
    assert (tmp_path / "migrations" / "env.py").is_file()
    assert (tmp_path / "migrations" / "alembic.ini").is_file()

    result = _run(tmp_path, "db", "migrate", "-m", "add books")
    assert "Detected added table 'book'" in result.stderr
    (version,) = (tmp_path / "migrations" / "versions").glob("*_add_books.py")
    assert "op.create_table('book'" in version.read_text()

    database = tmp_path / "library.sqlite"
    assert "book" not in _tables(database)
    result = _run(tmp_path, "db", "upgrade")
    assert "Running upgrade  -> " in result.stderr
    assert {"book", "alembic_version"} <= _tables(database)

    with sqlite3.connect(database) as connection:
        (applied,) = connection.execute("SELECT version_num FROM alembic_version")
    assert version.name.startswith(f"{applied[0]}_")
