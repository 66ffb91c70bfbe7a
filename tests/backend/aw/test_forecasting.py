"""The forecast: horizon points with intervals, both models backtested, the better one chosen.

Synthetic series make the right answer known: a weekly pattern must be won by the seasonal
model, and the linear model's backtest errors are recomputed here from an independent fit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from services.aw_service import analytics, forecasting
from services.aw_service.analytics_sales import daily_sales_statement
from shared.core.warehouse import WarehouseClient
from tests.backend.aw.support import Query

START = dt.date(2011, 1, 3)


def weekly_series(days: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    weekday = (t + START.weekday()) % 7
    return 1000 + 2 * t + np.where(weekday >= 5, -600, 200) + rng.normal(0, 30, days)


def test_seasonal_model_wins_on_a_weekly_pattern_and_says_so() -> None:
    y = weekly_series(400)
    anchor = START + dt.timedelta(days=len(y) - 1)
    result = forecasting.forecast_series(y, START, anchor, 21)
    assert result.model == "seasonal"
    assert "seasonal" in result.selection
    errors = {b.model: b for b in result.backtests}
    assert set(errors) == {"linear", "seasonal"}
    assert errors["seasonal"].mae < errors["linear"].mae / 3
    assert len(result.points) == 21
    assert result.points[0].date == anchor + dt.timedelta(days=1)
    for point in result.points:
        assert 0 <= point.lower_bound <= point.predicted_revenue <= point.upper_bound
    # A Saturday is predicted about 800 below the Friday before it.
    by_day = {p.date: p.predicted_revenue for p in result.points}
    saturday = next(d for d in by_day if d.weekday() == 5 and d - dt.timedelta(days=1) in by_day)
    assert 700 < by_day[saturday - dt.timedelta(days=1)] - by_day[saturday] < 900


def test_linear_backtest_errors_equal_an_independent_fit() -> None:
    rng = np.random.default_rng(7)
    y = 500 + 3.0 * np.arange(300) + rng.normal(0, 20, 300)
    holdout = forecasting.holdout_days(len(y), 30)
    assert holdout == 30
    result = forecasting.forecast_series(y, START, START + dt.timedelta(days=299), 30)
    linear = next(b for b in result.backtests if b.model == "linear")
    slope, intercept = np.polyfit(np.arange(270), y[:270], 1)
    predicted = intercept + slope * np.arange(270, 300)
    errors = np.abs(y[270:] - predicted)
    assert linear.mae == pytest.approx(errors.mean(), abs=1e-3)
    assert linear.mape_pct == pytest.approx(100 * (errors / y[270:]).mean(), abs=1e-3)
    assert linear.holdout_days == 30


def test_intervals_cover_about_ninety_five_percent_of_fresh_noise() -> None:
    rng = np.random.default_rng(3)
    y = 1000 + rng.normal(0, 50, 500)
    anchor = START + dt.timedelta(days=499)
    result = forecasting.forecast_series(y, START, anchor, 200)
    future = 1000 + rng.normal(0, 50, 200)
    inside = [
        p.lower_bound <= v <= p.upper_bound for p, v in zip(result.points, future, strict=True)
    ]
    assert 0.9 <= np.mean(inside) <= 0.99


def test_short_history_is_refused_with_a_reason() -> None:
    with pytest.raises(forecasting.NotEnoughHistory, match="at least"):
        forecasting.forecast_series(np.ones(10), START, START + dt.timedelta(days=9), 5)


def test_fits_are_cached_per_series_and_horizon() -> None:
    y = weekly_series(200, seed=11)
    anchor = START + dt.timedelta(days=199)
    first = forecasting.cached_forecast(y, START, anchor, 10)
    assert forecasting.cached_forecast(y.copy(), START, anchor, 10) is first
    assert forecasting.cached_forecast(y, START, anchor, 11) is not first
    changed = y.copy()
    changed[-1] += 1
    assert forecasting.cached_forecast(changed, START, anchor, 10) is not first


@pytest.mark.parametrize("horizon", [1, 30, 90])
async def test_forecast_on_the_demo_warehouse(
    aw_warehouse: WarehouseClient, duck: Query, horizon: int
) -> None:
    result = await analytics.sales_forecast(aw_warehouse, horizon)
    latest = duck(
        "SELECT max(d) FROM (SELECT max(OrderDate)::DATE d FROM dbo.FactInternetSales "
        "UNION ALL SELECT max(OrderDate)::DATE FROM dbo.FactResellerSales)"
    )[0][0]
    assert result.anchor_date == latest == result.training_end
    assert [p.date for p in result.points] == [
        latest + dt.timedelta(days=i + 1) for i in range(horizon)
    ]
    assert {b.model for b in result.backtests} == {"linear", "seasonal"}
    chosen = min(result.backtests, key=lambda b: b.mae)
    assert result.model == chosen.model
    for backtest in result.backtests:
        assert backtest.mae > 0 and backtest.mape_pct is not None
        assert backtest.holdout_days == max(horizon, 28)
    assert all(p.lower_bound <= p.predicted_revenue <= p.upper_bound for p in result.points)
    # The training series is the daily total revenue: its sum equals the warehouse's.
    total = duck(
        "SELECT sum(SalesAmount) FROM (SELECT SalesAmount FROM dbo.FactInternetSales "
        "UNION ALL SELECT SalesAmount FROM dbo.FactResellerSales)"
    )[0][0]
    rows = await aw_warehouse.fetch(
        daily_sales_statement(result.training_start, result.training_end)
    )
    series = forecasting.day_series(
        [(r.day_key, r.revenue) for r in rows], result.training_start, result.training_end
    )
    assert series.sum() == pytest.approx(float(total), abs=0.01)
