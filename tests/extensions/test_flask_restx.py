"""flask-restx on microframe: a Swagger spec, docs page and payload validation."""

from __future__ import annotations

from flask_restx import Api, Resource, fields

from microframe import Microframe


def create_app() -> Microframe:
    app = Microframe(__name__)
    app.config["TESTING"] = True
    api = Api(app, title="Todo API", version="1.0", doc="/docs")
    ns = api.namespace("todos", description="Todo operations")
    todo = api.model(
        "Todo",
        {
            "id": fields.Integer(readonly=True),
            "task": fields.String(required=True, description="What to do"),
        },
    )
    todos: list[dict[str, object]] = []

    @ns.route("/")
    class TodoList(Resource):
        @ns.marshal_list_with(todo)
        def get(self) -> list[dict[str, object]]:
            """List all todos"""
            return todos

        @ns.expect(todo, validate=True)
        @ns.marshal_with(todo, code=201)
        def post(self) -> tuple[dict[str, object], int]:
            """Create a todo"""
            item = {"id": len(todos) + 1, "task": api.payload["task"]}
            todos.append(item)
            return item, 201

    @ns.route("/<int:todo_id>")
    class Todo(Resource):
        @ns.marshal_with(todo)
        def get(self, todo_id: int) -> dict[str, object]:
            """Fetch a todo"""
            if not 0 < todo_id <= len(todos):
                api.abort(404, f"Todo {todo_id} doesn't exist")
            return todos[todo_id - 1]

    return app


def test_swagger_spec_is_served() -> None:
    response = create_app().test_client().get("/swagger.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["info"]["title"] == "Todo API"
    assert set(spec["paths"]) == {"/todos/", "/todos/{todo_id}"}
    assert spec["paths"]["/todos/"]["post"]["summary"] == "Create a todo"
    assert spec["definitions"]["Todo"]["required"] == ["task"]


def test_docs_page_is_served() -> None:
    response = create_app().test_client().get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<title>Todo API</title>" in response.text
    assert "/swagger.json" in response.text


def test_valid_payload_is_created() -> None:
    client = create_app().test_client()
    response = client.post("/todos/", json={"task": "write tests"})
    assert response.status_code == 201
    assert response.json == {"id": 1, "task": "write tests"}
    assert client.get("/todos/").json == [{"id": 1, "task": "write tests"}]


def test_invalid_payload_is_400_with_the_errors() -> None:
    response = create_app().test_client().post("/todos/", json={"task": 5})
    assert response.status_code == 400
    assert response.json == {
        "errors": {"task": "5 is not of type 'string'"},
        "message": "Input payload validation failed",
    }


def test_abort_gives_a_json_error() -> None:
    response = create_app().test_client().get("/todos/3")
    assert response.status_code == 404
    assert response.json["message"].startswith("Todo 3 doesn't exist")
