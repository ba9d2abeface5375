"""What the non-Flask apps share so that their responses match Flask's byte for byte."""

from __future__ import annotations

import os

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")

ITEMS = tuple(f"item {i}" for i in range(10))

#: werkzeug's ``NotFound`` page, which Flask and microframe serve for a 404.
NOT_FOUND_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n"
    "<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you "
    "entered the URL manually please check your spelling and try again.</p>\n"
)
