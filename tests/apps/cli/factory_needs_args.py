"""An app factory that cannot be called without arguments."""

from microframe import Microframe


def create_app(config_name: str) -> Microframe:
    return Microframe(config_name)
