"""Execution cases: the input (and the data it reads) that makes a state machine reach an outcome.

A :class:`Case` is everything that varies between two executions of one state
machine with one outcome: the input, the DynamoDB items written before the run
(e.g. a dataset manifest whose quality decides the data-quality gate), the items
the run reads (the country's winner model) and the operator's decision at an
approval step. Template runs and replayed executions use cases of the same
shape, so a replay's history is the template's with the case values swapped.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.scenario import catalog as c


@dataclass
class Outcome:
    """One way a state machine's execution ends, and how a template run reaches it."""

    status: str
    #: while recording: ("stop_at", state) aborts on entering a state, ("stop_waiting",) once parked
    #: on the task token; ("approve",) / ("reject",) answer the approval request
    driver: tuple[str, ...] | None = None
    #: definitions.recording_variant() keyword arguments for the recording copy
    recording: dict[str, Any] = field(default_factory=dict)


OUTCOMES: dict[str, dict[str, Outcome]] = {
    "training": {
        "succeeded": Outcome("SUCCEEDED"),
        "succeeded_after_retry": Outcome("SUCCEEDED"),
        "data_quality_failed": Outcome("FAILED"),
        "capacity_failed": Outcome("FAILED"),
        "timed_out": Outcome("TIMED_OUT", recording={"timeout_seconds": 2, "wait_seconds": 4}),
        "aborted": Outcome("ABORTED", driver=("stop_at", "Wait for processing job")),
    },
    "evaluation": {
        "succeeded": Outcome("SUCCEEDED"),
        "testset_missing": Outcome("FAILED"),
        "timed_out": Outcome("TIMED_OUT", recording={"timeout_seconds": 2, "wait_seconds": 4}),
        "aborted": Outcome("ABORTED", driver=("stop_at", "Wait for endpoint")),
    },
    "comparison": {
        "promoted": Outcome("SUCCEEDED", driver=("approve",)),
        "kept": Outcome("SUCCEEDED"),
        "rejected": Outcome("FAILED", driver=("reject",)),
        "approval_timed_out": Outcome("FAILED", recording={"state_timeouts": {"Request promotion approval": 1}}),
        "aborted": Outcome("ABORTED", driver=("stop_waiting",)),
    },
    "inference": {
        "succeeded": Outcome("SUCCEEDED"),
        "no_model": Outcome("FAILED"),
        "batch_failed": Outcome("FAILED"),
        "timed_out": Outcome("TIMED_OUT", recording={"timeout_seconds": 2, "wait_seconds": 4}),
        "aborted": Outcome("ABORTED", driver=("stop_at", "Wait for batch transform")),
    },
    "transaction": {
        "auto": Outcome("SUCCEEDED"),
        "review": Outcome("SUCCEEDED"),
        "no_model": Outcome("FAILED"),
    },
}

#: Outcome whose history, cut short, stands for a still-running execution.
RUNNING_TEMPLATE = {"training": "succeeded", "evaluation": "succeeded", "comparison": "promoted",
                    "inference": "succeeded", "transaction": "auto"}

#: the part a failing batch-transform template cannot read (fixed: replays keep event shapes)
_BAD_PART = 17
REVIEWERS = ("maria.schmidt", "kenji.watanabe", "claire.dubois", "sam.okafor", "lena.berg")
_CATEGORIES = {
    "toys": ("Kids bicycle helmet size S", "Wooden train set 42 pieces", "Plush bear 30 cm"),
    "electronics": ("USB-C charger 65W", "Wireless earbuds with case", "Smart plug 2-pack"),
    "cosmetics": ("Sunscreen SPF 50 200 ml", "Hair dye dark brown", "Nail polish remover"),
    "food": ("Protein bar box of 12", "Green tea 100 bags", "Baby formula stage 2"),
    "chemicals": ("Drain cleaner 1 l", "Lithium battery pack 18650", "Lamp oil 1 l"),
}
_LABELS = {"toys": "toy_safety_ce", "electronics": "radio_equipment", "cosmetics": "cosmetics_regulated",
           "food": "food_contact", "chemicals": "hazmat_class_9"}
_HPO_CANDIDATES = [
    {"id": f"hpo-{i:02d}", "learningRate": lr, "batchSize": bs, "epochs": ep}
    for i, (lr, bs, ep) in enumerate([(0.0003, 32, 4), (0.0001, 32, 6), (0.0005, 64, 4)], start=1)
]


@dataclass
class Case:
    """Input and data of one execution; see the module docstring."""

    role: str
    outcome: str
    country: str
    input: dict[str, Any]
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] = field(default_factory=dict)

    def values(self) -> list[Any]:
        """Everything whose leaves a replay substitutes, in a fixed order."""
        return [self.input, [item for _, item in self.writes], self.reads, self.decision]


def _hex(rng: random.Random, n: int = 4) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _f1(rng: random.Random, low: float = 0.86, high: float = 0.955) -> float:
    return round(rng.uniform(low, high), 4)


def _training(rng: random.Random, outcome: str, country: str, when: dt.datetime,
              winners: dict[str, dict[str, Any]]) -> Case:
    stamp = when.strftime("%Y%m%d")
    request_id = f"tr-{country}-{stamp}-{_hex(rng)}"
    dataset_id = f"ds-{country}-{when:%Y-%m-%d}-{_hex(rng)}"
    family = rng.choice(c.MODEL_FAMILIES)
    rows = rng.randint(120_000, 900_000)
    passed = outcome != "data_quality_failed"
    coverage = round(rng.uniform(0.962, 0.997) if passed else rng.uniform(0.71, 0.93), 4)
    empty = rng.randint(1_100, 9_800)
    report = (f"Data quality OK for {dataset_id}: label coverage {coverage * 100:.2f} pct over {rows} rows"
              if passed else
              f"Label coverage {coverage * 100:.2f} pct is below the 95 pct minimum for {dataset_id}: "
              f"{empty} rows have an empty category label")
    instance_types = {"succeeded_after_retry": ["ml.p3.8xlarge", "ml.g5.4xlarge", "ml.g5.2xlarge"],
                      "capacity_failed": ["ml.p3.8xlarge", "ml.p3.16xlarge", "ml.p4d.24xlarge"]}.get(
        outcome, ["ml.g5.4xlarge", "ml.g5.2xlarge", "ml.m5.4xlarge"])
    manifest = {"datasetId": dataset_id, "country": country,
                "s3Uri": f"s3://{c.DATA_BUCKET}/{c.TENANT_RETAIL}/{country}/labeled/{when:%Y-%m-%d}/",
                "rows": rows, "labelCoverage": coverage, "benchmarkF1": _f1(rng),
                "qualityStatus": "PASSED" if passed else "FAILED", "qualityReport": report,
                "kmsKeyId": f"alias/{c.TENANT_RETAIL}-data"}
    return Case("training", outcome, country, {
        "requestId": request_id, "country": country, "datasetId": dataset_id, "modelFamily": family,
        "instanceTypes": instance_types,
        "hpo": {"strategy": "Bayesian", "objective": "validation:macro_f1", "maxParallelJobs": 3,
                "candidates": _HPO_CANDIDATES},
        "requestedBy": f"sqs:{c.TRAINING_QUEUE}",
    }, writes=[(c.MANIFEST_TABLE, manifest)])


def _evaluation(rng: random.Random, outcome: str, country: str, when: dt.datetime,
                winners: dict[str, dict[str, Any]]) -> Case:
    test_set = f"ts-{country}-{when:%Y-%m-%d}-{_hex(rng)}"
    model = f"clf-{country}-{rng.choice(c.MODEL_FAMILIES)}-tr-{country}-{when:%Y%m%d}-{_hex(rng)}"
    table = c.ARCHIVED_TESTSET_TABLE if outcome == "testset_missing" else c.MANIFEST_TABLE
    manifest = {"datasetId": test_set, "country": country, "rows": rng.randint(8_000, 40_000),
                "s3Uri": f"s3://{c.DATA_BUCKET}/{c.TENANT_RETAIL}/{country}/holdout/{when:%Y-%m-%d}/",
                "benchmarkF1": _f1(rng), "qualityStatus": "PASSED", "labelCoverage": 1.0,
                "qualityReport": "held-out test set"}
    writes = [] if outcome == "testset_missing" else [(c.MANIFEST_TABLE, manifest)]
    return Case("evaluation", outcome, country, {
        "country": country, "modelName": model,
        "testSet": {"table": table, "datasetId": test_set}, "batchCount": 24,
    }, writes=writes, reads=[] if writes else [manifest])


def _comparison(rng: random.Random, outcome: str, country: str, when: dt.datetime,
                winners: dict[str, dict[str, Any]]) -> Case:
    current = winners[country]
    delta = round(rng.uniform(0.004, 0.03), 4)
    better = outcome != "kept"
    f1 = round(float(current["metricValue"]) + (delta if better else -delta), 4)
    model = f"clf-{country}-{rng.choice(c.MODEL_FAMILIES)}-tr-{country}-{when:%Y%m%d}-{_hex(rng)}"
    reviewer = rng.choice(REVIEWERS)
    decision: dict[str, Any] = {"decision": "approved", "approvedBy": reviewer,
                                "comment": f"Approved {model}: macro F1 up by {delta} on the held-out set"}
    if outcome == "rejected":
        decision = {"error": "ModelPromotionRejected",
                    "cause": f"Rejected by {reviewer}: recall on hazmat_class_9 dropped for {model}"}
    elif outcome == "aborted":
        decision = {"error": "Operator.Abort",
                    "cause": f"Stopped by {reviewer}: {model} superseded by a newer training run"}
    return Case("comparison", outcome, country, {
        "country": country,
        "candidate": {"modelName": model, "macroF1": f1, "evaluationId": f"eval-{country}-{when:%Y-%m-%d}-{_hex(rng)}"},
        "requestedBy": "mlops-evaluation",
    }, reads=[current], decision=decision)


def _inference(rng: random.Random, outcome: str, country: str, when: dt.datetime,
               winners: dict[str, dict[str, Any]]) -> Case:
    run = f"{when:%Y-%m-%d}-{_hex(rng)}"
    prefix = f"s3://{c.DATA_BUCKET}/{c.TENANT_RETAIL}/{country}"
    return Case("inference", outcome, country, {
        "country": country, "month": f"{when:%Y-%m}", "runId": f"inf-{country}-{run}",
        "inputPrefix": f"{prefix}/sold-items/{run}/",
        "outputPrefix": f"{prefix}/predictions/{run}/", "batchCount": 60,
        "quarantinedParts": [_BAD_PART] if outcome == "batch_failed" else [],
    }, reads=[winners[country]] if country in winners else [])


def _transaction(rng: random.Random, outcome: str, country: str, when: dt.datetime,
                 winners: dict[str, dict[str, Any]]) -> Case:
    category = rng.choice(sorted(_CATEGORIES))
    threshold = 0.95
    confidence = round(rng.uniform(0.951, 0.999) if outcome != "review" else rng.uniform(0.62, 0.949), 4)
    return Case("transaction", outcome, country, {
        "itemId": f"itm-{country}-{rng.randint(10_000_000, 99_999_999)}", "country": country,
        "marketplace": country, "platform": rng.choice(c.PLATFORMS),
        "title": rng.choice(_CATEGORIES[category]), "category": category,
        "prediction": {"label": _LABELS[category], "confidence": confidence},
        "confidenceThreshold": threshold,
    }, reads=[winners[country]] if country in winners else [])


BUILDERS: dict[str, Callable[..., Case]] = {
    "training": _training, "evaluation": _evaluation, "comparison": _comparison,
    "inference": _inference, "transaction": _transaction,
}


def build_case(rng: random.Random, role: str, outcome: str, country: str, when: dt.datetime,
               winners: dict[str, dict[str, Any]]) -> Case:
    """The case for one execution of ``role`` ending in ``outcome``."""
    return BUILDERS[role](rng, outcome, country, when, winners)
