"""``python -m jobrunner``: process jobs here, serve the admin UI beside them."""

from __future__ import annotations

import argparse
import sys

from .admin import create_app
from .jobs import JobQueue, process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jobrunner", description="Run jobs, with an admin UI."
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    parser.add_argument(
        "--no-token", action="store_true", help="serve without an access token"
    )
    args = parser.parse_args(argv)

    queue = JobQueue()
    app = create_app(queue)
    server = app.serve(args.host, args.port, token=None if args.no_token else True)
    print(f"Admin UI: {server.browser_url()}  (Ctrl-C stops)", flush=True)
    try:
        process(queue)  # the main thread's own work, until Ctrl-C
    except KeyboardInterrupt:
        print("Stopping.", flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
