"""How each execution status looks: badge colour and the word shown for it."""

from __future__ import annotations

from opsconsole.core.executions.listing import STATUSES

#: Mid-tone fills: dark enough for white text (contrast >= 4.5), light enough to
#: stand out from a dark window. Hues follow the AWS console's conventions.
STATUS_COLORS: dict[str, str] = {
    "RUNNING": "#0b63c4",
    "SUCCEEDED": "#1d7d35",
    "FAILED": "#c62828",
    "TIMED_OUT": "#a65400",
    "ABORTED": "#5f6b7a",
    "PENDING_REDRIVE": "#7b3fbf",
}

STATUS_LABELS: dict[str, str] = {s: s.replace("_", " ").capitalize() for s in STATUSES}

assert set(STATUS_COLORS) == set(STATUSES)  # a new status must get a colour
