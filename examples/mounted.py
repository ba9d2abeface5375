"""Two WSGI apps behind one server: the jobs admin UI under /admin, a site at /.

The site is plain werkzeug, not microframe; the admin UI is the job runner's
app, mounted with :func:`microframe.mounting.mount`. Every URL the admin UI
builds with ``url_for`` starts with ``/admin``.

    python examples/mounted.py                                   # serve and run jobs
    gunicorn -w 2 --chdir examples mounted:application           # several processes

With several processes, set ``MICROFRAME_SECRET_KEY`` so they share the key
that signs the session (and note each process has its own job queue).
"""

from __future__ import annotations

import json
import os
import typing as t

from jobrunner.admin import create_app
from jobrunner.jobs import JobQueue, process
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from microframe.mounting import mount

queue = JobQueue()
admin = create_app(queue)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example site</title></head>
<body><h1>Example site</h1>
<p>This page is a plain werkzeug app. The <a href="/admin/">jobs admin</a> is a
microframe app mounted beside it; <a href="/status.json">status.json</a> is this
app again.</p></body></html>
"""


@Request.application
def site(request: Request) -> t.Any:
    if request.path == "/":
        return Response(PAGE, mimetype="text/html")
    if request.path == "/status.json":
        status = {"jobs": queue.counts(), "pid": os.getpid()}
        return Response(json.dumps(status), mimetype="application/json")
    return NotFound()


application = mount({"/admin": admin, "/": site})


if __name__ == "__main__":
    from microframe.serving import serve

    server = serve(application, port=int(os.environ.get("PORT", "5000")))
    print(f"Site: {server.url}/  Admin: {server.url}/admin/  (Ctrl-C stops)")
    try:
        process(queue)
    except KeyboardInterrupt:
        print("Stopping.", flush=True)
    finally:
        server.stop()
