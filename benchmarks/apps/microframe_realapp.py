"""The real-app benchmark built with microframe: only the import differs."""

import microframe
from benchmarks.apps.realapp import build, session_reader

app = build(microframe, microframe.Microframe)
read_session = session_reader(app)
