"""Daily revenue forecast: the spec's linear regression and a seasonal regression, backtested.

Both models are ordinary least squares (statsmodels) on the daily total revenue (both channels,
days without orders are 0) of the training window, the whole history up to the anchor but at most
`MAX_TRAINING_DAYS`:
- linear:   revenue_t = a + b*t
- seasonal: revenue_t = a + b*t + weekday dummies (6) + yearly Fourier terms
            sin(2*pi*k*t/365.25), cos(2*pi*k*t/365.25) for k = 1..3
Backtest: each model is fitted without the last `holdout` days (max(horizon, 28), at most a
quarter of the history) and scored on them: MAE = mean |actual - predicted|, MAPE = 100 * mean
|actual - predicted| / actual over the held-back days with actual > 0. The model with the lower
MAE (MAPE explodes on near-empty days) is refitted on the whole window and forecasts
`horizon_days` days after the anchor with a 95 % prediction interval per point; predictions and
bounds are clipped at 0 (revenue is never negative). Fitted forecasts are cached in-process by
(series, horizon): the SQL still runs per request, the fit only when the data changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from sqlalchemy import Row

from services.aw_service.analytics_common import (
    Warehouse,
    day_positions,
    read_anchor,
    to_float,
)
from services.aw_service.analytics_sales import daily_revenue_statement
from services.aw_service.models import ForecastPoint, ModelBacktest, ModelName, SalesForecast
from shared.core.warehouse import Fetch, NoWarehouseData, unpacked

MAX_TRAINING_DAYS = 1461
MIN_TRAINING_DAYS = 56
MIN_HOLDOUT_DAYS = 28
INTERVAL_LEVEL = 0.95
YEARLY_TERMS = 3
CACHE_SIZE = 32

DESCRIPTIONS: dict[ModelName, str] = {
    "linear": "OLS on a linear time trend",
    "seasonal": "OLS on a linear trend, weekday dummies and 3 yearly Fourier pairs",
}


class NotEnoughHistory(NoWarehouseData):
    """Fewer than `MIN_TRAINING_DAYS` days of history: no honest forecast is possible."""


def design(model: ModelName, t: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """The regressor matrix of `model` for day offsets `t` (weekday: Monday = 0)."""
    columns = [np.ones_like(t), t]
    if model == "seasonal":
        columns += [(weekday == d).astype(float) for d in range(1, 7)]
        for k in range(1, YEARLY_TERMS + 1):
            angle = 2 * np.pi * k * t / 365.25
            columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


@dataclass(frozen=True)
class Prediction:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def fit_predict(model: ModelName, y: np.ndarray, start: dt.date, horizon: int) -> Prediction:
    """Fit `model` on `y` (day 0 = `start`) and predict `horizon` days after the last one."""
    t = np.arange(len(y), dtype=float)
    future = np.arange(len(y), len(y) + horizon, dtype=float)
    weekday = (np.arange(len(y) + horizon) + start.weekday()) % 7
    fitted = sm.OLS(y, design(model, t, weekday[: len(y)])).fit()
    frame = fitted.get_prediction(design(model, future, weekday[len(y) :]))
    summary = frame.summary_frame(alpha=1 - INTERVAL_LEVEL)
    return Prediction(
        mean=np.asarray(summary["mean"]),
        lower=np.asarray(summary["obs_ci_lower"]),
        upper=np.asarray(summary["obs_ci_upper"]),
    )


def backtest(model: ModelName, y: np.ndarray, start: dt.date, holdout: int) -> ModelBacktest:
    """Errors of `model` fitted without the last `holdout` days and scored on them."""
    predicted = fit_predict(model, y[:-holdout], start, holdout).mean
    actual = y[-holdout:]
    errors = np.abs(actual - predicted)
    positive = actual > 0
    mape = float(100 * (errors[positive] / actual[positive]).mean()) if positive.any() else None
    return ModelBacktest(
        model=model,
        description=DESCRIPTIONS[model],
        mape_pct=None if mape is None else round(mape, 4),
        mae=round(float(errors.mean()), 4),
        holdout_days=holdout,
    )


def holdout_days(history_days: int, horizon: int) -> int:
    """max(horizon, 28) held-back days, but never more than a quarter of the history."""
    return max(1, min(max(horizon, MIN_HOLDOUT_DAYS), history_days // 4))


def forecast_series(y: np.ndarray, start: dt.date, anchor: dt.date, horizon: int) -> SalesForecast:
    """Backtest both models on `y` (daily revenue from `start` to `anchor`) and forecast."""
    if len(y) < MIN_TRAINING_DAYS:
        raise NotEnoughHistory(
            f"{len(y)} days of sales history; a forecast needs at least {MIN_TRAINING_DAYS}"
        )
    holdout = holdout_days(len(y), horizon)
    tests = [backtest(m, y, start, holdout) for m in ("linear", "seasonal")]
    best = min(tests, key=lambda b: (b.mae, b.model != "linear"))
    other = next(b for b in tests if b is not best)
    prediction = fit_predict(best.model, y, start, horizon)
    points = [
        ForecastPoint(
            date=anchor + dt.timedelta(days=i + 1),
            predicted_revenue=round(max(float(prediction.mean[i]), 0.0), 4),
            lower_bound=round(max(float(prediction.lower[i]), 0.0), 4),
            upper_bound=round(max(float(prediction.upper[i]), 0.0), 4),
        )
        for i in range(horizon)
    ]
    return SalesForecast(
        anchor_date=anchor,
        horizon_days=horizon,
        model=best.model,
        selection=(
            f"{best.model}: backtest MAE {best.mae:.2f} over the last {holdout} days "
            f"vs {other.mae:.2f} for {other.model}"
        ),
        interval_level=INTERVAL_LEVEL,
        training_start=start,
        training_end=anchor,
        backtests=tests,
        points=points,
    )


def day_series(pairs: Iterable[Sequence[Any]], start: dt.date, end: dt.date) -> np.ndarray:
    """Total revenue per day from `start` to `end`, 0 where no channel sold, from (day_key,
    revenue) pairs, e.g. the rows of `daily_revenue_statement` as the driver returns them."""
    position = day_positions(start, (end - start).days + 1)
    values = [0.0] * len(position)
    for key, revenue in pairs:
        index = position.get(key)
        if index is not None:
            values[index] += to_float(revenue)
    return np.asarray(values)


_cache: OrderedDict[tuple[str, int], SalesForecast] = OrderedDict()


def cached_forecast(y: np.ndarray, start: dt.date, anchor: dt.date, horizon: int) -> SalesForecast:
    """`forecast_series`, memoised on the exact series and horizon (LRU of `CACHE_SIZE`)."""
    digest = hashlib.sha256(y.tobytes() + start.isoformat().encode()).hexdigest()
    key = (digest, horizon)
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    result = forecast_series(y, start, anchor, horizon)
    _cache[key] = result
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return result


def training_window(first: dt.date, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The whole history up to the anchor, at most `MAX_TRAINING_DAYS` days."""
    return max(first, anchor - dt.timedelta(days=MAX_TRAINING_DAYS - 1)), anchor


async def sales_forecast(warehouse: Warehouse, horizon_days: int) -> SalesForecast:
    """Forecast daily revenue for `horizon_days` days after the anchor (module docstring)."""

    def read(fetch: Fetch) -> tuple[dt.date, dt.date, Sequence[Row[Any]]]:
        anchor = read_anchor(fetch)
        start, end = training_window(anchor.first, anchor.latest)
        return start, end, fetch(daily_revenue_statement(start, end))

    start, end, rows = await warehouse.run(read)
    pairs = unpacked(rows, "day_key", "revenue")
    return cached_forecast(day_series(pairs, start, end), start, end, horizon_days)
