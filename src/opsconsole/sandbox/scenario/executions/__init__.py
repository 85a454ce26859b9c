"""Seed data of the executions area: state machines, 90 days of runs, pending approvals."""
