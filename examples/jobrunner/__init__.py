"""A job runner with an embedded admin UI.

The main thread processes jobs one after another; a microframe app served
from a background thread shows them and controls them: HTML pages from
templates, a JSON API, and a form that queues a new job. Both sides share
one :class:`~jobrunner.jobs.JobQueue`, which guards its state with a lock.

Run it from the ``examples`` folder (Ctrl-C stops it cleanly)::

    python -m jobrunner            # prints the admin URL, with its token
    python -m jobrunner --port 0   # any free port
"""
