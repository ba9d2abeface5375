"""A module that raises ImportError itself, with no module name attached."""

raise ImportError("broken_import_plain refuses to load")
