"""What a tenant's series and its models are (plain values, no numpy: the scenario seeds from these
at sandbox start; :mod:`.series` generates the numbers from them when they are first needed)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class SeriesSpec:
    """One tenant's daily target time series.

    A series is one item, or with a forecast dimension one (item, dimension value) pair: series
    ``index`` is item ``index // len(dimension_values)`` at value ``index % len(dimension_values)``.
    """

    key: str                      # seed key: same key, same data
    item_prefix: str              # item ids are f"{item_prefix}{number:05d}"
    items: int                    # series (items x dimension values)
    last_date: dt.date            # last day with actuals
    history_days: int = 365
    horizon: int = 30
    level: float = 20.0           # median daily level across items
    integer: bool = True          # counts (Poisson) or amounts (2 decimals)
    weekly: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.2)  # Monday first
    yearly_amplitude: float = 0.2
    yearly_peak_day: int = 350    # day of year of the yearly peak
    promotions_per_year: float = 3.0
    new_item_share: float = 0.06  # items whose history starts in the last 15-90 days
    intermittent_share: float = 0.08  # low-volume items with many zeros
    month_end_uplift: float = 0.0  # extra on the last 2 days of a month (finance)
    block_size: int = 250         # a multiple of len(dimension_values): a block holds whole items
    dimension: str = ""           # a forecast dimension (e.g. "location"), or none
    dimension_values: tuple[str, ...] = ()

    @property
    def fan_out(self) -> int:
        return len(self.dimension_values) if self.dimension else 1

    @property
    def first_date(self) -> dt.date:
        return self.last_date - (self.history_days - 1) * DAY

    @property
    def blocks(self) -> int:
        return -(-self.items // self.block_size)

    def dates(self) -> list[dt.date]:
        """Every day generated: the history, then the horizon."""
        return [self.first_date + i * DAY for i in range(self.history_days + self.horizon)]

    def item_id(self, index: int) -> str:
        """The item id of series ``index``."""
        return f"{self.item_prefix}{index // self.fan_out:05d}"

    def dimension_value(self, index: int) -> str | None:
        return self.dimension_values[index % self.fan_out] if self.dimension else None

    def series(self, index: int) -> dict[str, str]:
        """Series ``index`` as QueryForecast's Filters name it: {"item_id": ...[, dimension: ...]}."""
        out = {"item_id": self.item_id(index)}
        if self.dimension:
            out[self.dimension] = self.dimension_value(index) or ""
        return out

    def item_index(self, item_id: str, dimension_value: str | None = None) -> int | None:
        """The series of ``item_id`` (at ``dimension_value``), or None when the tenant has none."""
        if not item_id.startswith(self.item_prefix):
            return None
        digits = item_id[len(self.item_prefix):]
        if len(digits) != 5 or not digits.isdigit() or int(digits) * self.fan_out >= self.items:
            return None
        offset = 0
        if self.dimension:
            if dimension_value not in self.dimension_values:
                return None
            offset = self.dimension_values.index(dimension_value)
        return int(digits) * self.fan_out + offset

    def block_items(self, block: int) -> range:
        return range(block * self.block_size, min(self.items, (block + 1) * self.block_size))


@dataclass(frozen=True)
class ModelSpec:
    """How one model (predictor) forecasts a :class:`SeriesSpec`."""

    key: str
    bias: float = 0.0               # log-scale bias of its point forecast
    spread: float = 0.15            # per-item log-scale error
    noise: float = 0.08             # per-point log-scale error
    promotion_capture: float = 0.8  # share of a promotion's uplift it forecasts
    wrong_items: int = 0            # items this model gets badly wrong
    wrong_factor: float = 3.0       # ... by this factor
    windows: int = 1                # backtest windows
    forecast_types: tuple[str, ...] = ("0.1", "0.5", "0.9")
    wrong_seed: str = field(default="", compare=False)


def column(forecast_type: str) -> str:
    """The export column of a forecast type: "0.1" -> "p10", "0.05" -> "p5", "mean" -> "mean"."""
    if forecast_type == "mean":
        return "mean"
    return "p" + format(round(float(forecast_type) * 100, 2), "g")


def window_days(spec: SeriesSpec, windows: int) -> list[range]:
    """Day indexes of each backtest window, oldest first; the last ends with the history
    (windows are ``horizon`` long and ``horizon`` apart, Forecast's default offset)."""
    end = spec.history_days
    return [range(end - (windows - w) * spec.horizon, end - (windows - w - 1) * spec.horizon)
            for w in range(windows)]


def horizon_days(spec: SeriesSpec) -> range:
    return range(spec.history_days, spec.history_days + spec.horizon)


@functools.lru_cache(maxsize=64)
def wrong_item_indexes(spec: SeriesSpec, model: ModelSpec) -> frozenset[int]:
    """The items ``model`` gets badly wrong."""
    if not model.wrong_items:
        return frozenset()
    rng = random.Random(f"{spec.key}:{model.key}:{model.wrong_seed}:wrong")
    return frozenset(rng.sample(range(spec.items), model.wrong_items))


def wrong_items(spec: SeriesSpec, model: ModelSpec) -> list[dict[str, str]]:
    """The series ``model`` gets badly wrong, as QueryForecast's Filters name them."""
    return [spec.series(i) for i in sorted(wrong_item_indexes(spec, model))]
