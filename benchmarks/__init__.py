"""microframe's benchmark suite: the same app in five frameworks, timed in pairs.

Run it with ``nox -s bench`` or ``python -m benchmarks``; see ``benchmarks/README.md``.
"""
