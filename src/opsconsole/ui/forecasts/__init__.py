"""The forecasts area's screens."""
