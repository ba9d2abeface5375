"""Found without --app because it is called wsgi.py."""

from microframe import Microframe

app = Microframe("from_wsgi")
