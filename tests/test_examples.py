"""The programs in examples/: each one run the way its docstring says.

Servers bind 127.0.0.1 on ports the system picks; every process a test
starts is stopped by it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from microframe.serving import serve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[None]:
    """examples/ importable, with fresh copies of its modules for each test."""

    def forget() -> None:
        for name in list(sys.modules):
            if name in ("hello", "mounted") or name.split(".")[0] == "jobrunner":
                del sys.modules[name]

    forget()
    monkeypatch.syspath_prepend(str(EXAMPLES))
    yield
    forget()


def _start(args: list[str], **kwargs: t.Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=EXAMPLES,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _first_line(process: subprocess.Popen[str], timeout: float = 20) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        pytest.fail(f"no output within {timeout} s: {process.communicate()!r}")
    return process.stdout.readline()


def _interrupt(process: subprocess.Popen[str]) -> tuple[str, str]:
    # Ctrl-C, as a person would press it; the program must end cleanly.
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running 15 s after Ctrl-C: {out!r} {err!r}")
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return out, err


# -- hello.py ----------------------------------------------------------------------


def test_hello_serves_prints_its_url_and_stops_on_ctrl_c() -> None:
    process = _start(["hello.py"], env={**os.environ, "PORT": "0"})
    line = _first_line(process)
    assert line.startswith("Serving on http://127.0.0.1:"), line
    url = line.split()[2]
    assert requests.get(url + "/", timeout=5).text == "Hello from microframe!"
    assert requests.get(url + "/users/7", timeout=5).json() == {
        "id": 7,
        "name": "user7",
    }
    _interrupt(process)
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=5)


def test_hello_app(examples: None) -> None:
    hello = importlib.import_module("hello")
    client = hello.app.test_client()
    assert client.get("/").text == "Hello from microframe!"
    assert client.get("/users/3").json == {"id": 3, "name": "user3"}


# -- the job runner ----------------------------------------------------------------


def test_job_queue(examples: None) -> None:
    from jobrunner.jobs import JobQueue, run

    queue = JobQueue()
    assert queue.take(timeout=0.01) is None
    first = queue.submit("first", 0.01)
    second = queue.submit("second", 5)
    third = queue.submit("third", 5)
    assert [job.id for job in queue.jobs()] == [3, 2, 1]
    assert queue.counts() == {"queued": 3, "running": 0, "done": 0, "cancelled": 0}
    assert queue.cancel(third.id) is True
    assert queue.cancel(third.id) is False  # already over
    assert queue.cancel(99) is False

    job = queue.take(timeout=1)
    assert job is not None and job.id == first.id and job.state == "running"
    run(queue, job, step=0.005)
    done = queue.get(first.id)
    assert done is not None and done.state == "done" and done.progress == 1.0
    assert done.result == "first finished in 0.01 s"

    running = queue.take(timeout=1)
    assert running is not None and running.id == second.id
    assert queue.cancel(second.id) is True  # asks the running job to stop
    run(queue, running)
    stopped = queue.get(second.id)
    assert stopped is not None and stopped.state == "cancelled"
    assert stopped.result == "cancelled after 0.0 s"
    assert queue.get(99) is None
    assert "cancel_requested" not in stopped.as_dict()


def test_jobs_processed_on_another_thread(examples: None) -> None:
    from jobrunner.jobs import JobQueue, process

    queue = JobQueue()
    stop = threading.Event()
    worker = threading.Thread(target=process, args=(queue, stop))
    worker.start()
    try:
        job = queue.submit("quick", 0.05)
        deadline = time.monotonic() + 5
        while queue.get(job.id).state != "done":  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        stop.set()
        worker.join(5)


def test_admin_pages_form_and_api(examples: None) -> None:
    from jobrunner.admin import create_app
    from jobrunner.jobs import JobQueue

    queue = JobQueue()
    app = create_app(queue)
    client = app.test_client()

    page = client.get("/")
    assert page.status_code == 200
    assert "No jobs yet" in page.text
    assert page.headers["X-Process-Id"] == str(os.getpid())

    queued = client.post("/jobs", data={"name": "backup", "seconds": "2"})
    assert queued.status_code == 302
    page = client.get("/")
    assert "Queued job #1, &#39;backup&#39;." in page.text
    assert '<a href="/jobs/1">1</a>' in page.text
    assert 'http-equiv="refresh"' in page.text
    # The flashed message is shown once.
    assert "Queued job" not in client.get("/").text

    for data, error in [
        ({"name": " ", "seconds": "1"}, "Give the job a name."),
        ({"name": "x", "seconds": "soon"}, "Seconds must be a number"),
        ({"name": "x", "seconds": "0"}, "more than 0 and at most 3600"),
    ]:
        client.post("/jobs", data=data)
        assert error in client.get("/").text

    detail = client.get("/jobs/1")
    assert "Job #1: backup" in detail.text
    assert 'action="/jobs/1/cancel"' in detail.text
    assert client.get("/jobs/9").status_code == 404
    client.post("/jobs/1/cancel")
    assert "Cancelling job #1." in client.get("/jobs/1").text
    client.post("/jobs/1/cancel")
    assert "Job #1 has already ended." in client.get("/jobs/1").text

    created = client.post("/api/jobs", json={"name": "api", "seconds": 1})
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/jobs/2"
    assert created.json["name"] == "api"
    assert client.post("/api/jobs", json={"seconds": 1}).json == {
        "error": "Give the job a name."
    }
    assert client.post("/api/jobs", data="not json").status_code == 400
    listing = client.get("/api/jobs").json
    assert [job["id"] for job in listing["jobs"]] == [2, 1]
    assert listing["counts"]["cancelled"] == 1
    assert client.get("/api/jobs/2").json["state"] == "queued"
    assert client.get("/api/jobs/9").status_code == 404
    assert client.post("/api/jobs/2/cancel").json == {"cancelling": True}
    assert client.post("/api/jobs/9/cancel").status_code == 404


def test_admin_secret_key_from_the_environment(
    examples: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobrunner.admin import create_app
    from jobrunner.jobs import JobQueue

    monkeypatch.setenv("MICROFRAME_SECRET_KEY", "from-env")
    assert create_app(JobQueue()).secret_key == "from-env"
    monkeypatch.delenv("MICROFRAME_SECRET_KEY")
    first, second = create_app(JobQueue()), create_app(JobQueue())
    assert first.secret_key and first.secret_key != second.secret_key


def test_job_runner_program() -> None:
    process = _start(["-m", "jobrunner", "--port", "0"])
    line = _first_line(process)
    assert line.startswith("Admin UI: http://127.0.0.1:"), line
    url = line.split()[2]
    base = url.partition("?")[0].rstrip("/")
    assert "?token=" in url
    assert requests.get(base + "/", timeout=5).status_code == 403
    with requests.Session() as session:
        assert "No jobs yet" in session.get(url, timeout=5).text  # sets the cookie
        page = session.post(base + "/jobs", data={"name": "n", "seconds": "0.2"})
        assert "Queued job #1" in page.text
        deadline = time.monotonic() + 10
        while session.get(base + "/api/jobs/1", timeout=5).json()["state"] != "done":
            assert time.monotonic() < deadline, "the main thread did not run the job"
            time.sleep(0.05)
    out, err = _interrupt(process)
    assert out.endswith("Stopping.\n")
    assert f" * Serving 'jobrunner.admin' at {url}" in err


# -- mounted.py --------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.links.append((tag, value))


def _crawl(
    base: str, start: str, prefix: str, headers: dict[str, str], strip: str = ""
) -> tuple[set[str], set[str], list[str]]:
    # Follow every link from ``start``; return pages seen, form targets, and
    # the links that leave ``prefix``. ``strip`` is a proxy's own path.
    pages: set[str] = set()
    forms: set[str] = set()
    escaped: list[str] = []
    todo = [start]
    while todo:
        path = todo.pop()
        if path in pages:
            continue
        pages.add(path)
        response = requests.get(base + path[len(strip) :], headers=headers, timeout=5)
        assert response.status_code == 200, (path, response.status_code)
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.text)
        for tag, link in parser.links:
            target = urlsplit(urljoin(f"http://crawl{path}", link))
            if target.netloc != "crawl" or not (
                target.path == prefix or target.path.startswith(prefix + "/")
            ):
                escaped.append(f"{path}: <{tag}> {link}")
            elif tag == "form":
                forms.add(target.path)
            else:
                todo.append(target.path)
    return pages, forms, escaped


@pytest.mark.parametrize("forwarded", ["", "/hub/proxy/8888"])
def test_mounted_links_never_leave_the_prefix(examples: None, forwarded: str) -> None:
    mounted = importlib.import_module("mounted")
    headers = {"X-Forwarded-Prefix": forwarded} if forwarded else {}
    with serve(mounted.application, trust_proxy=bool(forwarded)) as server:
        requests.post(server.url + "/admin/jobs", data={"name": "a", "seconds": "1"})
        prefix = f"{forwarded}/admin"
        pages, forms, escaped = _crawl(
            server.url, prefix + "/", prefix, headers, strip=forwarded
        )
    assert escaped == []
    assert {
        f"{prefix}/",
        f"{prefix}/api/jobs",
        f"{prefix}/jobs/1",
        f"{prefix}/api/jobs/1",
        f"{prefix}/static/style.css",
    } <= pages
    assert forms == {f"{prefix}/jobs", f"{prefix}/jobs/1/cancel"}


def test_mounted_site_beside_the_admin(examples: None) -> None:
    mounted = importlib.import_module("mounted")
    with serve(mounted.application) as server:
        home = requests.get(server.url + "/", timeout=5)
        assert "plain werkzeug app" in home.text
        assert 'href="/admin/"' in home.text
        status = requests.get(server.url + "/status.json", timeout=5).json()
        assert status == {
            "jobs": {"queued": 0, "running": 0, "done": 0, "cancelled": 0},
            "pid": os.getpid(),
        }
        assert requests.get(server.url + "/nope", timeout=5).status_code == 404
        assert requests.get(server.url + "/admin", timeout=5).status_code == 200


# -- under gunicorn ------------------------------------------------------------------


def test_mounted_app_under_gunicorn_with_two_workers(tmp_path: Path) -> None:
    if importlib.util.find_spec("gunicorn") is None:
        pytest.fail(
            "gunicorn is not installed; this test runs the example under it. Install"
            " it (it belongs in the test dependencies): pip install gunicorn"
        )
    # Bind port 0 here and hand gunicorn the listening socket: no port race.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = (tmp_path / "gunicorn.log").open("w")
    env = {**os.environ, "MICROFRAME_SECRET_KEY": "shared-by-the-workers"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers=2",
            f"--bind=fd://{listener.fileno()}",
            f"--chdir={EXAMPLES}",
            "mounted:application",
        ],
        pass_fds=[listener.fileno()],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    listener.close()
    base = f"http://127.0.0.1:{port}/admin"
    try:
        # Both workers boot on their own time: wait until each has answered.
        pids: set[str] = set()
        deadline = time.monotonic() + 60
        while len(pids) < 2:
            assert time.monotonic() < deadline, f"only worker {pids} answered"
            response = requests.get(base + "/", timeout=30)
            assert response.status_code == 200
            pids.add(response.headers["X-Process-Id"])
        with requests.Session() as session:
            crossed = 0
            for i in range(100):
                posted = session.post(
                    base + "/jobs",
                    data={"name": f"job{i}", "seconds": "1"},
                    allow_redirects=False,
                    timeout=10,
                )
                assert posted.status_code == 302
                page = session.get(base + "/", timeout=10)
                # The flashed message rides in the session cookie: whichever
                # worker answers, it reads what the other one wrote.
                assert f"&#39;job{i}&#39;" in page.text, page.text
                if posted.headers["X-Process-Id"] != page.headers["X-Process-Id"]:
                    crossed += 1
                    if crossed >= 3:
                        break
            assert crossed >= 1, "every request went to the same worker"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "gunicorn.log").read_text()
    assert "Booting worker" in output
    assert "Traceback" not in output, output
