"""A module inside a package, loaded by file path."""

from microframe import Microframe

app = Microframe("pkg.inner")
