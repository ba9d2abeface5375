"""Every command in the README's console blocks runs, the way a reader runs it.

By default the commands run in this test environment: the parts that make the
``.venv`` and pip-install the checkout are checked for what they install, and
``.venv/bin/`` stands for this environment's ``bin`` folder. ``nox -s readme``
sets ``MICROFRAME_README_FRESH=1``: then each line runs as written, with bash, in
a fresh copy of the checkout, so ``python3 -m venv .venv && ... pip install``
really builds the environment the later lines use.

The quick start runs with port 5000 held by a socket of this test; the servers
must print their URL and answer it, then they are stopped.
"""

from __future__ import annotations

import errno
import importlib.metadata
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import typing as t
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FRESH = os.environ.get("MICROFRAME_README_FRESH") == "1"
VENV = "python3 -m venv .venv"


def console_commands(text: str) -> list[str]:
    """The lines of the ```console blocks, in order."""
    blocks = re.findall(r"^```console\n(.*?)^```", text, re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


COMMANDS = console_commands(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the commands run: a fresh copy of the checkout, or the checkout."""
    if not FRESH:
        return ROOT
    copy = tmp_path_factory.mktemp("checkout") / "microframe"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".nox", "_build", "__pycache__", "*.egg-info"
        ),
    )
    return copy


def _command(pattern: str) -> str:
    """The one README command matching ``pattern``."""
    found = [line for line in COMMANDS if re.search(pattern, line)]
    assert len(found) == 1, f"expected one README command like {pattern!r}: {found}"
    return found[0]


def _local(command: str) -> str:
    """The command for this environment: ``.venv/bin/`` is its ``bin`` folder."""
    if FRESH:
        return command
    bin_dir = Path(sys.executable).parent
    return command.replace("../.venv/bin/", f"{bin_dir}/").replace(
        ".venv/bin/", f"{bin_dir}/"
    )


def _installs_the_checkout(command: str) -> str:
    """Check the venv and pip parts of a quick-start line; return what it runs."""
    venv, install, run = (part.strip() for part in command.split("&&"))
    assert venv == VENV
    assert install.startswith(".venv/bin/python -m pip install -q ")
    return run


class Shell:
    """A README command run by bash in its own process group."""

    def __init__(self, command: str, cwd: Path, **kwargs: t.Any) -> None:
        self.command = command
        self.output: list[str] = []
        self.lines: queue.Queue[str] = queue.Queue()
        self.process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            **kwargs,
        )
        # A reader thread, so that a wait never blocks on a half-written line.
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")  # the end of the output

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        """Read output lines until one matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                line = ""
            if not line:
                self.stop(signal.SIGKILL)
                pytest.fail(
                    f"{self.command!r} printed no line like {pattern!r} within"
                    f" {timeout} s; it printed:\n{''.join(self.output)}"
                )
            self.output.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def stop(self, sig: signal.Signals) -> str:
        """Send ``sig`` to the command's process group; return all it printed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            pytest.fail(f"{self.command!r} still ran 30 s after {sig.name}")
        finally:
            self.reader.join(timeout=30)
            assert self.process.stdout is not None
            self.process.stdout.close()
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)


def test_every_command_is_covered() -> None:
    patterns = [
        r"examples/hello\.py$",
        r"nox -s tests$",
        r"pip install -q -e '\.\[gunicorn,waitress\]'$",
        r"/gunicorn ",
        r"/waitress-serve ",
    ]
    uncovered = [
        line for line in COMMANDS if not any(re.search(p, line) for p in patterns)
    ]
    assert COMMANDS, "the README shows no ```console block"
    assert not uncovered, f"README commands no test runs: {uncovered}"


def test_quick_start_serves_while_port_5000_is_taken(checkout: Path) -> None:
    command = _command(r"examples/hello\.py$")
    run = _installs_the_checkout(command)
    assert command.split("&&")[1].split()[-1] == "."  # installs this checkout
    taken = socket.socket()
    try:
        try:
            taken.bind(("127.0.0.1", 5000))
            taken.listen()
            held = True
        except OSError as e:  # another program has it: just as good
            assert e.errno == errno.EADDRINUSE, e
            held = False
        env = {k: v for k, v in os.environ.items() if k != "PORT"}
        shell = Shell(command if FRESH else _local(run), checkout, env=env)
        url = shell.wait_for(r"Serving on (http://127\.0\.0\.1:\d+) ", 300)[1]
        try:
            assert requests.get(url + "/", timeout=10).text == "Hello from microframe!"
            assert requests.get(url + "/users/7", timeout=10).json() == {
                "id": 7,
                "name": "user7",
            }
        finally:
            output = shell.stop(signal.SIGINT)  # Ctrl-C
    finally:
        taken.close()
    assert not url.endswith(":5000")
    if held:
        assert "Port 5000 is taken by another program; using port" in output
    assert "Traceback" not in output, output
    assert shell.process.returncode == 0, output


def test_test_command_is_what_ci_runs() -> None:
    # Running the suite from inside the suite would recurse: CI runs the line.
    command = _command(r"nox -s tests$")
    assert command.startswith(VENV + " && ")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines(), f"{command!r} is not a line of .ci/run"


def test_deploy_extras_install(checkout: Path) -> None:
    command = _command(r"pip install -q -e '\.\[gunicorn,waitress\]'$")
    extras = importlib.metadata.metadata("microframe-wsgi").get_all("Provides-Extra")
    assert {"gunicorn", "waitress"} <= set(extras or ()), extras
    if FRESH:
        done = subprocess.run(
            ["bash", "-c", command], cwd=checkout, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    bin_dir = checkout / ".venv" / "bin" if FRESH else Path(sys.executable).parent
    assert (bin_dir / "gunicorn").exists()
    assert (bin_dir / "waitress-serve").exists()


def _mounted_answers(url: str) -> None:
    home = requests.get(url + "/", timeout=10)
    assert home.status_code == 200
    assert "plain werkzeug app" in home.text
    admin = requests.get(url + "/admin/", timeout=10)
    assert admin.status_code == 200
    assert 'action="/admin/jobs"' in admin.text


def test_gunicorn_command(checkout: Path) -> None:
    command = _command(r"/gunicorn ")
    # The port it names may be taken here: hand it a socket bound to port 0.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    local = _local(command).replace(
        "--bind 127.0.0.1:8000", f"--bind fd://{listener.fileno()}"
    )
    assert local != _local(command), command
    shell = Shell(local, checkout, pass_fds=[listener.fileno()])
    listener.close()
    try:
        shell.wait_for(r"Booting worker", 60)
        _mounted_answers(f"http://127.0.0.1:{port}")
    finally:
        output = shell.stop(signal.SIGTERM)
    assert "Traceback" not in output, output


def test_waitress_command(checkout: Path) -> None:
    command = _command(r"/waitress-serve ")
    local = _local(command).replace("127.0.0.1:8080", "127.0.0.1:0")
    assert local != _local(command), command
    shell = Shell(local, checkout)
    try:
        url = shell.wait_for(r"Serving on (http://127\.0\.0\.1:\d+)", 60)[1]
        _mounted_answers(url)
    finally:
        output = shell.stop(signal.SIGTERM)
    assert "Traceback" not in output, output
