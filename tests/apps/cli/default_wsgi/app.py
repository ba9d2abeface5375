"""wsgi.py is tried before app.py, so this one is not used."""

from microframe import Microframe

app = Microframe("from_app_beside_wsgi")
