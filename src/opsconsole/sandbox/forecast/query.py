"""forecastquery for the sandbox: ``AmazonForecastRuntime.QueryForecast`` (JSON 1.1).

``QueryForecast(ForecastArn, Filters, StartDate, EndDate, NextToken)`` answers
``{"Forecast": {"Predictions": {"p10": [{"Timestamp", "Value"}], ...}}}`` for the one
item the filters name, from the same generated values as the forecast's export
files (:mod:`.exports`). Filters: 1 to 50 entries (botocore's model); the key is
``item_id`` and, where the predictor has a forecast dimension, that dimension
(both are needed to name one series; any other key is refused with InvalidInputException). StartDate /
EndDate use ``yyyy-MM-ddTHH:mm:ss`` and bound the answer (both inclusive).
Errors: ResourceNotFoundException (unknown forecast or item), ResourceInUseException
(forecast not ACTIVE yet), InvalidInputException, InvalidNextTokenException, and
LimitExceededException beyond :data:`RATE` requests per second per account and
region (a token bucket; ``throttled()`` counts refusals).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from opsconsole.sandbox import wire as shared_wire
from opsconsole.sandbox.forecast import store as stores
from opsconsole.sandbox.forecast.specs import column
from opsconsole.sandbox.forecast.wire import (
    ForecastError,
    in_use,
    invalid,
    not_found,
    query_model,
)
from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
)

TARGET_PREFIX = "AmazonForecastRuntime"
#: sustained QueryForecast requests per second, and the burst allowed above it
RATE = 10.0
BURST = 10.0
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


class _Bucket:
    def __init__(self) -> None:
        self.tokens = BURST
        self.at = time.monotonic()
        self.refused = 0


_buckets: dict[tuple[str, str], _Bucket] = {}
_lock = threading.Lock()


def _admit(account_id: str, region: str) -> bool:
    with _lock:
        bucket = _buckets.setdefault((account_id, region), _Bucket())
        now = time.monotonic()
        bucket.tokens = min(BURST, bucket.tokens + (now - bucket.at) * RATE)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        bucket.refused += 1
        return False


def throttled(region: str, account_id: str = stores.DEFAULT_ACCOUNT_ID) -> int:
    """How many QueryForecast calls were refused with LimitExceededException so far."""
    with _lock:
        found = _buckets.get((account_id, region))
        return found.refused if found else 0


def reset() -> None:
    with _lock:
        _buckets.clear()


def _date(value: str | None, member: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        raise invalid(f"The {member} {value} is not valid: use the format yyyy-MM-dd'T'HH:mm:ss.") from None


def query_forecast(request: ExtensionRequest, params: dict[str, Any]) -> dict[str, Any]:
    store = stores.store(request.region, request.account_id)
    forecast = store.get(params["ForecastArn"], "forecast", "forecast")
    described = forecast.describe(dt.datetime.now(dt.timezone.utc))
    if described["Status"] != "ACTIVE":
        raise in_use(f"The forecast {forecast.arn} is in status {described['Status']}, not ACTIVE.")
    if params.get("NextToken") and shared_wire.token_start(params["NextToken"], forecast.arn) is None:
        raise ForecastError("InvalidNextTokenException", "The token is not valid. Tokens expire after 24 hours.")
    filters = params["Filters"]
    spec, model = forecast.series, forecast.model
    allowed = {"item_id", *([spec.dimension] if spec is not None and spec.dimension else [])}
    unknown = sorted(set(filters) - allowed)
    if unknown:
        raise invalid(f"The filter key {unknown[0]} is not an attribute of the dataset or a forecast dimension.")
    missing = sorted(allowed - set(filters))
    if missing:
        raise invalid(f"The filters must name one time series: {', '.join(missing)} is missing.")
    start, end = _date(params.get("StartDate"), "StartDate"), _date(params.get("EndDate"), "EndDate")
    if start and end and start > end:
        raise invalid("The StartDate must be before the EndDate.")
    item = spec.item_index(filters["item_id"], filters.get(spec.dimension)) if spec else None
    if spec is None or model is None or item is None:
        named = ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))
        raise not_found(f"No forecast found for {named} in {forecast.arn}.")
    # numpy and pandas: imported on first use, not at sandbox start
    from opsconsole.sandbox.forecast import exports

    types = tuple(described["ForecastTypes"])
    series = exports.item_forecast(spec, model, types, item)
    predictions = {}
    for kind, points in series.items():
        kept = [{"Timestamp": stamp, "Value": value} for stamp, value in points
                if (start is None or dt.datetime.strptime(stamp, DATE_FORMAT) >= start)
                and (end is None or dt.datetime.strptime(stamp, DATE_FORMAT) <= end)]
        predictions[column(kind)] = kept
    return {"Forecast": {"Predictions": predictions}}


def handle(request: ExtensionRequest) -> ExtensionResponse:
    name = request.headers.get("X-Amz-Target", "").split(".", 1)[-1]
    model = query_model()
    try:
        params = model.parameters(name, request.body)
        if name != "QueryForecast":
            raise ForecastError("ResourceNotFoundException", "No what-if forecast exists in this sandbox.")
        if not _admit(request.account_id, request.region):
            raise ForecastError("LimitExceededException",
                                "The limit on the number of requests per second has been exceeded.")
        result = query_forecast(request, params)
    except ForecastError as error:
        return model.error(error)
    return model.answer(name, result)


def register(registry: ExtensionRegistry) -> None:
    reset()
    for name in query_model().operations:
        registry.add_json_target(f"{TARGET_PREFIX}.{name}", handle)
