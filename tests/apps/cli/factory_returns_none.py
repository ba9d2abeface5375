"""A factory that forgets to return the app."""

from microframe import Microframe


def create_app() -> None:
    Microframe(__name__)
