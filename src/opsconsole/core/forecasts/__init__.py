"""The forecasts area's rules: quantile forecasts against actuals, accuracy, winner models.

What the console asks, as jobs: the tenants a connection may pick
(:func:`tenants`), one tenant's catalogue and files (:func:`load_tenant`),
one item (:func:`item`), accuracy (:func:`accuracy`), QueryForecast
(:mod:`.query`) and the winner models (:mod:`.winners`).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from opsconsole.core.forecasts.accuracy import ModelAccuracy, compare, model_accuracy, worst_items
from opsconsole.core.forecasts.catalogue import Catalogue, list_tenants, load_catalogue
from opsconsole.core.forecasts.exports import ExportCache
from opsconsole.core.forecasts.items import ItemView, TenantData, load_tenant_data
from opsconsole.core.forecasts.tenancy import TenantRefused, allowed
from opsconsole.core.progress import Progress

__all__ = [
    "Catalogue", "ExportCache", "ItemView", "ModelAccuracy", "TenantData", "TenantLoad", "TenantRefused",
    "accuracy", "compare", "item", "live_item", "load_tenant", "tenants", "worst_items",
]


@dataclass(frozen=True)
class TenantLoad:
    catalogue: Catalogue
    data: TenantData


def tenants(clients: Any) -> list[str]:
    """The tenants this connection may pick (its own only, when scoped)."""
    return list_tenants(clients.client("forecast"), clients.connection.tenant)


def load_tenant(clients: Any, tenant: str, cache: ExportCache) -> Generator[Progress, None, TenantLoad]:
    """The tenant's catalogue (tag-checked), then its actuals and exports (path-checked), with progress."""
    scope = clients.connection.tenant
    if not allowed(scope, tenant):
        raise TenantRefused(f"This connection is scoped to tenant {scope}; it cannot show {tenant}.")
    catalogue = yield from load_catalogue(clients.client("forecast"), tenant, scope)
    data = yield from load_tenant_data(clients.client("s3"), catalogue, cache)
    return TenantLoad(catalogue, data)


def item(data: TenantData, item_id: str, models: list[str] | None = None) -> ItemView:
    return data.item(item_id, models)


def live_item(clients: Any, data: TenantData, item_id: str) -> ItemView:
    """The item with each model's forecast from QueryForecast (where the model has a forecast ARN).

    Backtests and actuals still come from the exports; a model without a
    forecast ARN (a successor writing the layout only) keeps its exported forecast.
    """
    from dataclasses import replace

    from opsconsole.core.forecasts.query import query_item

    view = data.item(item_id)
    tables = {m.model: m for m in data.models}
    series = []
    for s in view.series:
        m = tables.get(s.model)
        if m is not None and m.forecast_arn and m.forecast is not None:
            live = query_item(clients.client("forecast"), clients.client("forecastquery"), m.forecast_arn,
                              m.forecast.filters(item_id), data.tenant)
            s = replace(s, model=f"{s.model} (QueryForecast)", forecast=live)
        series.append(s)
    return replace(view, series=tuple(series))


def accuracy(data: TenantData, seasonality: int = 7) -> Generator[Progress, None, list[ModelAccuracy]]:
    """Every model's accuracy, one model at a time (a cancelled job stops between two)."""
    models = [m for m in data.models if m.backtest is not None]
    out = []
    for i, m in enumerate(models):
        yield Progress(i, len(models), f"Scoring {m.model}")
        out.append(model_accuracy(m.model, m.backtest, data.actuals, seasonality))
    return out
