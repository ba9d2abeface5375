"""The quick-start app: serves on 127.0.0.1, prints its URL, Ctrl-C stops it.

python examples/hello.py          # port 5000, or a free port when 5000 is taken
PORT=8000 python examples/hello.py   # exactly port 8000 (an error if it is taken)
PORT=0 python examples/hello.py   # any free port
"""

import os

from microframe import Microframe, ServerBindError, jsonify

app = Microframe(__name__)
DEFAULT_PORT = 5000


@app.route("/")
def index():
    return "Hello from microframe!"


@app.get("/users/<int:uid>")
def user(uid):
    return jsonify(id=uid, name=f"user{uid}")


def serve():
    """Serve on $PORT, or on 5000 falling back to a free port when it is taken."""
    if "PORT" in os.environ:
        return app.serve(port=int(os.environ["PORT"]))
    try:
        return app.serve(port=DEFAULT_PORT)
    except ServerBindError:
        # Another program has it (on macOS, often the AirPlay receiver).
        server = app.serve(port=0)
        print(
            f"Port {DEFAULT_PORT} is taken by another program; using port"
            f" {server.port} instead (PORT=... picks one).",
            flush=True,
        )
        return server


if __name__ == "__main__":
    server = serve()
    print(f"Serving on {server.url} (Ctrl-C stops)", flush=True)
    server.wait()
