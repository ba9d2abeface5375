"""A module whose ``app`` is not a Microframe app."""

app = "not an app"


def create_app() -> str:
    return "still not an app"
