"""Flask-Limiter on microframe: 429 Too Many Requests after the limit."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from microframe import Microframe


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(TESTING=True, RATELIMIT_HEADERS_ENABLED=True)
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=["100 per hour"],
        storage_uri="memory://",
    )

    @app.get("/search")
    @limiter.limit("2 per minute")
    def search() -> str:
        return "results"

    @app.get("/health")
    @limiter.exempt
    def health() -> str:
        return "ok"

    @app.get("/")
    def index() -> str:
        return "home"

    return app


def test_third_request_in_a_minute_is_refused() -> None:
    client = create_app().test_client()
    first = client.get("/search")
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/search").headers["X-RateLimit-Remaining"] == "0"
    refused = client.get("/search")
    assert refused.status_code == 429
    assert "2 per 1 minute" in refused.text
    assert int(refused.headers["Retry-After"]) > 0


def test_limits_are_per_client_address() -> None:
    client = create_app().test_client()
    for _ in range(2):
        client.get("/search")
    assert client.get("/search").status_code == 429
    other = client.get("/search", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


def test_default_limit_applies_to_other_views() -> None:
    response = create_app().test_client().get("/")
    assert response.text == "home"
    assert response.headers["X-RateLimit-Limit"] == "100"


def test_exempt_views_are_never_limited() -> None:
    client = create_app().test_client()
    for _ in range(5):
        response = client.get("/health")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
