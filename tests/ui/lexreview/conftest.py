"""What both review-view test modules share: opening the Review queues as someone, in a role."""

from __future__ import annotations

from collections.abc import Callable, Iterator


import pytest
from PySide6.QtCore import QSettings

from opsconsole.core.lexreview import bot as lb
from opsconsole.core.lexreview import deploy as ld
from opsconsole.core.lexreview import items as li
from opsconsole.core.lexreview import triage as lr
from opsconsole.core.lexreview.store import to_attrs
from opsconsole.ui.lexreview import ReviewPanel
import support

TIMEOUT = 60000
#: Deployment timings for tests: short lock, quick polls.
FAST = ld.DeploySettings(lock_ttl_s=3.0, lock_wait_s=120, poll_first_s=0.2, poll_max_s=0.5, build_timeout_s=60)


@pytest.fixture
def review_opener(qtbot, ctx, person_connection) -> Iterator[Callable[..., ReviewPanel]]:
    """``open_(role, name, extra_wait=None)``: the Review queues, loaded, as ``name`` in ``role``.

    ``open_.prepare(role, name)`` only connects and chooses, for a test that opens the panel itself.
    ``extra_wait(panel)`` gives one more signal to wait for during the first load.
    Panels opened are stopped at the end of the test.
    """
    made: list[ReviewPanel] = []

    def prepare(role: str, name: str) -> None:
        """Connect to the sandbox as the person ``name`` with ``role`` chosen, as the panel finds it when it opens."""
        QSettings().setValue("review/role", role)
        if ctx.connection is not person_connection(name):
            ctx.set_connection(person_connection(name))

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


# -- the operations view's fixtures ------------------------------------------------
@pytest.fixture(scope="module")
def lex(sandbox):
    """The seeded Lex bot: ids, names, tables."""
    return sandbox.scenario.lex


@pytest.fixture
def put_item(sandbox_clients, lex):
    """``put(text, intent, locale, status)``: a review item another console forwarded (and maybe reviewed)."""

    def put(text, intent, locale="en_US", status="PENDING"):
        item = lr.new_item(lr.Phrase(text, intent), bot_id=lex["bot_id"], bot_name=lex["bot_name"],
                           locale_id=locale, by="amy.ops", contact_id="test-ui-ops")
        sandbox_clients.client("dynamodb").put_item(TableName=lex["tables"]["review_items"],
                                                    Item=to_attrs(item.to_record()))
        return li.transition(sandbox_clients, item, status, "dana.ops") if status != "PENDING" else item

    return put


@pytest.fixture
def fast_deploy() -> ld.DeploySettings:
    """The deployment timings the operations view uses in these tests."""
    return FAST


@pytest.fixture
def open_ops(review_opener):
    """Open the Review queues as reviewer dana.ops, with the deployment history loaded."""
    review_opener.prepare("operations", "dana.ops")

    def open_():
        panel = review_opener("operations", "dana.ops", lambda p: p.ops_view.history.history_loaded)
        panel.ops_view.history.settings = FAST
        return panel

    return open_


@pytest.fixture
def restore_es(sandbox_clients, lex):
    """Deploy tests change es_US and the live alias: put both back and rebuild afterwards."""
    yield from support.restored_locale(sandbox_clients, lb.BotLocale(lex["bot_id"], lex["bot_name"], "es_US"))
