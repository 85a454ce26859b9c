"""Forecast resources of the sandbox: dataset groups, datasets, import jobs, predictors,
forecasts, export jobs, backtest export jobs, and their tags. One store per region
per process (like moto's backends); :func:`reset` forgets everything."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.forecast.specs import ModelSpec, SeriesSpec
from opsconsole.sandbox.forecast.wire import ForecastError, invalid, not_found
from opsconsole.sandbox.server import DEFAULT_ACCOUNT_ID

#: kind -> the ARN's resource type
ARN_TYPES = {
    "dataset_group": "dataset-group", "dataset": "dataset", "import_job": "dataset-import-job",
    "predictor": "predictor", "forecast": "forecast", "export_job": "forecast-export-job",
    "backtest_job": "predictor-backtest-export-job",
}
#: seconds an API-created resource spends in CREATE_PENDING, then until it is ACTIVE
PENDING_SECONDS = 1.0
ACTIVE_AFTER_SECONDS = 3.0
MAX_TAGS = 50


@dataclass
class Resource:
    """One Forecast resource: its Describe answer (``fields``), tags and what its data comes from."""

    kind: str
    arn: str
    name: str
    fields: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    series: SeriesSpec | None = None
    model: ModelSpec | None = None
    #: created through the API: its status moves from CREATE_PENDING to ACTIVE with time
    created_by_api: bool = False

    def describe(self, now: dt.datetime) -> dict[str, Any]:
        out = dict(self.fields)
        if self.created_by_api and out.get("Status") == "ACTIVE":
            age = (now - out["CreationTime"]).total_seconds()
            if age < PENDING_SECONDS:
                out["Status"], out["LastModificationTime"] = "CREATE_PENDING", out["CreationTime"]
            elif age < ACTIVE_AFTER_SECONDS:
                out["Status"] = "CREATE_IN_PROGRESS"
                out["LastModificationTime"] = out["CreationTime"] + dt.timedelta(seconds=PENDING_SECONDS)
        return out


class Store:
    """The resources of one account and region."""

    def __init__(self, account_id: str, region: str):
        self.account_id, self.region = account_id, region
        self.lock = threading.RLock()
        self.resources: dict[str, Resource] = {}

    def arn(self, kind: str, *names: str) -> str:
        return f"arn:aws:forecast:{self.region}:{self.account_id}:{ARN_TYPES[kind]}/{'/'.join(names)}"

    def add(self, resource: Resource) -> Resource:
        with self.lock:
            self.resources[resource.arn] = resource
        return resource

    def get(self, arn: str, kind: str | tuple[str, ...], what: str = "resource") -> Resource:
        kinds = (kind,) if isinstance(kind, str) else kind
        with self.lock:
            found = self.resources.get(arn)
        if found is None or found.kind not in kinds:
            raise not_found(f"No {what} found for ARN {arn}" if what != "resource"
                            else f"The resource {arn} doesn't exist.")
        return found

    def of_kind(self, kind: str) -> list[Resource]:
        """Resources of ``kind``, newest first (Forecast's lists are ordered by creation time, descending)."""
        with self.lock:
            chosen = [r for r in self.resources.values() if r.kind == kind]
        return sorted(chosen, key=lambda r: (r.fields["CreationTime"], r.arn), reverse=True)

    def any(self, arn: str) -> Resource:
        with self.lock:
            found = self.resources.get(arn)
        if found is None:
            raise not_found(f"The resource {arn} doesn't exist.")
        return found

    # -- tags ---------------------------------------------------------------------------
    def tag(self, arn: str, tags: list[dict[str, str]]) -> None:
        resource = self.any(arn)
        check_tags(tags)
        with self.lock:
            merged = {**resource.tags, **{t["Key"]: t["Value"] for t in tags}}
            if len(merged) > MAX_TAGS:
                raise ForecastError("LimitExceededException",
                                    f"A resource can have at most {MAX_TAGS} tags.")
            resource.tags = merged

    def untag(self, arn: str, keys: list[str]) -> None:
        resource = self.any(arn)
        for key in keys:
            if key.lower().startswith("aws:"):
                raise invalid("Tag keys starting with 'aws:' are reserved for system use.")
        with self.lock:
            resource.tags = {k: v for k, v in resource.tags.items() if k not in keys}


def check_tags(tags: list[dict[str, str]] | None) -> None:
    """Forecast's tag rules beyond the model: no reserved prefix, unique keys, at most 50."""
    tags = tags or []
    keys = [t["Key"] for t in tags]
    if len(set(keys)) != len(keys):
        raise invalid("Each tag key must be unique.")
    if len(tags) > MAX_TAGS:
        raise ForecastError("LimitExceededException", f"A resource can have at most {MAX_TAGS} tags.")
    for key in keys:
        if key.lower().startswith("aws:"):
            raise invalid("Tag keys starting with 'aws:' are reserved for system use.")


_stores: dict[tuple[str, str], Store] = {}
_stores_lock = threading.Lock()


def store(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> Store:
    """The Forecast resources of an account and region in this process."""
    with _stores_lock:
        key = (account_id, region)
        if key not in _stores:
            _stores[key] = Store(account_id, region)
        return _stores[key]


def reset() -> None:
    with _stores_lock:
        _stores.clear()
