"""An app factory named ``make_app``."""

from microframe import Microframe


def make_app() -> Microframe:
    return Microframe("made")
