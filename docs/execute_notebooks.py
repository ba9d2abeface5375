"""Execute the notebooks in a real Jupyter kernel and fail on the first error.

Used by ``nox -s notebooks``::

    python docs/execute_notebooks.py [--timeout SECONDS] [NOTEBOOK ...]

Without arguments every ``notebooks/*.ipynb`` runs, in file-name order. Each
notebook runs in its own kernel started from this interpreter (so from the nox
session's virtual environment, whatever kernels the user has installed), with
the notebook's folder as the working directory and a per-cell timeout. A
notebook also fails if it takes longer than ``--budget`` seconds in all, or
leaves files behind in its folder. The stored notebooks are never written to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL_NAME = "microframe-notebooks"


def install_kernel(jupyter_dir: Path) -> None:
    """Make a kernel spec that runs ipykernel with this very interpreter."""
    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {sys.version_info[0]}.{sys.version_info[1]}",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))


def execute(path: Path, timeout: int) -> float:
    """Run every cell of ``path``; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--timeout", type=int, default=60, help="seconds one cell may take [60]"
    )
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds one notebook may take [60]"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks found in {NOTEBOOKS}", file=sys.stderr)
        return 1

    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="microframe-kernels-") as tmp:
        jupyter_dir = Path(tmp)
        install_kernel(jupyter_dir)
        # Our kernel spec first; IPython's history and the kernels' connection
        # files go to the temporary folder instead of the user's home.
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            filter(None, [str(jupyter_dir), os.environ.get("JUPYTER_PATH")])
        )
        os.environ["JUPYTER_RUNTIME_DIR"] = str(jupyter_dir / "runtime")
        os.environ["IPYTHONDIR"] = str(jupyter_dir / "ipython")
        for path in paths:
            before = set(path.parent.iterdir())
            try:
                seconds = execute(path, args.timeout)
            except (CellExecutionError, CellTimeoutError) as e:
                failed.append(path.name)
                print(f"FAILED {path.name}\n{e}", file=sys.stderr)
                continue
            left = sorted(p.name for p in set(path.parent.iterdir()) - before)
            if left:
                failed.append(path.name)
                print(f"FAILED {path.name}: it left files behind: {left}")
            elif seconds > args.budget:
                failed.append(path.name)
                print(f"FAILED {path.name}: took {seconds:.1f} s, over {args.budget} s")
            else:
                print(f"ok     {path.name} ({seconds:.1f} s)")
    print(f"{len(paths) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
