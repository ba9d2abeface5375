"""The admin UI: pages, a form and a JSON API over a :class:`JobQueue`."""

from __future__ import annotations

import os
import secrets
import typing as t

from microframe import (
    Microframe,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from .jobs import JobQueue

MAX_SECONDS = 3600.0


def _parse(name: object, seconds: object) -> tuple[str, float] | str:
    # The job's name and duration, or what is wrong with them.
    if not isinstance(name, str) or not name.strip():
        return "Give the job a name."
    try:
        duration = float(t.cast(t.Any, seconds))
    except (TypeError, ValueError):
        return f"Seconds must be a number, not {seconds!r}."
    if not 0 < duration <= MAX_SECONDS:
        return f"Seconds must be more than 0 and at most {MAX_SECONDS:g}."
    return name.strip(), duration


def create_app(queue: JobQueue) -> Microframe:
    """The admin app for ``queue``.

    The secret key that signs the session (used for flashed messages) comes
    from ``MICROFRAME_SECRET_KEY``; without it each process makes its own,
    which is fine for one process but not for several (gunicorn workers).
    """
    app = Microframe(__name__)
    app.config.from_prefixed_env()
    if not app.secret_key:
        app.secret_key = secrets.token_hex()

    @app.context_processor
    def process_id() -> dict[str, object]:
        return {"pid": os.getpid()}

    @app.after_request
    def tag_process(response: t.Any) -> t.Any:
        # Under gunicorn several processes answer; this says which one did.
        response.headers["X-Process-Id"] = str(os.getpid())
        return response

    @app.get("/")
    def index() -> str:
        jobs = queue.jobs()
        busy = any(job.state in ("queued", "running") for job in jobs)
        return render_template(
            "index.html", jobs=jobs, counts=queue.counts(), refresh=busy
        )

    @app.post("/jobs")
    def submit() -> t.Any:
        parsed = _parse(request.form.get("name"), request.form.get("seconds"))
        if isinstance(parsed, str):
            flash(parsed, "error")
        else:
            job = queue.submit(*parsed)
            flash(f"Queued job #{job.id}, {job.name!r}.", "info")
        return redirect(url_for("index"))

    @app.get("/jobs/<int:job_id>")
    def job_page(job_id: int) -> str:
        job = queue.get(job_id)
        if job is None:
            abort(404, f"There is no job #{job_id}.")
        return render_template("job.html", job=job)

    @app.post("/jobs/<int:job_id>/cancel")
    def cancel(job_id: int) -> t.Any:
        if queue.cancel(job_id):
            flash(f"Cancelling job #{job_id}.", "info")
        else:
            flash(f"Job #{job_id} has already ended.", "error")
        return redirect(url_for("job_page", job_id=job_id))

    @app.get("/api/jobs")
    def api_jobs() -> t.Any:
        return {
            "jobs": [job.as_dict() for job in queue.jobs()],
            "counts": queue.counts(),
        }

    @app.post("/api/jobs")
    def api_submit() -> t.Any:
        data = request.get_json(silent=True) or {}
        parsed = _parse(data.get("name"), data.get("seconds"))
        if isinstance(parsed, str):
            return jsonify(error=parsed), 400
        job = queue.submit(*parsed)
        location = url_for("api_job", job_id=job.id)
        return jsonify(job.as_dict()), 201, {"Location": location}

    @app.get("/api/jobs/<int:job_id>")
    def api_job(job_id: int) -> t.Any:
        job = queue.get(job_id)
        if job is None:
            return jsonify(error=f"There is no job #{job_id}."), 404
        return job.as_dict()

    @app.post("/api/jobs/<int:job_id>/cancel")
    def api_cancel(job_id: int) -> t.Any:
        if queue.get(job_id) is None:
            return jsonify(error=f"There is no job #{job_id}."), 404
        return {"cancelling": queue.cancel(job_id)}

    return app
