"""QueryForecast for one item, where a forecast ARN exists (forecastquery).

``QueryForecast(ForecastArn, Filters, StartDate, EndDate, NextToken)`` answers
``{"Forecast": {"Predictions": {"p10": [{"Timestamp", "Value"}], ...}}, "NextToken"}``.
Filters are dimension -> value (``item_id`` at least), at most 50. Throttling
(``LimitExceededException``) is retried by botocore's standard mode first; when
that gives up, this backs off and asks again a few more times before saying so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from opsconsole.core.errors import DomainError
from opsconsole.core.forecasts.tenancy import require_tenant

MAX_FILTERS = 50
#: Our own attempts after botocore's, and the first wait (doubled each time).
BACKOFF_ATTEMPTS = 4
BACKOFF_FIRST_S = 0.5


class QueryRefused(DomainError):
    title = "Query not possible"


def query_forecast(forecastquery: Any, forecast_arn: str, filters: dict[str, str], *,
                   start: str | None = None, end: str | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> pd.DataFrame:
    """One item's predictions as a frame: ``date`` plus one column per forecast type."""
    if not filters or "item_id" not in filters:
        raise QueryRefused("QueryForecast needs an item_id filter.")
    if len(filters) > MAX_FILTERS:
        raise QueryRefused(f"QueryForecast takes at most {MAX_FILTERS} filters; {len(filters)} were given.")
    params: dict[str, Any] = {"ForecastArn": forecast_arn, "Filters": dict(filters)}
    if start:
        params["StartDate"] = start
    if end:
        params["EndDate"] = end
    columns: dict[str, dict[str, float]] = {}
    token = None
    while True:
        call = dict(params, NextToken=token) if token else params
        out = _with_backoff(lambda call=call: forecastquery.query_forecast(**call), sleep)
        for ftype, points in (out.get("Forecast", {}).get("Predictions") or {}).items():
            col = columns.setdefault(ftype, {})
            for p in points:
                col[p["Timestamp"]] = float(p["Value"])
        token = out.get("NextToken")
        if not token:
            break
    if not columns:
        return pd.DataFrame(columns=["date"])
    frame = pd.DataFrame(columns)
    frame.index = pd.to_datetime(frame.index, utc=True, format="mixed").tz_localize(None)
    return frame.sort_index().rename_axis("date").reset_index()


def _with_backoff(call: Callable[[], dict[str, Any]], sleep: Callable[[float], None]) -> dict[str, Any]:
    wait = BACKOFF_FIRST_S
    for attempt in range(BACKOFF_ATTEMPTS + 1):
        try:
            return call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "LimitExceededException" or attempt == BACKOFF_ATTEMPTS:
                raise
            sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")


def query_item(forecast: Any, forecastquery: Any, forecast_arn: str, item: str | dict[str, str], tenant: str,
               sleep: Callable[[float], None] = time.sleep) -> pd.DataFrame:
    """One series' forecast (an item id, or item id and dimension filters), once the forecast is the tenant's."""
    require_tenant(forecast, forecast_arn, tenant)
    filters = {"item_id": item} if isinstance(item, str) else dict(item)
    return query_forecast(forecastquery, forecast_arn, filters, sleep=sleep)
