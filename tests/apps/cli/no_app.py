"""A module without any app."""

value = 1
