"""Seed data of the forecasts area."""
