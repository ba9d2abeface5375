"""flask-smorest on microframe: an OpenAPI spec and request validation (422)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api, Blueprint, abort

from microframe import Microframe
from microframe.views import MethodView


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True, validate=ma.validate.Length(min=1))
    age = ma.fields.Int(validate=ma.validate.Range(min=0))


class PetQuerySchema(ma.Schema):
    name = ma.fields.Str()


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config.update(
        TESTING=True,
        API_TITLE="Pet store",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
    )
    api = Api(app)
    blp = Blueprint("pets", __name__, url_prefix="/pets", description="Pets")
    pets: dict[int, dict[str, object]] = {}

    @blp.route("/")
    class Pets(MethodView):
        @blp.arguments(PetQuerySchema, location="query")
        @blp.response(200, PetSchema(many=True))
        def get(self, args: dict[str, str]) -> list[dict[str, object]]:
            """List pets"""
            return [p for p in pets.values() if args.get("name") in (None, p["name"])]

        @blp.arguments(PetSchema)
        @blp.response(201, PetSchema)
        def post(self, new_pet: dict[str, object]) -> dict[str, object]:
            """Add a pet"""
            pet_id = len(pets) + 1
            pets[pet_id] = pet = {"id": pet_id, **new_pet}
            return pet

    @blp.route("/<int:pet_id>")
    @blp.response(200, PetSchema)
    def get_pet(pet_id: int) -> dict[str, object]:
        if pet_id not in pets:
            abort(404, message=f"No pet {pet_id}.")
        return pets[pet_id]

    api.register_blueprint(blp)
    return app


def test_openapi_spec_is_served() -> None:
    response = create_app().test_client().get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["info"] == {"title": "Pet store", "version": "v1"}
    assert spec["openapi"] == "3.0.3"
    assert set(spec["paths"]) == {"/pets/", "/pets/{pet_id}"}
    post = spec["paths"]["/pets/"]["post"]
    assert post["summary"] == "Add a pet"
    assert "201" in post["responses"]
    assert spec["components"]["schemas"]["Pet"]["required"] == ["name"]


def test_valid_request_is_created_and_listed() -> None:
    client = create_app().test_client()
    response = client.post("/pets/", json={"name": "Rex", "age": 3})
    assert response.status_code == 201
    assert response.json == {"id": 1, "name": "Rex", "age": 3}
    client.post("/pets/", json={"name": "Tom"})
    assert client.get("/pets/?name=Tom").json == [{"id": 2, "name": "Tom"}]
    assert client.get("/pets/1").json["name"] == "Rex"


def test_invalid_body_is_422_with_the_errors() -> None:
    response = create_app().test_client().post("/pets/", json={"age": -1})
    assert response.status_code == 422
    assert response.json == {
        "code": 422,
        "status": "Unprocessable Entity",
        "errors": {
            "json": {
                "name": ["Missing data for required field."],
                "age": ["Must be greater than or equal to 0."],
            }
        },
    }


def test_abort_gives_a_json_error() -> None:
    response = create_app().test_client().get("/pets/7")
    assert response.status_code == 404
    assert response.json == {"code": 404, "status": "Not Found", "message": "No pet 7."}
