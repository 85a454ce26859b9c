"""The executions area's dialogs: start, stop, re-run, redrive, manual steps."""
