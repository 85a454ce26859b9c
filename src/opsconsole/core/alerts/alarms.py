"""CloudWatch alarms as the console lists them: streamed with DescribeAlarms, tagged lazily.

DescribeAlarms lists metric alarms only unless ``AlarmTypes`` says otherwise
(API reference); the console asks for both ``MetricAlarm`` and
``CompositeAlarm``, 100 records a page (the maximum), one call per page
through botocore's paginator, so a list of 5,000 alarms is 50 calls.

Tenants come from the alarm's tags. DescribeAlarms does not return tags and
CloudWatch has no call that tags many alarms at once; the Resource Groups
Tagging API's GetResources would (100 resources per call) but needs another
service and permission, and the sandbox does not serve it. So the console
asks ListTagsForResource once per alarm, in the background, at a bounded
rate (:data:`TAG_CALLS_PER_SECOND`), remembering the answers
(:class:`TagCache`): the list is usable at once and fills in its tenant
column as the tags arrive; a refresh asks only for alarms it has not seen.

Quota: CloudWatch's DescribeAlarms request rate is 9 per second per account
and Region (service quotas page). A refresh every :data:`REFRESH_SECONDS`
spends at most ceil(N/100) calls of that budget; when AWS throttles, the
clients retry with backoff (core/aws) and the view says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from opsconsole.core import paging
from opsconsole.core.alerts.rules import child_names
from opsconsole.core.aws import Clients

#: Both kinds: DescribeAlarms lists metric alarms only without it.
ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]
#: DescribeAlarms' MaxRecords maximum.
PAGE_SIZE = 100
#: How often the list refreshes itself while shown (seconds).
REFRESH_SECONDS = 60
#: ListTagsForResource calls per second, at most, while tags fill in.
TAG_CALLS_PER_SECOND = 5.0
#: The tag key naming an alarm's tenant.
TENANT_TAG = "tenant"

METRIC, ANOMALY_BAND, COMPOSITE = "metric", "anomaly-band", "composite"
#: States in the order operators read them: what is wrong first.
STATES: tuple[str, ...] = ("ALARM", "INSUFFICIENT_DATA", "OK")
STATE_ORDER = {s: i for i, s in enumerate(STATES)}


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm, normalised from a DescribeAlarms record (metric or composite)."""

    name: str
    arn: str
    type: str  # METRIC, ANOMALY_BAND or COMPOSITE
    state: str
    since: datetime | None  # StateUpdatedTimestamp
    reason: str = ""
    description: str = ""
    namespace: str = ""
    metric: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    #: Composite alarms: the rule, and the alarms it names (in the order written).
    rule: str = ""
    children: tuple[str, ...] = ()
    #: Tags, when known (None: not fetched yet).
    tags: Mapping[str, str] | None = None
    #: The DescribeAlarms record as AWS gave it (definition shown in the detail view).
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tenant(self) -> str:
        return (self.tags or {}).get(TENANT_TAG, "")

    @property
    def region(self) -> str:
        parts = self.arn.split(":")
        return parts[3] if len(parts) > 4 else ""

    @property
    def dimension(self) -> Mapping[str, str]:
        return dict(self.dimensions)

    def with_tags(self, tags: Mapping[str, str]) -> Alarm:
        from dataclasses import replace

        return replace(self, tags=dict(tags))

    @classmethod
    def from_api(cls, record: Mapping[str, Any], composite: bool = False) -> Alarm:
        rule = str(record.get("AlarmRule") or "") if composite else ""
        namespace, metric, dims = _metric_of(record)
        if composite:
            kind = COMPOSITE
        elif record.get("ThresholdMetricId"):
            kind = ANOMALY_BAND
        else:
            kind = METRIC
        return cls(
            name=record["AlarmName"],
            arn=record.get("AlarmArn", ""),
            type=kind,
            state=record.get("StateValue", "INSUFFICIENT_DATA"),
            since=_aware(record.get("StateUpdatedTimestamp")),
            reason=str(record.get("StateReason") or ""),
            description=str(record.get("AlarmDescription") or ""),
            namespace=namespace,
            metric=metric,
            dimensions=tuple((d["Name"], d["Value"]) for d in dims),
            actions_enabled=bool(record.get("ActionsEnabled", True)),
            alarm_actions=tuple(record.get("AlarmActions") or ()),
            ok_actions=tuple(record.get("OKActions") or ()),
            insufficient_data_actions=tuple(record.get("InsufficientDataActions") or ()),
            rule=rule,
            children=tuple(child_names(rule)) if rule else (),
            raw=dict(record),
        )


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _metric_of(record: Mapping[str, Any]) -> tuple[str, str, list[dict[str, str]]]:
    """Namespace, metric name and dimensions: the alarm's own, else its first MetricStat (math alarms)."""
    if record.get("MetricName"):
        return record.get("Namespace", ""), record["MetricName"], list(record.get("Dimensions") or [])
    for query in record.get("Metrics") or []:
        stat = query.get("MetricStat")
        if stat:
            m = stat["Metric"]
            return m.get("Namespace", ""), m.get("MetricName", ""), list(m.get("Dimensions") or [])
    return "", "", []


def iter_alarms(clients: Clients, page_size: int = PAGE_SIZE, **params: Any) -> Iterator[list[Alarm]]:
    """Every alarm, metric and composite, one DescribeAlarms page (one call) per yield."""
    cw = clients.client("cloudwatch")
    for response in paging.responses(cw, "describe_alarms", page_size=page_size, AlarmTypes=ALARM_TYPES, **params):
        page = [Alarm.from_api(r) for r in response.get("MetricAlarms") or []]
        page += [Alarm.from_api(r, composite=True) for r in response.get("CompositeAlarms") or []]
        if page:
            yield page


def describe_alarm(clients: Clients, name: str) -> Alarm | None:
    """One alarm by name (either kind), or None when it no longer exists."""
    out = clients.client("cloudwatch").describe_alarms(AlarmNames=[name], AlarmTypes=ALARM_TYPES)
    for record in out.get("MetricAlarms") or []:
        return Alarm.from_api(record)
    for record in out.get("CompositeAlarms") or []:
        return Alarm.from_api(record, composite=True)
    return None


class TagCache:
    """Tags by alarm ARN, shared by every refresh of one connection (thread-safe)."""

    def __init__(self) -> None:
        self._tags: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, arn: str) -> dict[str, str] | None:
        with self._lock:
            return self._tags.get(arn)

    def put(self, arn: str, tags: Mapping[str, str]) -> None:
        with self._lock:
            self._tags[arn] = dict(tags)

    def missing(self, arns: Sequence[str]) -> list[str]:
        with self._lock:
            return [a for a in arns if a not in self._tags]

    def __len__(self) -> int:
        with self._lock:
            return len(self._tags)


def fetch_tags(
    clients: Clients,
    arns: Sequence[str],
    cache: TagCache,
    *,
    per_second: float = TAG_CALLS_PER_SECOND,
    batch: int = 50,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, dict[str, str]]]:
    """ListTagsForResource for each ARN the cache lacks, at most ``per_second``; yields {arn: tags} batches.

    An alarm deleted meanwhile (ResourceNotFound) is remembered with no tags.
    The generator yields between calls, so a cancelled job stops asking.
    """
    cw = clients.client("cloudwatch")
    interval = 1.0 / per_second if per_second > 0 else 0.0
    out: dict[str, dict[str, str]] = {}
    next_at = clock()
    for arn in cache.missing(arns):
        wait = next_at - clock()
        if wait > 0:
            sleep(wait)
        next_at = max(next_at, clock()) + interval
        try:
            tags = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=arn).get("Tags") or []}
        except cw.exceptions.ResourceNotFoundException:
            tags = {}
        cache.put(arn, tags)
        out[arn] = tags
        if len(out) >= batch:
            yield out
            out = {}
    if out:
        yield out


def console_url(alarm: Alarm) -> str:
    """The alarm's page in the AWS console."""
    region = alarm.region or "us-east-1"
    return (f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#alarmsV2:alarm/{quote(alarm.name, safe='')}")


def sort_key(alarm: Alarm) -> tuple[int, float, str]:
    """ALARM first, then INSUFFICIENT_DATA, then OK; within a state the most recent change first."""
    since = alarm.since.timestamp() if alarm.since else 0.0
    return (STATE_ORDER.get(alarm.state, len(STATES)), -since, alarm.name)
