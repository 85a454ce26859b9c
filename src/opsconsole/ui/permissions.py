"""Actions IAM does not allow the connection's identity: shown unavailable, the missing permission named.

:func:`gate` is called where an area enables its actions, after its own rules
(the selection, a job running): it only ever turns an action off, and puts the
area's own tooltip back once IAM allows it again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from opsconsole.ui.widgets.plain_tooltip import plain_tooltip
from opsconsole.core.permissions import Permissions

_OWN_TIP = "opsconsole_own_tooltip"


def gate(target: QObject, permissions: Permissions, *iam_actions: str) -> bool:
    """Disable ``target`` (a QAction or widget) when IAM denies one of ``iam_actions``; True when all allowed."""
    own = target.property(_OWN_TIP)
    if own is None:
        own = target.toolTip()
        target.setProperty(_OWN_TIP, own)
    refused = [permissions.why_not(action) for action in iam_actions if not permissions.allows(action)]
    if refused:
        target.setEnabled(False)
        target.setToolTip(plain_tooltip("\n".join(refused)))  # (names resources from AWS)
        return False
    if target.toolTip() != own and own is not None:
        target.setToolTip(own)
    return True


def remember_tooltip(target: QObject) -> None:
    """Take ``target``'s current tooltip as its own (an area that rewrites it calls this before :func:`gate`)."""
    target.setProperty(_OWN_TIP, target.toolTip())
