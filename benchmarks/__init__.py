"""microframe's benchmark suite: the same apps in several frameworks, timed in pairs.

Run it with ``nox -s bench`` or ``python -m benchmarks``; see ``benchmarks/README.md``.
"""
