"""A package: ``--app pkg`` finds the app in ``__init__``."""

from microframe import Microframe

app = Microframe("pkg")
