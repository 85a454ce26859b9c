"""Every area of the console, in navigation order: the one list the shell is built from.

The main window's navigation and stack, its ``Ctrl+1``… shortcuts, the
``--smoke-test`` lines and the ``--screenshot`` files all come from
:data:`AREAS`; adding an area is declaring its :class:`~opsconsole.ui.panel.Area`
in its ui package and one entry here.
"""

from __future__ import annotations

from opsconsole.ui import alerts, docreview, executions, forecasts, lexreview
from opsconsole.ui.panel import Area

AREAS: tuple[Area, ...] = (
    executions.AREA,
    lexreview.AREA,
    alerts.AREA,
    forecasts.AREA,
    docreview.AREA,
)

