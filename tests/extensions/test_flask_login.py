"""Flask-Login on microframe: sessions that remember who logged in."""

from __future__ import annotations

from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)

from microframe import Microframe, redirect, request, url_for
from microframe.testing import MicroframeClient


class User(UserMixin):
    def __init__(self, user_id: str, name: str, password: str) -> None:
        self.id = user_id
        self.name = name
        self.password = password


USERS = {"1": User("1", "Alice", "wonderland"), "2": User("2", "Bob", "builder")}


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(TESTING=True, SECRET_KEY="login tests")
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return USERS.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> object:
        if request.method == "POST":
            user = next(
                (u for u in USERS.values() if u.name == request.form["name"]), None
            )
            if user is None or user.password != request.form["password"]:
                return "Wrong name or password", 401
            login_user(user, remember="remember" in request.form)
            return redirect(request.args.get("next") or url_for("profile"))
        return "Please log in"

    @app.get("/profile")
    @login_required
    def profile() -> str:
        return f"Hello, {current_user.name} (user {current_user.get_id()})"

    @app.get("/whoami")
    def whoami() -> str:
        if current_user.is_authenticated:
            return current_user.name
        return "anonymous"

    @app.post("/logout")
    @login_required
    def logout() -> object:
        logout_user()
        return redirect(url_for("whoami"))

    return app


def _client() -> MicroframeClient:
    return create_app().test_client()


def test_anonymous_user_is_redirected_to_the_login_view() -> None:
    client = _client()
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fprofile"
    assert client.get("/whoami").text == "anonymous"


def test_logged_in_user_is_current_user() -> None:
    client = _client()
    response = client.post(
        "/login?next=/profile", data={"name": "Bob", "password": "builder"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    response = client.get("/profile")
    assert response.status_code == 200
    assert response.text == "Hello, Bob (user 2)"
    assert client.get("/whoami").text == "Bob"


def test_wrong_password_does_not_log_in() -> None:
    client = _client()
    response = client.post("/login", data={"name": "Bob", "password": "nope"})
    assert response.status_code == 401
    assert client.get("/profile").status_code == 302


def test_logout_forgets_the_user() -> None:
    client = _client()
    client.post("/login", data={"name": "Alice", "password": "wonderland"})
    assert client.get("/whoami").text == "Alice"
    response = client.post("/logout", follow_redirects=True)
    assert response.text == "anonymous"
    assert client.get("/profile").headers["Location"].startswith("/login")


def test_remember_me_cookie_restores_the_user_after_the_session_ends() -> None:
    client = _client()
    client.post(
        "/login", data={"name": "Alice", "password": "wonderland", "remember": "y"}
    )
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert client.get("/whoami").text == "Alice"


def test_without_remember_me_the_user_ends_with_the_session() -> None:
    client = _client()
    client.post("/login", data={"name": "Alice", "password": "wonderland"})
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert client.get("/whoami").text == "anonymous"
