"""A library app whose schema Flask-Migrate manages: ``microframe db upgrade``."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from microframe import Microframe

app = Microframe(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["LIBRARY_DATABASE_URL"]
db = SQLAlchemy(app)
migrate = Migrate(app, db)


class Book(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))


@app.get("/books")
def books() -> dict[str, list[str]]:
    return {"books": list(db.session.scalars(sa.select(Book.title)))}
