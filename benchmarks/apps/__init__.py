"""The benchmark app written idiomatically for each framework.

Every module builds its WSGI callable ``app`` at import time, so importing the
module is exactly the cold-start cost measured. Each one serves:

- ``GET /``: plain ``Hello, World!`` (as ``text/html``, what Flask returns for a str);
- ``GET /users/<int:uid>``: JSON ``{"id": uid, "name": "user<uid>"}``, returned as
  a dict (``/users/<int:uid>/jsonify``: the same through ``jsonify`` where the
  framework has one);
- ``GET /page/<name>``: the template file ``page.html`` (``page.tpl`` for Bottle)
  with a loop of ten items and the autoescaped ``name``;
- any other path: a 404 with werkzeug's not-found page;
- ``POST /echo``: the JSON request body parsed and returned as JSON (again as a
  dict, and through ``jsonify`` at ``/echo/jsonify``).

The real-app scenario's app is ``realapp.py`` (see there), built by
``<framework>_realapp.py`` for Flask, microframe and Bottle.
"""

from __future__ import annotations

FRAMEWORKS = ("microframe", "flask", "bottle", "falcon", "wsgi")
"""Module names are ``benchmarks.apps.<framework>_app``."""


def module_name(framework: str) -> str:
    """The import path of ``framework``'s app module."""
    return f"benchmarks.apps.{framework}_app"
