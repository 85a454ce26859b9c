"""The alerts area's screens."""
