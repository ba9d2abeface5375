"""Flask-Babel on microframe: the locale selector picks get_locale() and formats."""

from __future__ import annotations

import datetime

from flask_babel import Babel, format_date, format_decimal, get_locale, gettext

from microframe import Microframe, has_request_context, request


def select_locale() -> str | None:
    if not has_request_context():
        return None  # A CLI command or a background job: the default locale.
    return request.args.get("lang") or request.accept_languages.best_match(
        ["en", "de", "fr"]
    )


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(TESTING=True, BABEL_DEFAULT_LOCALE="en")
    Babel(app, locale_selector=select_locale)

    @app.get("/invoice")
    def invoice() -> dict[str, str]:
        return {
            "locale": str(get_locale()),
            "total": format_decimal(1234567.891),
            "date": format_date(datetime.date(2024, 3, 1), "long"),
            "greeting": gettext("Hello %(name)s", name="Ada"),
        }

    return app


def test_default_locale() -> None:
    response = create_app().test_client().get("/invoice")
    assert response.json == {
        "locale": "en",
        "total": "1,234,567.891",
        "date": "March 1, 2024",
        "greeting": "Hello Ada",
    }


def test_selector_reads_the_query_string() -> None:
    data = create_app().test_client().get("/invoice?lang=de").json
    assert data["locale"] == "de"
    assert data["total"] == "1.234.567,891"
    assert data["date"] == "1. März 2024"


def test_selector_reads_accept_language() -> None:
    client = create_app().test_client()
    data = client.get("/invoice", headers={"Accept-Language": "fr-CH, fr;q=0.9"}).json
    assert data["locale"] == "fr"
    assert data["date"] == "1 mars 2024"
    assert data["total"].replace("\u202f", " ") == "1 234 567,891"


def test_locale_outside_a_request_is_the_default() -> None:
    app = create_app()
    with app.app_context():
        assert str(get_locale()) == "en"
        assert format_decimal(0.5) == "0.5"
