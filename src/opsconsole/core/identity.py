"""Who the user is: the AWS principal (STS GetCallerIdentity) and the name people see.

One answer for the whole console: the audit log, review items' ``updated_by``,
deployments' ``started_by`` and the status bar all ask :class:`IdentityStore`.
Who acted, in every record others read, is the principal's own name (the
session name of an assumed role, the IAM user name), never free text. The
display name the user sets once (the ``identity/display_name`` setting) is
shown beside it and goes into the audit records with the principal's ARN;
before AWS has said who we are, the display name, else the OS login.
"""

from __future__ import annotations

import getpass
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from opsconsole.core.aws import caller_identity

log = logging.getLogger(__name__)


def principal_name(arn: str) -> str:
    """The person-ish part of a principal ARN.

    ``arn:aws:sts::1:assumed-role/Ops/ana`` -> ``ana`` (the session name),
    ``arn:aws:iam::1:user/team/bob`` -> ``bob``, ``arn:aws:iam::1:root`` -> ``root``,
    ``arn:aws:sts::1:federated-user/carl`` -> ``carl``.
    """
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    if not resource:
        return ""
    return resource.rsplit("/", 1)[-1]


def os_login() -> str:
    """The operating system's login name, or "unknown" where there is none (some containers)."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name: still say something
        return "unknown"


@dataclass(frozen=True)
class Identity:
    """A principal and the name shown for it."""

    #: The principal's ARN, "" until AWS has told us.
    arn: str = ""
    account: str = ""
    #: The name the user chose ("" when none is set).
    display_name: str = ""

    @property
    def principal(self) -> str:
        """The principal's own name (session or user name), "" when not known."""
        return principal_name(self.arn)

    @property
    def name(self) -> str:
        """Who did it, in what others read (review items, claims, deployments): the AWS principal's own name.

        The display name is the user's free text: anyone can type anyone's name there, so it never
        stands for who acted once AWS has said who we are. Before that: the display name, else the OS login.
        """
        return self.principal or self.display_name.strip() or os_login()

    @property
    def label(self) -> str:
        """The name the user sees for themself: 'Ana (ana@example.com)' when a display name is set, else :attr:`name`."""
        shown = self.display_name.strip()
        if not shown or shown == self.name:
            return self.name
        return f"{shown} ({self.name})" if self.principal else shown

    @property
    def known(self) -> bool:
        """AWS has said who we are."""
        return bool(self.arn)

    def describe(self) -> str:
        """'Ana (arn:aws:sts::1:assumed-role/Ops/ana)': for tooltips and the audit pane."""
        shown = self.display_name.strip() or self.name
        return f"{shown} ({self.arn})" if self.arn else f"{shown} (AWS identity not known yet)"


class IdentityStore:
    """The current connection's identity, shared by the GUI and the worker threads.

    ``display_name`` is asked each time (the user may set it at any moment);
    listeners hear about every change, on whatever thread made it.
    """

    def __init__(self, display_name: Callable[[], str] = lambda: "") -> None:
        self._display_name = display_name
        self._lock = threading.Lock()
        self._caller: Identity = Identity()
        self._generation = 0
        self._listeners: list[Callable[[Identity], None]] = []

    def add_listener(self, listener: Callable[[Identity], None]) -> None:
        self._listeners.append(listener)

    def current(self) -> Identity:
        """Who we are now (the principal possibly not known yet)."""
        with self._lock:
            caller = self._caller
        try:
            name = str(self._display_name() or "")
        except Exception:  # noqa: BLE001 - a broken settings store must not stop a write
            log.warning("display name could not be read", exc_info=True)
            name = ""
        return replace(caller, display_name=name)

    def forget(self) -> None:
        """Another connection: the principal is not known until AWS says it again."""
        with self._lock:
            self._caller = Identity()
            self._generation += 1
        self.changed()

    def learn(self, caller: Mapping[str, Any], generation: int | None = None) -> None:
        """What GetCallerIdentity said (``Arn``, ``Account``); ignored if the connection changed meanwhile."""
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            self._caller = Identity(arn=str(caller.get("Arn", "") or ""), account=str(caller.get("Account", "") or ""))
        self.changed()

    def changed(self) -> None:
        """Tell the listeners (after :meth:`learn`, or when the display name was set)."""
        identity = self.current()
        for listener in list(self._listeners):
            listener(identity)

    def resolve(self, clients: Any) -> Identity:
        """The identity, asking STS first when the principal is not known yet (worker threads only).

        A failure to ask is not the write's failure: the identity is then
        recorded as far as it is known and the write's own call says what is wrong.
        """
        identity = self.current()
        if identity.known or clients is None:
            return identity
        with self._lock:
            generation = self._generation
        try:
            self.learn(caller_identity(clients), generation)
        except Exception as exc:  # noqa: BLE001 - see above
            log.warning("could not learn the AWS identity: %s", exc)
        return self.current()
