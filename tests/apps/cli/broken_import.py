"""A module whose own import fails."""

import microframe_missing_dependency  # noqa: F401
