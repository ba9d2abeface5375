"""The host program's state: a queue of jobs, shared between threads.

Every method takes the queue's lock, and what leaves the queue is a copy,
so the admin UI's request threads and the main thread that runs jobs never
see a job half-changed.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time

STATES = ("queued", "running", "done", "cancelled")


@dataclasses.dataclass
class Job:
    """One unit of work: sleep ``seconds`` in small steps, reporting progress."""

    id: int
    name: str
    seconds: float
    state: str = "queued"
    progress: float = 0.0
    result: str | None = None
    submitted: float = dataclasses.field(default_factory=time.time)
    cancel_requested: bool = False

    def as_dict(self) -> dict[str, object]:
        """The job as JSON-ready data."""
        data = dataclasses.asdict(self)
        data.pop("cancel_requested")
        return data


class JobQueue:
    """Jobs by id, and the order in which queued ones run."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._jobs: dict[int, Job] = {}
        self._pending: collections.deque[int] = collections.deque()
        self._next_id = 1

    def submit(self, name: str, seconds: float) -> Job:
        """Queue a job; return a copy of it."""
        with self._changed:
            job = Job(self._next_id, name, seconds)
            self._next_id += 1
            self._jobs[job.id] = job
            self._pending.append(job.id)
            self._changed.notify_all()
            return dataclasses.replace(job)

    def get(self, job_id: int) -> Job | None:
        """A copy of the job, or ``None``."""
        with self._changed:
            job = self._jobs.get(job_id)
            return dataclasses.replace(job) if job else None

    def jobs(self) -> list[Job]:
        """Copies of all jobs, newest first."""
        with self._changed:
            return [dataclasses.replace(job) for job in reversed(self._jobs.values())]

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        with self._changed:
            counts = dict.fromkeys(STATES, 0)
            for job in self._jobs.values():
                counts[job.state] += 1
            return counts

    def cancel(self, job_id: int) -> bool:
        """Cancel a queued job, or ask a running one to stop; False if too late."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or job.state in ("done", "cancelled"):
                return False
            if job.state == "queued":
                job.state = "cancelled"
                self._pending.remove(job_id)
            else:
                job.cancel_requested = True
            return True

    def take(self, timeout: float) -> Job | None:
        """Wait up to ``timeout`` for the next queued job and mark it running."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._pending, timeout):
                return None
            job = self._jobs[self._pending.popleft()]
            job.state = "running"
            return dataclasses.replace(job)

    def report(self, job_id: int, progress: float) -> bool:
        """Record progress; return False when the job should stop."""
        with self._changed:
            job = self._jobs[job_id]
            job.progress = progress
            return not job.cancel_requested

    def finish(self, job_id: int, result: str, *, cancelled: bool = False) -> None:
        """Mark the job done (or cancelled) with its result."""
        with self._changed:
            job = self._jobs[job_id]
            job.state = "cancelled" if cancelled else "done"
            job.result = result
            if not cancelled:
                job.progress = 1.0
            self._changed.notify_all()


def run(queue: JobQueue, job: Job, step: float = 0.1) -> None:
    """Do the job's work in steps, stopping early when it is cancelled."""
    steps = max(1, round(job.seconds / step))
    for done in range(steps):
        if not queue.report(job.id, done / steps):
            queue.finish(job.id, f"cancelled after {done * step:.1f} s", cancelled=True)
            return
        time.sleep(job.seconds / steps)
    queue.finish(job.id, f"{job.name} finished in {job.seconds:g} s")


def process(queue: JobQueue, stop: threading.Event | None = None) -> None:
    """Run queued jobs one by one until ``stop`` is set (or Ctrl-C)."""
    while stop is None or not stop.is_set():
        job = queue.take(timeout=0.2)
        if job is not None:
            run(queue, job)
