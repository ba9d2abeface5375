"""Found without --app because it is called app.py."""

from microframe import Microframe

app = Microframe("from_app")
