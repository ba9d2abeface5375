"""An app factory whose own code raises TypeError (not a wrong call)."""

from microframe import Microframe


def create_app() -> Microframe:
    raise TypeError("create_app has a bug of its own")
