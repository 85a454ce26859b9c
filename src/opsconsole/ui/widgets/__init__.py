"""Widgets and delegates shared by the panels (search box, status badge, message bar)."""
