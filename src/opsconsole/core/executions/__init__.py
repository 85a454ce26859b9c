"""The executions area's rules: state machines and executions, their histories, ASL, the fixing actions."""

# The public face other areas use where the product links them (a dead letter naming an execution opens it).
from opsconsole.core.executions.listing import Execution, describe_execution  # noqa: E402

__all__ = ["Execution", "describe_execution"]
