"""Seed data of the executions area: state machines, 90 days of runs, pending approvals, live activity.

The public face other areas' seed data use: the plan of executions (alerts count
failures from it) and the DynamoDB item helper.
"""

from opsconsole.sandbox.scenario.executions.models import to_item
from opsconsole.sandbox.scenario.executions.plan import PlannedExecution

__all__ = ["PlannedExecution", "to_item"]
