"""Testing tools for microframe apps."""
