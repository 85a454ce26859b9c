"""Alarms of one account and region: definitions, composite rules, state changes, history, actions.

moto's CloudWatch backend stays the store of alarms (so its DeleteAlarms
neighbours, DescribeAlarmsForMetric, Enable/DisableAlarmActions and the tag
operations keep working); an :class:`AlarmBook` keeps what moto lacks: the
definition as it was put (echoed by DescribeAlarms the way AWS echoes it),
composite alarms' parsed rules, the alarm history and the anomaly detectors.

A state change (SetAlarmState or an evaluation) writes a ``StateUpdate``
history item, runs the actions of the new state when actions are enabled
(SNS topics get AWS's alarm notification; other action types are recorded as
failed, the sandbox has nothing to run them on) with an ``Action`` item each,
and re-evaluates the composite alarms whose rules name the alarm.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.cloudwatch import rules
from opsconsole.sandbox.cloudwatch.definitions import check_metric_alarm, moto_arguments
from opsconsole.sandbox.cloudwatch.wire import (
    CloudWatchError,
    invalid_value,
    validation,
)
from opsconsole.sandbox.server import DEFAULT_ACCOUNT_ID

log = logging.getLogger(__name__)

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
_ACTIONS = {"OK": "OKActions", "ALARM": "AlarmActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}
REGION_NAMES = {"eu-west-1": "EU (Ireland)", "us-east-1": "US East (N. Virginia)",
                "eu-central-1": "EU (Frankfurt)", "us-west-2": "US West (Oregon)"}

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


class AlarmBook:
    """What the sandbox knows about the alarms of one account and region beyond moto."""

    def __init__(self, account_id: str, region: str, clock: Clock = utcnow):
        self.account_id, self.region, self.clock = account_id, region, clock
        self.definitions: dict[str, dict[str, Any]] = {}
        self.composites: dict[str, rules.Node] = {}
        self._children: dict[str, list[str]] = {}  # composite -> names its rule refers to
        self._depth = 0  # nested composite evaluations (under the lock)
        self.history: list[dict[str, Any]] = []
        self.detectors: list[dict[str, Any]] = []
        self.lock = threading.RLock()

    # -- moto ----------------------------------------------------------------------------
    @property
    def backend(self) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[self.account_id][self.region]

    def arn(self, name: str) -> str:
        return f"arn:aws:cloudwatch:{self.region}:{self.account_id}:alarm:{name}"

    def name_of(self, name_or_arn: str) -> str:
        prefix = f"arn:aws:cloudwatch:{self.region}:{self.account_id}:alarm:"
        return name_or_arn.removeprefix(prefix)

    # -- writes --------------------------------------------------------------------------
    def put_metric_alarm(self, params: dict[str, Any], at: dt.datetime | None = None) -> None:
        """PutMetricAlarm after AWS's checks: creates or replaces the alarm (state kept on update)."""
        check_metric_alarm(params)
        with self.lock:
            name = params["AlarmName"]
            if name in self.composites:
                raise invalid_value(f"The alarm {name} is a composite alarm; PutMetricAlarm cannot change it.")
            previous = self.backend.alarms.get(name)
            arguments = moto_arguments(params)
            if previous is not None:  # "any tags you specify in this parameter are ignored" on update
                arguments["tags"] = None
            alarm = self.backend.put_metric_alarm(**arguments)
            self._after_put(name, params, previous, alarm, "MetricAlarm", at)

    def put_composite_alarm(self, params: dict[str, Any], at: dt.datetime | None = None,
                            actions: bool = True) -> None:
        """PutCompositeAlarm: parses the rule (AWS's checks), stores it, evaluates it at once (running
        the new state's actions unless ``actions`` is False)."""
        name = params["AlarmName"]
        try:
            tree = rules.parse(params["AlarmRule"])
        except rules.RuleError as error:
            raise validation(f"Error in alarm rule syntax: {error}") from None
        with self.lock:
            referenced = rules.references(tree)
            if len(referenced) > rules.MAX_REFERENCES:
                raise CloudWatchError("LimitExceededFault", "An alarm rule can reference at most "
                                      f"{rules.MAX_REFERENCES} alarms; this one references {len(referenced)}.")
            if rules.elements(tree) > rules.MAX_ELEMENTS:
                raise CloudWatchError("LimitExceededFault", "An alarm rule can have at most "
                                      f"{rules.MAX_ELEMENTS} elements.")
            for ref in referenced:
                parents = [p for p in self.parents_of(self.name_of(ref)) if p != name]
                if len(parents) >= rules.MAX_PARENTS:
                    raise CloudWatchError("LimitExceededFault", f"The alarm {ref} is already in the rules of "
                                          f"{rules.MAX_PARENTS} composite alarms.")
            missing = [ref for ref in referenced if self.name_of(ref) not in self.backend.alarms]
            if missing:
                raise validation(f"Could not save the composite alarm as alarms "
                                 f"[{', '.join(missing)}] in the alarm rule do not exist")
            if self.name_of(params.get("ActionsSuppressor") or "") == name:
                raise validation("A composite alarm cannot be its own actions suppressor.")
            existing = self.backend.alarms.get(name)
            if existing is not None and name not in self.composites:
                raise invalid_value(f"The alarm {name} is a metric alarm; PutCompositeAlarm cannot change it.")
            alarm = self.backend.put_metric_alarm(
                name=name, namespace=None, metric_name=None, comparison_operator=None, evaluation_periods=None,
                period=None, threshold=None, statistic=None, description=params.get("AlarmDescription"),
                dimensions=[], alarm_actions=params.get("AlarmActions", []), ok_actions=params.get("OKActions", []),
                insufficient_data_actions=params.get("InsufficientDataActions", []),
                actions_enabled=params.get("ActionsEnabled", True), rule=params["AlarmRule"],
                tags=params.get("Tags") if existing is None else None)  # ignored on update, like AWS
            self.composites[name] = tree
            self._children[name] = [self.name_of(ref) for ref in referenced]
            self._after_put(name, params, existing, alarm, "CompositeAlarm", at)
            self.evaluate_composite(name, at, actions)

    def _after_put(self, name: str, params: dict[str, Any], previous: Any, alarm: Any, kind: str,
                   at: dt.datetime | None) -> None:
        when = at or self.clock()
        definition = {k: v for k, v in params.items() if k != "Tags"}
        if previous is not None:  # an update keeps the state, like AWS
            for field in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp"):
                setattr(alarm, field, getattr(previous, field))
            alarm.state_transitioned_timestamp = getattr(previous, "state_transitioned_timestamp", when)
        else:
            alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
            alarm.state_reason_data, alarm.state_updated_timestamp = None, when
            alarm.state_transitioned_timestamp = when
        alarm.configuration_updated_timestamp = when
        old = self.definitions.get(name)
        self.definitions[name] = definition
        if old is None:
            self._record(name, kind, "ConfigurationUpdate", f'Alarm "{name}" created',
                         {"version": "1.0", "type": "Create", "createdAlarm": _shown(definition, kind)}, when)
        else:
            changed = {k: old.get(k) for k in set(old) | set(definition) if old.get(k) != definition.get(k)}
            self._record(name, kind, "ConfigurationUpdate", f'Alarm "{name}" updated',
                         {"version": "1.0", "type": "Update", "updatedAlarm": _shown(definition, kind),
                          "originalUpdatedFields": changed}, when)

    def delete_alarms(self, names: list[str], at: dt.datetime | None = None) -> None:
        """DeleteAlarms (API reference): names that do not exist are skipped, the others deleted; at
        most one composite alarm per call; a composite alarm another composite's rule names stays."""
        with self.lock:
            names = [name for name in dict.fromkeys(names) if name in self.backend.alarms]
            composites = [name for name in names if name in self.composites]
            if len(composites) > 1:
                raise validation("You can delete at most one composite alarm in one DeleteAlarms call.")
            for name in composites:
                parents = [p for p in self.parents_of(name) if p != name]
                if parents:
                    raise CloudWatchError("ResourceConflict", f"Composite alarm {name} cannot be deleted: "
                                          f"the alarm rule of {parents[0]} depends on it.")
            when = at or self.clock()
            for name in names:
                kind = "CompositeAlarm" if name in self.composites else "MetricAlarm"
                self._record(name, kind, "ConfigurationUpdate", f'Alarm "{name}" deleted',
                             {"version": "1.0", "type": "Delete",
                              "deletedAlarm": _shown(self.definitions.get(name, {"AlarmName": name}), kind)}, when)
                self.definitions.pop(name, None)
                self.composites.pop(name, None)
                self._children.pop(name, None)
                self.backend.tagger.delete_all_tags_for_resource(self.arn(name))
            self.backend.delete_alarms(names)

    def set_state(self, name: str, state: str, reason: str, reason_data: str | None = None,
                  at: dt.datetime | None = None, actions: bool = True) -> bool:
        """Move an alarm to ``state`` (history, actions, parents); False when it already was there.

        ``actions=False`` records the change without running actions (the scenario's seeding:
        those notifications would have gone out long ago)."""
        if reason_data is not None:
            try:
                json.loads(reason_data)
            except ValueError:
                raise CloudWatchError("InvalidFormatFault", "Unknown") from None
        with self.lock:
            alarm = self.backend.alarms.get(name)
            if alarm is None:
                raise CloudWatchError("ResourceNotFound", f"Alarm {name} not found")
            when = at or self.clock()
            old_state, old_reason = alarm.state_value, alarm.state_reason
            if old_state == state:  # StateUpdatedTimestamp marks changes of the state, not evaluations
                return False
            alarm.state_reason, alarm.state_reason_data = reason, reason_data
            alarm.state_value = state
            alarm.state_updated_timestamp = alarm.state_transitioned_timestamp = when
            kind = "CompositeAlarm" if name in self.composites else "MetricAlarm"
            new = {"stateValue": state, "stateReason": reason}
            if reason_data:
                new["stateReasonData"] = json.loads(reason_data)
            self._record(name, kind, "StateUpdate", f"Alarm updated from {old_state} to {state}",
                         {"version": "1.0", "oldState": {"stateValue": old_state, "stateReason": old_reason},
                          "newState": new}, when)
            if alarm.actions_enabled and actions:
                for action in self.definitions.get(name, {}).get(_ACTIONS[state], []):
                    self._run_action(alarm, kind, action, old_state, when)
            for parent in self.parents_of(name):
                self.evaluate_composite(parent, when, actions=actions)
            return True

    def evaluate_composite(self, name: str, at: dt.datetime | None = None, actions: bool = True) -> None:
        """Re-evaluate a composite alarm's rule from its children's states."""
        if name not in self.composites or self._depth > 20:
            return  # a rule that flips itself through a cycle of composites stops here
        with self.lock:
            tree = self.composites[name]

            def state_of(ref: str) -> str | None:
                child = self.backend.alarms.get(self.name_of(ref))
                return child.state_value if child is not None else None
            holds = rules.evaluate(tree, state_of)
            triggering = [self.name_of(ref) for ref in rules.references(tree)
                          if state_of(ref) in ("ALARM", "OK", "INSUFFICIENT_DATA")]
            when = at or self.clock()
            last = max(triggering, key=lambda n: self.backend.alarms[n].state_updated_timestamp, default=None)
            if last is None:
                reason = "The alarm rule has no alarms that exist"
                data = {"triggeringAlarms": []}
            else:
                child = self.backend.alarms[last]
                reason = (f"{self.arn(last)} transitioned to {child.state_value} at "
                          f"{child.state_updated_timestamp:%A %d %B, %Y %H:%M:%S} UTC")
                data = {"triggeringAlarms": [{"arn": self.arn(last), "state": {
                    "value": child.state_value, "timestamp": _iso(child.state_updated_timestamp)}}]}
            # a cycle of composites ends: a state that does not change re-evaluates no parent
            self._depth += 1
            try:
                self.set_state(name, "ALARM" if holds else "OK", reason, json.dumps(data), when, actions)
            finally:
                self._depth -= 1

    def _run_action(self, alarm: Any, kind: str, action: str, old_state: str, when: dt.datetime) -> None:
        if not action.startswith("arn:aws:sns:"):
            self._record(alarm.name, kind, "Action", f"Failed to execute action {action}",
                         {"actionState": "Failed", "stateUpdateTimestamp": _iso(when),
                          "error": "The opsconsole sandbox runs only SNS actions"}, when)
            return
        from moto.sns.models import sns_backends

        region = action.split(":")[3]
        message = self.notification(alarm, old_state, when)
        region_name = REGION_NAMES.get(self.region, self.region)
        subject = f'{alarm.state_value}: "{alarm.name}" in {region_name}'[:100]
        try:
            sns_backends[self.account_id][region].publish(json.dumps(message), arn=action, subject=subject)
        except Exception as error:  # a deleted topic: AWS records the failure and carries on
            self._record(alarm.name, kind, "Action", f"Failed to execute action {action}",
                         {"actionState": "Failed", "stateUpdateTimestamp": _iso(when), "error": str(error)}, when)
            return
        self._record(alarm.name, kind, "Action", f"Successfully executed action {action}",
                     {"actionState": "Succeeded", "stateUpdateTimestamp": _iso(when),
                      "notificationResource": action, "publishedMessage": json.dumps(message)}, when)

    def notification(self, alarm: Any, old_state: str, when: dt.datetime) -> dict[str, Any]:
        """The JSON document CloudWatch publishes to SNS on a state change."""
        definition = self.definitions.get(alarm.name, {})
        message: dict[str, Any] = {
            "AlarmName": alarm.name, "AlarmDescription": alarm.description, "AWSAccountId": self.account_id,
            "AlarmConfigurationUpdatedTimestamp": _iso(alarm.configuration_updated_timestamp),
            "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason,
            "StateChangeTime": _iso(when), "Region": REGION_NAMES.get(self.region, self.region),
            "AlarmArn": self.arn(alarm.name), "OldStateValue": old_state,
            "OKActions": definition.get("OKActions", []), "AlarmActions": definition.get("AlarmActions", []),
            "InsufficientDataActions": definition.get("InsufficientDataActions", [])}
        if alarm.name in self.composites:
            message["AlarmRule"] = definition.get("AlarmRule")
        else:
            message["Trigger"] = {k: definition[k] for k in (
                "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period",
                "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator", "Threshold", "TreatMissingData",
                "Metrics", "ThresholdMetricId") if k in definition}
        return message

    def _record(self, name: str, kind: str, item: str, summary: str, data: dict[str, Any],
                when: dt.datetime) -> None:
        self.history.append({"AlarmName": name, "AlarmType": kind, "Timestamp": when,
                             "HistoryItemType": item, "HistorySummary": summary,
                             "HistoryData": json.dumps(data)})

    # -- reads ---------------------------------------------------------------------------
    def parents_of(self, name: str) -> list[str]:
        return [parent for parent, children in self._children.items() if name in children]

    def children_of(self, name: str) -> list[str]:
        return list(self._children.get(name, []))

    def describe(self, alarm: Any) -> tuple[str, dict[str, Any]]:
        """("MetricAlarm" | "CompositeAlarm", the alarm as DescribeAlarms shows it)."""
        definition = self.definitions.get(alarm.name, {})
        common = {"AlarmName": alarm.name, "AlarmArn": self.arn(alarm.name),
                  "AlarmDescription": definition.get("AlarmDescription", alarm.description),
                  "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
                  "ActionsEnabled": alarm.actions_enabled,
                  "OKActions": definition.get("OKActions", alarm.ok_actions),
                  "AlarmActions": definition.get("AlarmActions", alarm.alarm_actions),
                  "InsufficientDataActions": definition.get("InsufficientDataActions",
                                                            alarm.insufficient_data_actions),
                  "StateValue": alarm.state_value, "StateReason": alarm.state_reason,
                  "StateReasonData": alarm.state_reason_data,
                  "StateUpdatedTimestamp": alarm.state_updated_timestamp,
                  "StateTransitionedTimestamp": getattr(alarm, "state_transitioned_timestamp",
                                                        alarm.state_updated_timestamp)}
        if alarm.name in self.composites or alarm.rule is not None:
            extra = {k: definition.get(k) for k in ("AlarmRule", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                                                    "ActionsSuppressorExtensionPeriod")}
            extra["AlarmRule"] = extra["AlarmRule"] or alarm.rule
            return "CompositeAlarm", {**common, **extra}
        if definition:
            extra = {k: definition.get(k) for k in (
                "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
                "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
                "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId")}
            extra["Dimensions"] = extra["Dimensions"] or ([] if "Metrics" not in definition else None)
        else:
            extra = {"MetricName": alarm.metric_name, "Namespace": alarm.namespace, "Statistic": alarm.statistic,
                     "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions],
                     "Period": alarm.period, "EvaluationPeriods": alarm.evaluation_periods,
                     "Threshold": alarm.threshold, "ComparisonOperator": alarm.comparison_operator}
        return "MetricAlarm", {**common, **extra}


def _shown(definition: dict[str, Any], kind: str) -> dict[str, Any]:
    """A definition as history data shows it (lowerCamel keys, like AWS's HistoryData)."""
    return {"type": kind, **{k[:1].lower() + k[1:]: v for k, v in definition.items()}}


_books: dict[tuple[str, str], AlarmBook] = {}
_books_lock = threading.Lock()


def book(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> AlarmBook:
    """The alarm book of an account and region in this process (created on first use)."""
    with _books_lock:
        key = (account_id, region)
        if key not in _books:
            _books[key] = AlarmBook(account_id, region)
        return _books[key]


def books() -> list[AlarmBook]:
    with _books_lock:
        return list(_books.values())


def reset() -> None:
    with _books_lock:
        _books.clear()
