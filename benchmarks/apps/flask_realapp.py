"""The real-app benchmark built with Flask 3.1, the baseline (see ``realapp.py``)."""

import flask

from benchmarks.apps.realapp import build, session_reader

app = build(flask, flask.Flask)
read_session = session_reader(app)
