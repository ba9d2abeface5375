"""The quick-start app: serves on 127.0.0.1, prints its URL, Ctrl-C stops it.

python examples/hello.py          # port 5000
PORT=0 python examples/hello.py   # any free port
"""

import os

from microframe import Microframe, jsonify

app = Microframe(__name__)


@app.route("/")
def index():
    return "Hello from microframe!"


@app.get("/users/<int:uid>")
def user(uid):
    return jsonify(id=uid, name=f"user{uid}")


if __name__ == "__main__":
    server = app.serve(port=int(os.environ.get("PORT", "5000")))
    print(f"Serving on {server.url} (Ctrl-C stops)", flush=True)
    server.wait()
