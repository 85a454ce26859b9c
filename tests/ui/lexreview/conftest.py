"""What both review-view test modules share: opening the Review queues as someone, in a role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QSettings

from opsconsole.ui.lexreview import ReviewPanel

TIMEOUT = 60000


@pytest.fixture
def review_opener(qtbot, ctx, sandbox_connection) -> Iterator[Callable[..., ReviewPanel]]:
    """``open_(role, name, extra_wait=None)``: the Review queues, loaded, as ``name`` in ``role``.

    ``open_.prepare(role, name)`` only connects and chooses, for a test that opens the panel itself.
    ``extra_wait(panel)`` gives one more signal to wait for during the first load.
    Panels opened are stopped at the end of the test.
    """
    made: list[ReviewPanel] = []

    def prepare(role: str, name: str) -> None:
        """Connect to the sandbox as ``name`` with ``role`` chosen, as the panel finds it when it opens."""
        QSettings().setValue("review/role", role)
        ctx.set_display_name(name)
        if ctx.connection is None:
            ctx.set_connection(sandbox_connection)

    def open_(role: str, name: str, extra_wait: Callable[[ReviewPanel], object] | None = None) -> ReviewPanel:
        prepare(role, name)
        panel = ReviewPanel(ctx)
        qtbot.addWidget(panel)
        panel.resize(1400, 860)
        panel.show()
        qtbot.waitExposed(panel)
        with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT):
            if extra_wait is None:
                panel.load()
            else:
                with qtbot.waitSignal(extra_wait(panel), timeout=TIMEOUT):
                    panel.load()
        made.append(panel)
        return panel

    open_.prepare = prepare  # type: ignore[attr-defined]
    yield open_
    for panel in made:
        panel.cancel_jobs()
