"""Every setting the console keeps, declared once: key, type, default and what it is for.

Modules never spell a settings key or a default of their own: they use a
:class:`Setting` declared here and read it through :class:`Settings`, which
wraps whatever store the application injects (a ``QSettings`` in the app, a dict
in tests). The store gives back strings on some platforms (INI files, the
Windows registry), so values are converted to the declared type on the way out;
a value that cannot be converted reads as the default instead of breaking the
window.

Per-area panel state (column widths, filters) lives under ``panels/<area>/``
and is declared the same way, with the area's key as prefix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class Store(Protocol):
    """What a settings store must do; ``QSettings`` does it."""

    def value(self, key: str, defaultValue: Any = None) -> Any: ...  # noqa: N803 - Qt's name

    def setValue(self, key: str, value: Any) -> None: ...  # noqa: N802 - Qt's name

    def remove(self, key: str) -> None: ...


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting: where it is stored, its type, its default, and why it exists."""

    key: str
    type: type
    default: T
    doc: str

    def convert(self, raw: Any) -> T:
        """The stored value as the declared type, or the default when it is not one."""
        if raw is None:
            return self.fresh_default()
        try:
            return _CONVERTERS.get(self.type, self.type)(raw)
        except (TypeError, ValueError):
            return self.fresh_default()

    def fresh_default(self) -> T:
        """The default, copied when it is a list (so a caller's edit never changes it)."""
        return list(self.default) if isinstance(self.default, list) else self.default  # type: ignore[return-value]


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, str):
        if raw.strip().lower() in ("true", "1", "yes", "on"):
            return True
        if raw.strip().lower() in ("false", "0", "no", "off", ""):
            return False
        raise ValueError(raw)
    return bool(raw)


def _to_list(raw: Any) -> list:
    if isinstance(raw, str):
        value = json.loads(raw) if raw.strip().startswith("[") else ([raw] if raw else [])
    else:
        value = list(raw)
    if not isinstance(value, list):
        raise ValueError(raw)
    return [str(v) for v in value]


def _to_bytes(raw: Any) -> bytes:
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw)
    data = getattr(raw, "data", None)  # QByteArray
    if callable(data):
        return bytes(data())
    raise ValueError(raw)


_CONVERTERS: dict[type, Callable[[Any], Any]] = {bool: _to_bool, list: _to_list, bytes: _to_bytes, str: str}

#: Every declared setting, by key.
REGISTRY: dict[str, Setting[Any]] = {}


def declare(key: str, type_: type, default: T, doc: str) -> Setting[T]:
    """Declare a setting (once: a second declaration of the same key is a bug)."""
    if key in REGISTRY:
        raise ValueError(f"setting {key!r} is declared twice")
    setting: Setting[T] = Setting(key, type_, default, doc)
    REGISTRY[key] = setting
    return setting


class Settings:
    """Typed access to the injected store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, setting: Setting[T]) -> T:
        return setting.convert(self.store.value(setting.key, None))

    def set(self, setting: Setting[T], value: T) -> None:
        if setting.type is list:
            value = json.dumps(list(value))  # type: ignore[assignment]
        self.store.setValue(setting.key, value)

    def reset(self, setting: Setting[Any]) -> None:
        self.store.remove(setting.key)

    def sync(self) -> None:
        """Write through to disk now, when the store can (``QSettings.sync``)."""
        sync = getattr(self.store, "sync", None)
        if callable(sync):
            sync()


class MemoryStore:
    """A dict with QSettings' three methods: for tests and for headless tools."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def value(self, key: str, defaultValue: Any = None) -> Any:  # noqa: N803
        return self.values.get(key, defaultValue)

    def setValue(self, key: str, value: Any) -> None:  # noqa: N802
        self.values[key] = value

    def remove(self, key: str) -> None:
        self.values.pop(key, None)


# -- the declarations ---------------------------------------------------------
# Connection: what the console connects to at start (the sandbox is never remembered).
CONNECTION_PROFILE = declare("connection/profile", str, "", "AWS profile of the last connection ('' = default chain)")
CONNECTION_KEYRING_NAME = declare("connection/keyring_name", str, "", "name of the keyring entry of the last connection")
CONNECTION_REGION = declare("connection/region", str, "", "region of the last connection ('' = AWS_REGION or the default)")
CONNECTION_ENDPOINT = declare("connection/endpoint_url", str, "", "endpoint override of the last connection")
CONNECTION_TENANT = declare("connection/tenant", str, "", "tenant the last connection was scoped to ('' = all)")
KEYRING_NAMES = declare("connection/keyring_names", list, [], "names of access keys kept in the OS keyring")

# Identity: the name shown beside the AWS principal in audit records and review items.
DISPLAY_NAME = declare("identity/display_name", str, "", "the user's display name, set once ('' = from the AWS identity)")

# Window.
WINDOW_GEOMETRY = declare("window/geometry", bytes, b"", "main window geometry")
WINDOW_STATE = declare("window/state", bytes, b"", "main window docks and toolbars")
WINDOW_AREA = declare("window/area", str, "", "key of the area shown last")

# Review queues.
REVIEW_ROLE = declare("review/role", str, "agent", "which review view opens: 'agent' or 'operations'")

# Executions area (panels/executions/): the query and the table's layout.
EXECUTIONS_MACHINES = declare("panels/executions/state_machines", list, [], "ARNs of the state machines picked ([] = all)")
EXECUTIONS_STATUS = declare("panels/executions/status", str, "", "status filter ('' = any)")
EXECUTIONS_TIME_RANGE = declare("panels/executions/time_range", str, "", "time range filter, e.g. '24h' ('' = the default)")
EXECUTIONS_HEADER = declare("panels/executions/header", bytes, b"", "executions table header: column order and widths")
EXECUTIONS_SORT_COLUMN = declare("panels/executions/sort_column", int, -1, "column the executions are sorted by (-1 = none)")
EXECUTIONS_SORT_ORDER = declare("panels/executions/sort_order", int, 0, "sort order (0 ascending, 1 descending)")
EXECUTIONS_SPLITTER = declare("panels/executions/splitter", bytes, b"", "sizes of the machine list and the table")

# -- alerts ---------------------------------------------------------------------------
ALERTS_DESKTOP_NOTIFICATIONS = declare(
    "panels/alerts/desktop_notifications", bool, False,
    "show a desktop notification when an alarm newly goes to ALARM (opt-in)")
ALERTS_STATE_FILTER = declare("panels/alerts/state", str, "", "alarm state filter ('' = any)")
ALERTS_SPLITTER = declare("panels/alerts/splitter", bytes, b"", "alarms list / detail splitter sizes")

# Forecasts area (panels/forecasts/): the tenant last shown.
FORECASTS_TENANT = declare("panels/forecasts/tenant", str, "", "tenant the forecasts view showed last ('' = the first one)")
