"""Seeding the scenario: workflow 1 and 2 of shared/domain.md, deterministic for a seed.

:func:`seed` creates everything through boto3 clients pointed at the sandbox
over HTTP (only the replayed executions are put into moto's backend directly)
and returns a :class:`Scenario` summary. One module per area:
``models`` (DynamoDB), ``alerts`` (SQS, SNS, CloudWatch), ``stepfunctions``
(state machines, template runs, replays), ``lex`` (workflow 3: the Lex V2 bot,
put into the sandbox's Lex backend directly, and its conversations in
DynamoDB), with ``plan``/``cases`` deciding what exists and ``catalog`` naming
it. Later areas (A2I human loops, forecasts) add a module and a step in
:func:`seed`.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.scenario import catalog
from opsconsole.sandbox.scenario.clients import Clients
from opsconsole.sandbox.scenario.executions.live import LiveActivity
from opsconsole.sandbox.scenario.alerts import seed as alerts
from opsconsole.sandbox.scenario.alerts.live import LiveAlerts
from opsconsole.sandbox.scenario.forecasts import accuracy_stream
from opsconsole.sandbox.scenario.forecasts import seed as forecasts
from opsconsole.sandbox.scenario.lexreview import seed as lex
from opsconsole.sandbox.scenario import docreview
from opsconsole.sandbox.scenario.executions import models
from opsconsole.sandbox.scenario.executions import seed as stepfunctions
from opsconsole.sandbox.scenario.executions.definitions import build_definitions
from opsconsole.sandbox.scenario.executions.plan import PlannedExecution, plan_executions

__all__ = ["Clients", "LiveActivity", "LiveAlerts", "Scenario", "seed", "plan_for"]

log = logging.getLogger(__name__)


@dataclass
class Scenario:
    """What the sandbox seeded: names, ARNs, URLs and counts the app and tests look up."""

    seed: int
    now: dt.datetime
    region: str
    state_machines: dict[str, str]
    queues: dict[str, str]
    tables: dict[str, str]
    topics: dict[str, str]
    alarms: dict[str, str]
    counts: dict[str, int]
    countries: tuple[str, ...] = catalog.COUNTRIES
    tenants: tuple[str, ...] = catalog.TENANTS
    pending_approvals: list[str] = field(default_factory=list)
    #: the Lex bot and its tables: bot_id, bot_name, locales, alias_id, alias_name, live_version, tables, ...
    lex: dict[str, Any] = field(default_factory=dict)
    #: the forecasts area: bucket, tenants -> {dataset_group_arn, predictor_arns, forecast_arns, export_paths,
    #: backtest_paths, actuals_path, items, ...}, tables, metric namespace (see docs/sandbox-forecasts.md)
    forecasts: dict[str, Any] = field(default_factory=dict)
    #: document review: bucket, table, index, queue, state_machine, flow_definitions, waiting, counts, ...
    docreview: dict[str, Any] = field(default_factory=dict)
    #: the seeded documents (for page images and the simulated workforce)
    docreview_seed: Any = field(default=None, repr=False)
    plan: list[PlannedExecution] = field(default_factory=list, repr=False)


def plan_for(seed_value: int, now: dt.datetime) -> list[PlannedExecution]:
    """The execution plan :func:`seed` uses for this seed and time (pure, for tests and tools)."""
    winners = models.winner_models(random.Random(f"{seed_value}:models"), now)
    return plan_executions(seed_value, now, winners)


def seed(clients: Clients, *, seed_value: int, now: dt.datetime, endpoint_url: str,
         sfn_backend: Any) -> Scenario:
    """Create and fill every resource of the scenario; returns its summary."""
    winners = models.winner_models(random.Random(f"{seed_value}:models"), now)
    plan = plan_executions(seed_value, now, winners)

    models.create_tables(clients.dynamodb)
    urls = alerts.create_queues_and_topics(clients.sqs, clients.sns)
    defs = build_definitions(endpoint_url)
    pending = {p.country for p in plan if p.real}
    cases = stepfunctions.template_cases(random.Random(f"{seed_value}:templates"), now, winners, pending)
    models.put_rows(clients.dynamodb, models.seed_rows(winners) + [w for case in cases.values() for w in case.writes])
    log.debug("sandbox: tables, queues and topics created; recording templates")

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="sandbox-seed") as pool:
        # template runs are the long pole (real waits and retries): start them first
        templates = pool.submit(stepfunctions.record_templates, clients.stepfunctions, sfn_backend,
                                defs, cases, endpoint_url)
        arns = stepfunctions.create_state_machines(clients.stepfunctions, defs)
        approvals = pool.submit(stepfunctions.start_pending_approvals, clients.stepfunctions,
                                sfn_backend, arns, plan)
        seeded = pool.submit(_seed_alerts, clients, urls, plan, arns, seed_value, now)
        bot = pool.submit(lex.seed_lex, clients.dynamodb, seed_value=seed_value, now=now, region=catalog.REGION)
        forecast_summary = pool.submit(forecasts.seed, clients, seed_value=seed_value, now=now)
        # after the alerts step (which reports every alarm of the account), submitted after it: no deadlock
        accuracy = pool.submit(lambda: (seeded.result(), accuracy_stream.seed_stream(clients.cloudwatch, seed_value,
                                                                                      now))[1])
        documents = pool.submit(docreview.seed_docreview, s3=_client(clients, "s3"), dynamodb=clients.dynamodb,
                                sqs=clients.sqs, stepfunctions=clients.stepfunctions, sfn_backend=sfn_backend,
                                seed_value=seed_value, now=now, endpoint_url=endpoint_url)
        recorded = templates.result()
        log.debug("sandbox: %d templates recorded", len(recorded))
        replayed = stepfunctions.install_replays(sfn_backend, arns, plan, recorded, now)
        pending_arns = approvals.result()
        alarm_states, alert_counts = seeded.result()
        alarm_states.update(accuracy.result())
        lex_summary = bot.result()
        forecast_summary_result = forecast_summary.result()
        documents_seeded = documents.result()
        log.debug("sandbox: %d executions replayed, approvals pending, alerts seeded", replayed)

    models.put_rows(clients.dynamodb, [(catalog.WINNER_TABLE, row) for row in winners.values()])
    clients.sqs.delete_queue(QueueUrl=urls.pop(catalog.RECORDING_QUEUE))

    statuses = Counter(p.status for p in plan)
    counts = {"executions": len(plan), "replayed": replayed, "pending_approvals": len(pending_arns),
              "state_machines": len(arns), "templates": len(cases),
              **{f"status_{k}": v for k, v in sorted(statuses.items())}, **alert_counts}
    return Scenario(
        seed=seed_value, now=now, region=catalog.REGION, state_machines=arns,
        queues={"approvals": urls[catalog.APPROVAL_QUEUE], "dlq": urls[catalog.DLQ],
                "notifications": urls[catalog.NOTIFICATION_INBOX], "training": urls[catalog.TRAINING_QUEUE],
                "review": urls[catalog.REVIEW_QUEUE]},
        tables={"winners": catalog.WINNER_TABLE, "manifests": catalog.MANIFEST_TABLE,
                "capacity": catalog.CAPACITY_TABLE, "registry": catalog.REGISTRY_TABLE,
                "evaluations": catalog.EVALUATION_TABLE, "classifications": catalog.CLASSIFICATION_TABLE},
        topics={"notifications": urls[catalog.NOTIFICATION_TOPIC], "alerts": urls[catalog.ALERT_TOPIC]},
        alarms=alarm_states, counts=counts, pending_approvals=pending_arns, lex=lex_summary,
        forecasts=forecast_summary_result, plan=plan,
        docreview=documents_seeded.summary, docreview_seed=documents_seeded)


def _client(clients: Clients, service: str) -> Any:
    """Another boto3 client on the same endpoint and region as the scenario's."""
    import boto3

    meta = clients.dynamodb.meta
    return boto3.session.Session().client(  # moto accepts any credentials: these are not secrets
        service, endpoint_url=meta.endpoint_url, region_name=meta.region_name, config=meta.config,
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")


def _seed_alerts(clients: Clients, urls: dict[str, str], plan: list[PlannedExecution],
                 arns: dict[str, str], seed_value: int, now: dt.datetime) -> tuple[dict[str, str], dict[str, int]]:
    rng = random.Random(f"{seed_value}:alerts")
    models.put_rows(clients.dynamodb, [w for p in plan for w in p.case.writes])  # manifests of past runs
    dlq = alerts.fill_dlq(clients.sqs, urls, plan, rng)
    alarm_states = alerts.create_alarms(clients.cloudwatch)
    notifications = alerts.publish_notifications(clients.sns, urls, plan)
    datapoints = alerts.put_metrics(clients.cloudwatch, "AWS/States", alerts.state_metrics(plan, arns, now, rng))
    datapoints += alerts.put_metrics(clients.cloudwatch, "AWS/SQS", alerts.queue_metrics(now, rng, dlq))
    datapoints += alerts.put_metrics(clients.cloudwatch, "Retail/Orders", alerts.kpi_metrics(now, rng))
    alarm_states = alerts.seed_catalog(clients.cloudwatch, now, rng)
    return alarm_states, {"dlq_messages": dlq, "notifications": notifications, "datapoints": datapoints,
                          "alarms": len(alarm_states)}
