"""A progress report a long core job can yield between pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Yielded by a core generator to report progress instead of a page.

    ``total`` is None when the end is not known (paginated listings).
    """

    done: int
    total: int | None = None
    text: str = ""
