"""What the forecasts scenario holds per tenant: its series, predictors, forecasts and exports (pure).

Retail (units sold per SKU: weekend peaks, a December peak, promotions), contact
center (calls per queue and site: weekday peaks, quiet weekends) and finance (payments per
account: amounts, zero on weekends, month-end peaks). Each has an AutoPredictor
and one or two legacy predictors (DeepAR+, CNN-QR); one legacy model per tenant
is badly wrong on a few dozen items; contact center also has a predictor whose
training failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from opsconsole.sandbox.forecast.specs import ModelSpec, SeriesSpec
from opsconsole.sandbox.scenario import catalog as c

ALGORITHMS = {
    "deepar": "arn:aws:forecast:::algorithm/Deep_AR_Plus",
    "cnnqr": "arn:aws:forecast:::algorithm/CNN-QR",
    "prophet": "arn:aws:forecast:::algorithm/Prophet",
    "auto": "arn:aws:forecast:::algorithm/Ensemble",
}


#: contact center's forecast dimension: every queue is staffed at four sites
CONTACT_SITES = ("dublin", "lisbon", "madrid", "warsaw")


@dataclass(frozen=True)
class PredictorPlan:
    name: str
    algorithm: str              # a key of ALGORITHMS
    auto: bool
    model: ModelSpec | None     # None: training failed
    failure: str = ""


@dataclass(frozen=True)
class TenantPlan:
    tenant: str
    dataset_group: str
    domain: str
    series: SeriesSpec
    predictors: tuple[PredictorPlan, ...]
    in_progress_export: str = ""   # a predictor whose forecast has a second export still running
    value_type: str = "integer"

    @property
    def dataset(self) -> str:
        return f"{self.dataset_group}_target"

    @property
    def prefix(self) -> str:
        return f"s3://{c.FORECAST_BUCKET}/{self.tenant}/"


def last_actual_date(now: dt.datetime) -> dt.date:
    """Actuals arrive with a day's delay: the last full day before yesterday."""
    return now.date() - dt.timedelta(days=2)


def tenant_plans(seed_value: int, now: dt.datetime, items: int = c.FORECAST_ITEMS_PER_TENANT) -> list[TenantPlan]:
    last = last_actual_date(now)
    common = {"last_date": last, "items": items, "history_days": c.FORECAST_HISTORY_DAYS,
              "horizon": c.FORECAST_HORIZON_DAYS}
    retail = SeriesSpec(key=f"{seed_value}:{c.TENANT_RETAIL}", item_prefix="sku_", level=12.0,
                        weekly=(0.9, 0.85, 0.9, 0.95, 1.1, 1.35, 1.2), yearly_amplitude=0.35, yearly_peak_day=352,
                        promotions_per_year=4.0, new_item_share=0.07, intermittent_share=0.12, **common)
    contact = SeriesSpec(key=f"{seed_value}:{c.TENANT_CONTACT}", item_prefix="queue_", level=140.0,
                         weekly=(1.3, 1.15, 1.1, 1.05, 1.0, 0.35, 0.15), yearly_amplitude=0.12, yearly_peak_day=15,
                         promotions_per_year=2.0, new_item_share=0.04, intermittent_share=0.05,
                         dimension="location", dimension_values=CONTACT_SITES, **common)
    finance = SeriesSpec(key=f"{seed_value}:{c.TENANT_FINANCE}", item_prefix="acct_", level=2500.0, integer=False,
                         weekly=(1.1, 1.0, 1.0, 1.0, 1.2, 0.0, 0.0), yearly_amplitude=0.1, yearly_peak_day=90,
                         promotions_per_year=0.5, new_item_share=0.05, intermittent_share=0.06,
                         month_end_uplift=0.8, **common)
    full = ("0.1", "0.5", "0.9", "mean")
    quantiles = ("0.1", "0.5", "0.9")
    return [
        TenantPlan(c.TENANT_RETAIL, "retail_demand", "RETAIL", retail, (
            PredictorPlan("retail_demand_auto", "auto", True,
                          ModelSpec("auto", spread=0.12, noise=0.07, promotion_capture=0.9, windows=1,
                                    forecast_types=full)),
            PredictorPlan("retail_demand_deepar", "deepar", False,
                          ModelSpec("deepar", bias=0.03, spread=0.16, noise=0.09, promotion_capture=0.75,
                                    wrong_items=40, wrong_factor=4.0, windows=2, forecast_types=quantiles)),
            PredictorPlan("retail_demand_cnnqr", "cnnqr", False,
                          ModelSpec("cnnqr", bias=-0.02, spread=0.14, noise=0.08, promotion_capture=0.6,
                                    windows=2, forecast_types=quantiles)),
        )),
        TenantPlan(c.TENANT_CONTACT, "contact_center_volume", "WORK_FORCE", contact, (
            PredictorPlan("contact_center_volume_auto", "auto", True,
                          ModelSpec("auto", spread=0.08, noise=0.06, promotion_capture=0.7, windows=1,
                                    forecast_types=quantiles)),
            PredictorPlan("contact_center_volume_deepar", "deepar", False,
                          ModelSpec("deepar", bias=-0.05, spread=0.12, noise=0.08, promotion_capture=0.5,
                                    wrong_items=25, wrong_factor=0.25, windows=3, forecast_types=quantiles)),
            PredictorPlan("contact_center_volume_prophet", "prophet", False, None,
                          failure="The dataset import job has fewer than 300 observations for the predictor's "
                                  "seasonality; training stopped."),
        ), in_progress_export="contact_center_volume_auto"),
        TenantPlan(c.TENANT_FINANCE, "finance_cashflow", "CUSTOM", finance, (
            PredictorPlan("finance_cashflow_auto", "auto", True,
                          ModelSpec("auto", spread=0.1, noise=0.1, promotion_capture=0.8, windows=1,
                                    forecast_types=full)),
            PredictorPlan("finance_cashflow_cnnqr", "cnnqr", False,
                          ModelSpec("cnnqr", bias=0.04, spread=0.15, noise=0.12, promotion_capture=0.6,
                                    wrong_items=30, wrong_factor=3.0, windows=2, forecast_types=quantiles)),
            PredictorPlan("finance_cashflow_deepar", "deepar", False,
                          ModelSpec("deepar", bias=0.0, spread=0.13, noise=0.11, promotion_capture=0.7,
                                    windows=2, forecast_types=quantiles)),
        ), value_type="float"),
    ]


@dataclass
class TenantSummary:
    """What was seeded for one tenant (the values of Scenario.forecasts[tenant])."""

    dataset_group_arn: str
    dataset_arn: str
    import_job_arn: str
    actuals_path: str
    predictor_arns: dict[str, str] = field(default_factory=dict)
    forecast_arns: dict[str, str] = field(default_factory=dict)
    export_paths: dict[str, str] = field(default_factory=dict)
    backtest_paths: dict[str, str] = field(default_factory=dict)
    items: int = 0
    #: predictor -> the series it gets badly wrong, as QueryForecast's Filters ({"item_id": ...[, dimension]})
    wrong_items: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: the forecast dimension and its values ("" and [] without one)
    dimension: str = ""
    dimension_values: list[str] = field(default_factory=list)
