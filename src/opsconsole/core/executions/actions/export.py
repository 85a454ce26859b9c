"""Reading an execution's history for the fixing actions, and exporting it as JSON."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from opsconsole.core.aws import Clients
from opsconsole.core.executions.history.events import raw_history

#: GetExecutionHistory's largest page.
HISTORY_PAGE = 1000


def iter_history(clients: Clients, execution_arn: str, *, reverse: bool = False,
                 include_data: bool = True) -> Iterator[dict[str, Any]]:
    """Every event of an execution, oldest first (newest first with ``reverse``).

    One GetExecutionHistory call per 1,000 events, made only as the caller
    iterates: a caller that stops early (found what it looked for) costs no
    further call.
    """
    for page in raw_history(clients, execution_arn, HISTORY_PAGE, reverse=reverse, include_execution_data=include_data):
        yield from page


def execution_history(clients: Clients, execution_arn: str) -> list[dict[str, Any]]:
    """The whole history of an execution, oldest first."""
    return list(iter_history(clients, execution_arn))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def export_history_json(events: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write ``events`` as ``{"events": [...]}``, the shape ``aws stepfunctions get-execution-history`` prints.

    Timestamps become ISO 8601 strings with their UTC offset. The file is
    written next to its destination and moved into place, so a failed export
    never leaves half a file behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"events": list(events)}, fh, indent=2, ensure_ascii=False, default=_json_default)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
