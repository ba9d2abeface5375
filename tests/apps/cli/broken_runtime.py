"""A module that fails with an error other than ImportError."""

raise RuntimeError("broken_runtime failed on purpose")
