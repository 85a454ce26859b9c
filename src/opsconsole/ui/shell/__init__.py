"""The window around the areas: main window, status bar, panes, connection dialog, smoke run."""
