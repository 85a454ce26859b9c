"""Static files: icons, stylesheets, recorded sample data."""
