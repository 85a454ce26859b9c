"""The typed settings registry: declared once, read back as the declared type whatever the store returns."""

from __future__ import annotations

import pytest

from opsconsole.core import settings as keys
from opsconsole.core.settings import REGISTRY, MemoryStore, Settings, declare


class StringStore(MemoryStore):
    """Gives every value back as a string, like an INI file or the Windows registry."""

    def value(self, key, defaultValue=None):  # noqa: N803
        raw = super().value(key, defaultValue)
        return raw if raw is None or isinstance(raw, (bytes, list)) else str(raw)


def test_values_come_back_as_their_declared_type_from_a_string_store():
    s = Settings(StringStore())
    s.set(keys.EXECUTIONS_SORT_COLUMN, 3)
    s.set(keys.EXECUTIONS_MACHINES, ["arn:a", "arn:b"])
    s.set(keys.WINDOW_AREA, "review")
    assert s.get(keys.EXECUTIONS_SORT_COLUMN) == 3
    assert s.get(keys.EXECUTIONS_MACHINES) == ["arn:a", "arn:b"]
    assert s.get(keys.WINDOW_AREA) == "review"


def test_a_value_of_the_wrong_kind_reads_as_the_default():
    store = MemoryStore()
    store.setValue(keys.EXECUTIONS_SORT_COLUMN.key, "not a number")
    store.setValue(keys.EXECUTIONS_MACHINES.key, '["arn:a", ')  # cut short by a hand edit
    s = Settings(store)
    assert s.get(keys.EXECUTIONS_SORT_COLUMN) == -1
    assert s.get(keys.EXECUTIONS_MACHINES) == []


def test_editing_a_default_list_never_changes_the_default():
    s = Settings(MemoryStore())
    names = s.get(keys.KEYRING_NAMES)
    names.append("ops-readonly")
    assert s.get(keys.KEYRING_NAMES) == []


def test_a_key_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        declare(keys.WINDOW_AREA.key, str, "", "again")
    assert REGISTRY[keys.WINDOW_AREA.key] is keys.WINDOW_AREA


def test_sync_is_passed_on_when_the_store_has_it():
    synced = []

    class Syncing(MemoryStore):
        def sync(self):
            synced.append(1)

    Settings(Syncing()).sync()
    Settings(MemoryStore()).sync()  # a store without sync is fine
    assert synced == [1]
