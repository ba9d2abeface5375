"""An app factory named ``create_app`` with optional arguments."""

from microframe import Microframe


def create_app(name: str = "factory", *, testing: bool = False) -> Microframe:
    app = Microframe(name)
    app.config["TESTING"] = testing
    return app
