"""The executions area's rules: state machines and executions, their histories, ASL, the fixing actions."""
