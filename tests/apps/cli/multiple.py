"""Two different apps: discovery cannot choose."""

from microframe import Microframe

first = Microframe("first")
second = Microframe("second")
