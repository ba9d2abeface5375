"""Flask-CORS on microframe: CORS headers on simple and preflight requests."""

from __future__ import annotations

from flask_cors import CORS, cross_origin

from microframe import Microframe, request
from microframe.testing import MicroframeClient

ORIGIN = "https://shop.example"


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config["TESTING"] = True
    CORS(
        app,
        resources={r"/api/*": {"origins": [ORIGIN]}},
        expose_headers=["X-Total-Count"],
        max_age=600,
    )

    @app.route("/api/items", methods=["GET", "POST"])
    def items() -> tuple[dict[str, object], int, dict[str, str]]:
        if request.method == "POST":
            return {"created": request.get_json()}, 201, {}
        return {"items": ["pen", "ink"]}, 200, {"X-Total-Count": "2"}

    @app.get("/public")
    @cross_origin()
    def public() -> str:
        return "anyone may read this"

    @app.get("/private")
    def private() -> str:
        return "same origin only"

    return app


def _client() -> MicroframeClient:
    return create_app().test_client()


def test_simple_request_from_an_allowed_origin() -> None:
    response = _client().get("/api/items", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total-Count"
    assert response.json == {"items": ["pen", "ink"]}


def test_preflight_request() -> None:
    response = _client().options(
        "/api/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_actual_cross_origin_post_after_preflight() -> None:
    response = _client().post(
        "/api/items", json={"name": "nib"}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.json == {"created": {"name": "nib"}}


def test_other_origins_get_no_cors_headers() -> None:
    response = _client().get("/api/items", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_routes_outside_the_resources_get_no_cors_headers() -> None:
    response = _client().get("/private", headers={"Origin": ORIGIN})
    assert response.text == "same origin only"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cross_origin_decorator() -> None:
    response = _client().get("/public", headers={"Origin": "https://any.example"})
    # Any origin is allowed, and echoed back so that caches key on it.
    assert response.headers["Access-Control-Allow-Origin"] == "https://any.example"
    assert response.headers["Vary"] == "Origin"
    assert response.text == "anyone may read this"
