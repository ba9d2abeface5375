"""Flask-SQLAlchemy on microframe: a session per app context, removed at teardown."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microframe import Microframe, abort, request


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Note(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(100))


def create_app(database: Path) -> Microframe:
    app = Microframe(__name__)
    app.config.update(TESTING=True, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.post("/notes")
    def add_note() -> tuple[dict[str, object], int]:
        note = Note(text=request.form["text"])
        db.session.add(note)
        if request.form.get("fail"):
            # The note was added to the session but never committed.
            abort(409, "refusing to save this note")
        db.session.commit()
        return {"id": note.id, "text": note.text}, 201

    @app.get("/notes")
    def list_notes() -> dict[str, object]:
        notes = db.session.scalars(sa.select(Note).order_by(Note.id)).all()
        return {"notes": [note.text for note in notes]}

    @app.get("/notes/<int:note_id>")
    def show_note(note_id: int) -> dict[str, object]:
        note = db.get_or_404(Note, note_id, description=f"No note {note_id}.")
        return {"id": note.id, "text": note.text}

    @app.get("/notes/count")
    def count_notes() -> str:
        # Keep the request's session so the tests can look at it afterwards.
        app.extensions["sessions"].append(db.session())
        return str(len(db.session.scalars(sa.select(Note)).all()))

    app.extensions["sessions"] = []

    return app


@pytest.fixture
def app(tmp_path: Path) -> t.Iterator[Microframe]:
    """The notes app on an SQLite file in a temporary folder."""
    app = create_app(tmp_path / "notes.sqlite")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_rows_are_persisted_across_requests(app: Microframe) -> None:
    client = app.test_client()
    response = client.post("/notes", data={"text": "buy milk"})
    assert response.status_code == 201
    assert response.json == {"id": 1, "text": "buy milk"}
    client.post("/notes", data={"text": "call mum"})
    assert client.get("/notes").json == {"notes": ["buy milk", "call mum"]}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Note.id))) == 2


def test_get_or_404_is_a_not_found_page(app: Microframe) -> None:
    response = app.test_client().get("/notes/42")
    assert response.status_code == 404
    assert "No note 42." in response.text


def test_uncommitted_changes_are_dropped_at_teardown(app: Microframe) -> None:
    client = app.test_client()
    response = client.post("/notes", data={"text": "draft", "fail": "1"})
    assert response.status_code == 409
    assert client.get("/notes").json == {"notes": []}


def test_each_request_gets_its_own_session_closed_at_teardown(
    app: Microframe,
) -> None:
    client = app.test_client()
    client.post("/notes", data={"text": "buy milk"})
    assert client.get("/notes/count").text == "1"
    assert client.get("/notes/count").text == "1"
    first, second = app.extensions["sessions"]
    assert first is not second
    # Teardown closed each request's session: it holds no loaded rows.
    assert len(first.identity_map) == 0
    assert len(second.identity_map) == 0
    with app.app_context():
        assert not db.session.registry.has()
