"""Qt widgets, item models and charts."""
