"""Flask-WTF on microframe: forms with CSRF protection."""

from __future__ import annotations

import re

from flask_wtf import CSRFProtect, FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from microframe import Microframe, flash, redirect, render_template_string, url_for
from microframe.testing import MicroframeClient

PAGE = """\
{% for message in get_flashed_messages() -%}
  <p class="flash">{{ message }}</p>
{%- endfor %}
<form method="post">
  {{ form.hidden_tag() }}
  {{ form.title.label }} {{ form.title() }}
  {{ form.body() }}
  {% for error in form.title.errors %}<p class="error">{{ error }}</p>{% endfor %}
</form>
"""


class CommentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=20)])
    body = TextAreaField("Body")


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(TESTING=True, SECRET_KEY="wtf tests")
    CSRFProtect(app)
    comments: list[str] = []
    app.extensions["comments"] = comments

    @app.route("/comments", methods=["GET", "POST"])
    def comments_view() -> object:
        form = CommentForm()
        if form.validate_on_submit():
            comments.append(form.title.data)
            flash(f"Saved {form.title.data!r}")
            return redirect(url_for("comments_view"))
        return render_template_string(PAGE, form=form)

    @app.post("/api/ping")
    def ping() -> str:
        return "pong"

    return app


def _csrf_token(client: MicroframeClient) -> str:
    page = client.get("/comments").text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"no csrf_token field in {page!r}"
    return match.group(1)


def test_form_page_renders_a_csrf_token() -> None:
    client = create_app().test_client()
    response = client.get("/comments")
    assert response.status_code == 200
    assert 'id="csrf_token"' in response.text
    assert '<input id="title" maxlength="20" name="title" required' in response.text


def test_post_without_token_is_refused() -> None:
    app = create_app()
    response = app.test_client().post("/comments", data={"title": "Hi"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text
    assert app.extensions["comments"] == []


def test_post_with_a_wrong_token_is_refused() -> None:
    client = create_app().test_client()
    _csrf_token(client)
    response = client.post("/comments", data={"title": "Hi", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text


def test_every_post_view_is_protected() -> None:
    response = create_app().test_client().post("/api/ping")
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text


def test_post_with_the_token_is_accepted() -> None:
    app = create_app()
    client = app.test_client()
    token = _csrf_token(client)
    response = client.post(
        "/comments",
        data={"title": "Hello", "body": "First!", "csrf_token": token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert '<p class="flash">Saved &#39;Hello&#39;</p>' in response.text
    assert app.extensions["comments"] == ["Hello"]


def test_the_token_may_come_in_a_header() -> None:
    client = create_app().test_client()
    token = _csrf_token(client)
    response = client.post("/api/ping", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.text == "pong"


def test_validation_errors_are_shown_with_the_form() -> None:
    app = create_app()
    client = app.test_client()
    token = _csrf_token(client)
    response = client.post("/comments", data={"title": "", "csrf_token": token})
    assert response.status_code == 200
    assert '<p class="error">This field is required.</p>' in response.text
    assert app.extensions["comments"] == []
