"""The forecast-accuracy metric stream in CloudWatch and the alarms that watch it.

Namespace ``Forecasts/Accuracy``, metric ``WAPE`` with dimensions ``Tenant`` and
``Predictor``: one datapoint a day for the last 30 days (the WAPE of each
predictor's live forecast against the actuals that arrived that day; a monitor,
not the backtest metric GetAccuracyMetrics gives). The legacy models that are
badly wrong on some items drift upwards over the last week. Three alarms (one per
tenant, tagged ``tenant=<id>``) watch it: the retail DeepAR+ one is in ALARM.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.forecasts.plan import tenant_plans

METRIC = "WAPE"
DAYS = 30
BASE = {"auto": 0.2, "deepar": 0.26, "cnnqr": 0.27, "prophet": 0.3}
TENANT_SCALE = {c.TENANT_RETAIL: 1.0, c.TENANT_CONTACT: 0.6, c.TENANT_FINANCE: 0.9}
#: alarm name -> (tenant, predictor, threshold)
ALARMS = {
    "forecast-wape-retail-demand-deepar": (c.TENANT_RETAIL, "retail_demand_deepar", 0.35),
    "forecast-wape-contact-center-volume-auto": (c.TENANT_CONTACT, "contact_center_volume_auto", 0.25),
    "forecast-wape-finance-cashflow-cnnqr": (c.TENANT_FINANCE, "finance_cashflow_cnnqr", 0.5),
}


def datapoints(seed_value: int, now: dt.datetime) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed_value}:forecast-accuracy")
    today = now.astimezone(dt.timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0)
    if today > now:
        today -= dt.timedelta(days=1)
    data = []
    for plan in tenant_plans(seed_value, now, items=1):
        for predictor in plan.predictors:
            if predictor.model is None:
                continue
            base = BASE[predictor.algorithm] * TENANT_SCALE[plan.tenant]
            for back in range(DAYS - 1, -1, -1):
                value = base * rng.uniform(0.85, 1.15)
                if predictor.model.wrong_items and back < 7:
                    value += 0.03 * (7 - back)
                data.append({"MetricName": METRIC, "Timestamp": today - dt.timedelta(days=back),
                             "Value": round(value, 4), "Unit": "None",
                             "Dimensions": [{"Name": "Tenant", "Value": plan.tenant},
                                            {"Name": "Predictor", "Value": predictor.name}]})
    return data


def seed_stream(cw: Any, seed_value: int, now: dt.datetime) -> dict[str, str]:
    """Put the stream and create its alarms; returns alarm name -> state."""
    data = datapoints(seed_value, now)
    for start in range(0, len(data), 1000):
        cw.put_metric_data(Namespace=c.FORECAST_METRIC_NAMESPACE, MetricData=data[start:start + 1000])
    states = {}
    for name, (tenant, predictor, threshold) in ALARMS.items():
        cw.put_metric_alarm(
            AlarmName=name, Namespace=c.FORECAST_METRIC_NAMESPACE, MetricName=METRIC,
            Dimensions=[{"Name": "Tenant", "Value": tenant}, {"Name": "Predictor", "Value": predictor}],
            Statistic="Average", Period=86400, EvaluationPeriods=1, Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold", TreatMissingData="missing",
            AlarmActions=[c.topic_arn(c.ALERT_TOPIC)], Tags=[{"Key": "tenant", "Value": tenant}],
            AlarmDescription=f"Forecast error (WAPE) of {predictor} above {threshold:.0%}")
        latest = max((d for d in data if {"Name": "Predictor", "Value": predictor} in d["Dimensions"]),
                     key=lambda d: d["Timestamp"])
        state = "ALARM" if latest["Value"] > threshold else "OK"
        reason = (f"Threshold Crossed: 1 datapoint [{latest['Value']}] was "
                  f"{'greater' if state == 'ALARM' else 'not greater'} than the threshold ({threshold}).")
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
        states[name] = state
    return states
