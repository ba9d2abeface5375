"""Flask-Admin on microframe: the admin index and a model list over SQLAlchemy."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask_admin import Admin, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from microframe import Microframe


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    price: Mapped[int]


class StatsView(BaseView):
    @expose("/")
    def index(self) -> str:
        count = db.session.scalar(sa.select(sa.func.count(Product.id)))
        return f"{count} products"


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="admin tests",
        SQLALCHEMY_DATABASE_URI="sqlite://",
    )
    db.init_app(app)
    # Flask-Admin translates its pages with Flask-Babel when that is installed.
    Babel(app)
    admin = Admin(app, name="Shop admin")
    admin.add_view(ModelView(Product, db))
    admin.add_view(StatsView(name="Stats", endpoint="stats"))
    with app.app_context():
        db.create_all()
        db.session.add_all(
            [Product(name="Fountain pen", price=40), Product(name="Ink", price=8)]
        )
        db.session.commit()
    return app


@pytest.fixture
def app() -> t.Iterator[Microframe]:
    """The shop with two products in an in-memory database."""
    app = create_app()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_admin_index_page(app: Microframe) -> None:
    response = app.test_client().get("/admin/")
    assert response.status_code == 200
    assert "<title>Home - Shop admin</title>" in response.text.replace("\n", "")
    assert 'href="/admin/product/"' in response.text
    assert 'href="/admin/stats/"' in response.text


def test_model_view_lists_the_rows(app: Microframe) -> None:
    response = app.test_client().get("/admin/product/")
    assert response.status_code == 200
    assert "Fountain pen" in response.text
    assert "Ink" in response.text


def test_model_view_creates_a_row(app: Microframe) -> None:
    client = app.test_client()
    response = client.post(
        "/admin/product/new/",
        data={"name": "Blotter", "price": "3"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Record was successfully created." in response.text
    assert "Blotter" in response.text
    assert client.get("/admin/stats/").text == "3 products"
