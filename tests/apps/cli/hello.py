"""A plain app named ``app``, with one route and one custom command."""

import click

from microframe import Microframe, current_app

app = Microframe(__name__)


@app.route("/")
def index() -> str:
    return "hello"


@app.cli.command()
@click.option("--name", default="world")
def greet(name: str) -> None:
    """Greet someone from inside the app context."""
    click.echo(f"hello {name} from {current_app.name}")
