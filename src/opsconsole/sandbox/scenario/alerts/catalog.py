"""The scenario's alarm catalogue beyond the hand-written few: 300+ metric, anomaly-band and composite
alarms over the three tenants, as PutMetricAlarm / PutCompositeAlarm requests (deterministic).

What an account of this platform watches: Step Functions failures per state
machine, SageMaker endpoint errors and latency per country, Lambda errors and
throttles, SQS depth and age, DynamoDB throttling, order and classification
KPIs against anomaly bands (per minute for the live checkout metric), Lex and
Connect for the contact centre, reconciliation runs and Glue jobs for
finance; composite alarms roll them up per country, market, locale, ledger and
tenant. Error counts treat missing data as not breaching (no errors, no
datapoint), latencies and durations as missing.
"""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.scenario import catalog as c

LIVE_NAMESPACE = "Retail/Checkout"
CLASSIFICATION_NAMESPACE = "Retail/Classification"
ENDPOINT = "item-classifier-{}"
LEDGERS = ("EU-GL", "US-GL", "UK-GL", "JP-GL", "DE-AP", "FR-AP", "US-AR", "EU-AR", "INTERCO", "TREASURY")
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES")
CONNECT_QUEUES = ("orders", "returns", "payments", "delivery", "vip", "b2b", "de-support", "fr-support")
_LAMBDAS = {c.TENANT_RETAIL: ("s3-intake-router", "manifest-builder", "approval-notifier", "feature-extractor",
                              "label-sync", "metrics-exporter", "drift-checker", "classification-api"),
            c.TENANT_CONTACT: ("lex-fulfilment", "lex-missed-utterance-sink", "connect-router", "callback-scheduler",
                               "transcript-indexer", "sentiment-scorer"),
            c.TENANT_FINANCE: ("ledger-importer", "fx-rates-loader", "matcher", "exceptions-mailer", "close-checker")}
_GLUE_JOBS = ("gl-extract", "ap-extract", "ar-extract", "fx-normalise", "match-prepare", "match-run",
              "exceptions-report", "close-snapshot")
_TOPICS = {c.TENANT_RETAIL: c.ALERT_TOPIC, c.TENANT_CONTACT: "contact-center-alerts",
           c.TENANT_FINANCE: "finance-ops-alerts"}


def _dims(**dims: str) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in dims.items()]


def _metric(name: str, tenant: str, namespace: str, metric: str, dims: list[dict[str, str]], stat: str,
            period: int, threshold: float, operator: str = "GreaterThanOrEqualToThreshold",
            periods: int = 1, missing: str = "notBreaching", **extra: Any) -> dict[str, Any]:
    topic = c.topic_arn(_TOPICS[tenant])
    alarm = {"AlarmName": name, "AlarmDescription": f"{tenant}: {metric} of {dims[0]['Value'] if dims else namespace}",
             "Namespace": namespace, "MetricName": metric, "Dimensions": dims, "Period": period,
             "EvaluationPeriods": periods, "Threshold": threshold, "ComparisonOperator": operator,
             "TreatMissingData": missing, "AlarmActions": [topic], "OKActions": [topic],
             "Tags": [{"Key": "tenant", "Value": tenant}], **extra}
    if stat.startswith("p"):
        alarm["ExtendedStatistic"] = stat
    else:
        alarm["Statistic"] = stat
    return alarm


def _band(name: str, tenant: str, namespace: str, metric: str, dims: list[dict[str, str]], width: float,
          period: int = 3600, periods: int = 3, to_alarm: int = 3, stat: str = "Sum",
          operator: str = "LessThanLowerOrGreaterThanUpperThreshold") -> dict[str, Any]:
    topic = c.topic_arn(_TOPICS[tenant])
    return {"AlarmName": name, "AlarmDescription": f"{tenant}: {metric} outside its expected band",
            "ComparisonOperator": operator, "EvaluationPeriods": periods, "DatapointsToAlarm": to_alarm,
            "ThresholdMetricId": "ad1", "TreatMissingData": "missing", "AlarmActions": [topic], "OKActions": [topic],
            "Tags": [{"Key": "tenant", "Value": tenant}],
            "Metrics": [{"Id": "m1", "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
                "Period": period, "Stat": stat}},
                {"Id": "ad1", "Expression": f"ANOMALY_DETECTION_BAND(m1, {width:g})",
                 "Label": f"{metric} (expected)", "ReturnData": True}]}


def _composite(name: str, tenant: str, rule: str, description: str) -> dict[str, Any]:
    topic = c.topic_arn(_TOPICS[tenant])
    return {"AlarmName": name, "AlarmRule": rule, "AlarmDescription": description, "AlarmActions": [topic],
            "OKActions": [topic], "Tags": [{"Key": "tenant", "Value": tenant}]}


def _any(names: list[str]) -> str:
    return " OR ".join(f'ALARM("{n}")' for n in names)


def metric_alarms(taken: set[str]) -> list[dict[str, Any]]:
    """Metric and anomaly-band alarms, skipping names in ``taken`` (the hand-written ones)."""
    out = [*_pipelines(), *_kpis(), *_queues(), *_functions(), *_contact_center(), *_finance()]
    return [a for a in out if a["AlarmName"] not in taken]


def _pipelines() -> list[dict[str, Any]]:
    """Step Functions, SageMaker endpoints and DynamoDB tables of the ML platform."""
    r, out = c.TENANT_RETAIL, []
    for machine in c.STATE_MACHINES.values():
        arn = _dims(StateMachineArn=c.state_machine_arn(machine))
        for metric, word in (("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed-out"),
                             ("ExecutionsAborted", "aborted"), ("ExecutionThrottled", "throttled")):
            out.append(_metric(f"{machine}-executions-{word}", r, "AWS/States", metric, arn, "Sum", 3600, 1))
        out.append(_metric(f"{machine}-failures-1m", r, "AWS/States", "ExecutionsFailed", arn, "Sum", 60, 1))
    for country in c.COUNTRIES:
        endpoint = _dims(EndpointName=ENDPOINT.format(country.lower()), VariantName="AllTraffic")
        out.append(_metric(f"sagemaker-{country}-classifier-5xx", r, "AWS/SageMaker", "Invocation5XXErrors",
                           endpoint, "Sum", 300, 5))
        out.append(_metric(f"sagemaker-{country}-classifier-4xx", r, "AWS/SageMaker", "Invocation4XXErrors",
                           endpoint, "Sum", 300, 50))
        out.append(_metric(f"sagemaker-{country}-classifier-latency-p90", r, "AWS/SageMaker", "ModelLatency",
                           endpoint, "p90", 300, 800_000, "GreaterThanThreshold", 3, "missing"))
    for table in (c.WINNER_TABLE, c.MANIFEST_TABLE, c.CAPACITY_TABLE, c.REGISTRY_TABLE, c.EVALUATION_TABLE,
                  c.CLASSIFICATION_TABLE):
        t = _dims(TableName=table)
        out.append(_metric(f"dynamodb-{table}-throttled", r, "AWS/DynamoDB", "ThrottledRequests", t, "Sum", 300, 1))
        out.append(_metric(f"dynamodb-{table}-system-errors", r, "AWS/DynamoDB", "SystemErrors", t, "Sum", 300, 1))
    return out


def _kpis() -> list[dict[str, Any]]:
    """Anomaly-band alarms on the business KPIs (hourly, and per minute for live checkout orders)."""
    r, out = c.TENANT_RETAIL, []
    for country in c.COUNTRIES:
        out.append(_band(f"classified-items-anomaly-{country}", r, CLASSIFICATION_NAMESPACE, "ItemsClassified",
                         _dims(Country=country), 3))
    for market in c.MARKETPLACES:
        for platform in c.PLATFORMS:
            out.append(_band(f"orders-anomaly-{market}-{platform}", r, "Retail/Orders", "Orders",
                             _dims(Marketplace=market, Platform=platform), 2))
        out.append(_band(f"revenue-anomaly-{market}", r, "Retail/Orders", "Revenue", _dims(Marketplace=market), 3))
        out.append(_band(f"checkout-orders-anomaly-{market}", r, LIVE_NAMESPACE, "Orders", _dims(Marketplace=market),
                         3, period=60, periods=3, to_alarm=2))
    return out


def _queues() -> list[dict[str, Any]]:
    r, out = c.TENANT_RETAIL, []
    for queue, tenant in ((c.APPROVAL_QUEUE, r), (c.REVIEW_QUEUE, r), (c.TRAINING_QUEUE, r), (c.DLQ, r),
                          (c.NOTIFICATION_INBOX, r), ("lex-missed-utterances", c.TENANT_CONTACT),
                          ("reconciliation-requests", c.TENANT_FINANCE)):
        q = _dims(QueueName=queue)
        out.append(_metric(f"{queue}-oldest-message-age", tenant, "AWS/SQS", "ApproximateAgeOfOldestMessage", q,
                           "Maximum", 300, 3600 if queue != c.DLQ else 86400, missing="missing"))
        out.append(_metric(f"{queue}-backlog", tenant, "AWS/SQS", "ApproximateNumberOfMessagesVisible", q,
                           "Maximum", 60, 1 if queue == c.DLQ else 100, missing="missing"))
    return out


def _functions() -> list[dict[str, Any]]:
    out = []
    for tenant, functions in _LAMBDAS.items():
        for function in functions:
            f = _dims(FunctionName=function)
            out.append(_metric(f"lambda-{function}-errors", tenant, "AWS/Lambda", "Errors", f, "Sum", 300, 1))
            out.append(_metric(f"lambda-{function}-throttles", tenant, "AWS/Lambda", "Throttles", f, "Sum", 300, 1))
            if tenant == c.TENANT_RETAIL:
                out.append(_metric(f"lambda-{function}-duration-p99", tenant, "AWS/Lambda", "Duration", f, "p99",
                                   300, 10_000, "GreaterThanThreshold", 3, "missing"))
    return out


def _contact_center() -> list[dict[str, Any]]:
    cc, out = c.TENANT_CONTACT, []
    for locale in LOCALES:
        bot = _dims(BotName="RetailSupportBot", Locale=locale)
        out.append(_metric(f"lex-{locale}-missed-utterances", cc, "ContactCenter/Lex", "MissedUtteranceRate", bot,
                           "Average", 3600, 0.15, "GreaterThanThreshold", missing="missing"))
        out.append(_metric(f"lex-{locale}-system-errors", cc, "AWS/Lex", "RuntimeSystemErrors", bot, "Sum", 300, 1))
        out.append(_metric(f"lex-{locale}-latency-p95", cc, "AWS/Lex", "RuntimeRequestLatency", bot, "p95", 300,
                           1500, "GreaterThanThreshold", 3, "missing"))
    for queue in CONNECT_QUEUES:
        q = _dims(InstanceId="retail-contact", MetricGroup="Queue", QueueName=queue)
        out.append(_metric(f"connect-{queue}-queue-size", cc, "AWS/Connect", "QueueSize", q, "Maximum", 60, 25,
                           missing="missing"))
        out.append(_metric(f"connect-{queue}-longest-wait", cc, "AWS/Connect", "LongestQueueWaitTime", q, "Maximum",
                           60, 600, missing="missing"))
        out.append(_metric(f"connect-{queue}-abandoned", cc, "AWS/Connect", "ContactsAbandoned", q, "Sum", 300, 10))
    for table in ("contact-center-conversations", "contact-center-utterance-review"):
        out.append(_metric(f"dynamodb-{table}-throttled", cc, "AWS/DynamoDB", "ThrottledRequests",
                           _dims(TableName=table), "Sum", 300, 1))
    return out


def _finance() -> list[dict[str, Any]]:
    fin, ns, out = c.TENANT_FINANCE, "FinanceOps/Reconciliation", []
    for ledger in LEDGERS:
        g = _dims(Ledger=ledger)
        out.append(_metric(f"reconciliation-{ledger}-duration", fin, ns, "DurationSeconds", g, "Maximum", 86400,
                           14400, "GreaterThanThreshold", missing="missing"))
        out.append(_metric(f"reconciliation-{ledger}-failed-runs", fin, ns, "FailedRuns", g, "Sum", 3600, 1))
        out.append(_metric(f"reconciliation-{ledger}-unmatched", fin, ns, "UnmatchedItems", g, "Maximum", 3600, 500,
                           "GreaterThanThreshold", missing="missing"))
        out.append(_metric(f"reconciliation-{ledger}-late-entries", fin, ns, "LateEntries", g, "Sum", 3600, 20,
                           "GreaterThanThreshold"))
    for job in _GLUE_JOBS:
        j = _dims(JobName=job, JobRunId="ALL", Type="count")
        out.append(_metric(f"glue-{job}-failed-tasks", fin, "Glue", "glue.driver.aggregate.numFailedTasks", j,
                           "Sum", 300, 1))
        out.append(_metric(f"glue-{job}-elapsed", fin, "Glue", "glue.driver.aggregate.elapsedTime", j, "Maximum",
                           300, 3_600_000, "GreaterThanThreshold", missing="missing"))
    return out


def composite_alarms() -> list[dict[str, Any]]:
    """Roll-ups: children before parents, so every rule names alarms that exist."""
    r, cc, fin = c.TENANT_RETAIL, c.TENANT_CONTACT, c.TENANT_FINANCE
    out = []
    for country in c.COUNTRIES:
        out.append(_composite(f"classifier-{country}-health", r, _any(
            [f"sagemaker-{country}-classifier-5xx", f"sagemaker-{country}-classifier-latency-p90"])
            + f' OR (ALARM("classified-items-anomaly-{country}") AND NOT ALARM("sagemaker-{country}-classifier-4xx"))',
            f"Item classification in {country}: endpoint errors or latency, or a volume anomaly"))
    for market in c.MARKETPLACES:
        out.append(_composite(f"orders-{market}-health", r,
                              _any([f"orders-anomaly-{market}-{p}" for p in c.PLATFORMS] + [f"revenue-anomaly-{market}"]),
                              f"Orders in {market}: any platform or revenue outside its band"))
    machines = list(c.STATE_MACHINES.values())
    out.append(_composite("mlops-pipelines-health", r, _any([f"{m}-executions-failed" for m in machines]
                                                           + [f"{m}-executions-timed-out" for m in machines]),
                          "Any ML pipeline failing or timing out"))
    out.append(_composite("retail-compliance-health", r, _any(
        ["mlops-pipelines-health", *[f"classifier-{x}-health" for x in c.COUNTRIES],
         *[f"orders-{m}-health" for m in c.MARKETPLACES]]), "Everything retail-compliance is on call for"))
    for locale in LOCALES:
        out.append(_composite(f"lex-{locale}-health", cc, _any([f"lex-{locale}-system-errors", f"lex-{locale}-latency-p95"])
                              + f' OR (ALARM("lex-{locale}-missed-utterances") AND TRUE)',
                              f"The support bot in {locale}"))
    out.append(_composite("contact-center-health", cc, _any([f"lex-{x}-health" for x in LOCALES]
                                                           + [f"connect-{q}-queue-size" for q in CONNECT_QUEUES]),
                          "Everything contact-center is on call for"))
    for ledger in LEDGERS:
        out.append(_composite(f"ledger-{ledger}-health", fin, _any(
            [f"reconciliation-{ledger}-failed-runs", f"reconciliation-{ledger}-duration"])
            + f' OR (ALARM("reconciliation-{ledger}-unmatched") AND NOT OK("reconciliation-{ledger}-late-entries"))',
            f"Reconciliation of ledger {ledger}"))
    out.append(_composite("finance-ops-health", fin, _any([f"ledger-{x}-health" for x in LEDGERS]),
                          "Everything finance-ops is on call for"))
    return out
