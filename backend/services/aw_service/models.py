"""Response schemas of aw-service: what every endpoint returns, documented for OpenAPI.

Money is in the warehouse's currency units as floats; every ratio is a percentage (`*_pct`).
The persisted tables (`aw_forecasts`, `aw_rep_scores`, `aw_product_demand`) are the ORM classes
of `shared.db.results`; the `*Record` schemas here are their rows as served by /records.
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.core.data_quality import DataQualityCheck

ModelName = Literal["linear", "seasonal"]
T = TypeVar("T")


class ChannelKpis(BaseModel):
    channel: Literal["internet", "reseller", "total"]
    revenue: float = Field(description="Sum of SalesAmount")
    orders: int = Field(description="Distinct SalesOrderNumber")
    units: int = Field(description="Sum of OrderQuantity")
    average_order_value: float | None = Field(description="revenue / orders; null without orders")
    gross_margin: float = Field(description="Sum of SalesAmount - TotalProductCost")
    margin_pct: float | None = Field(description="100 * gross_margin / revenue")


class PeriodKpis(BaseModel):
    label: str = Field(description='"all" for the whole warehouse, else the calendar year')
    start: dt.date = Field(description="First day of the period")
    end: dt.date = Field(description="Last day of the period (the anchor for the whole warehouse)")
    channels: list[ChannelKpis] = Field(description="internet, reseller and total, in that order")


class KpiGrowth(BaseModel):
    channel: Literal["internet", "reseller", "total"]
    revenue_growth_pct: float | None = Field(description="100 * (revenue / previous - 1)")
    orders_growth_pct: float | None
    units_growth_pct: float | None
    gross_margin_growth_pct: float | None


class SalesKpis(BaseModel):
    anchor_date: dt.date = Field(description="Latest order date in the warehouse")
    first_order_date: dt.date
    year: int = Field(description="Compared year: `year=` or the latest complete calendar year")
    previous_year: int
    whole_warehouse: PeriodKpis
    current: PeriodKpis = Field(description="KPIs of `year`")
    previous: PeriodKpis = Field(description="KPIs of `previous_year`")
    growth: list[KpiGrowth] = Field(description="Growth of `year` over the year before")


class HistoryPoint(BaseModel):
    period: dt.date = Field(description="The day, or the first day of the month")
    revenue: float
    internet_revenue: float
    reseller_revenue: float
    orders: int
    internet_orders: int
    reseller_orders: int
    units: int
    internet_units: int
    reseller_units: int


class SalesHistory(BaseModel):
    anchor_date: dt.date
    days_back: int
    start_date: dt.date = Field(description="anchor_date - days_back + 1")
    end_date: dt.date = Field(description="The anchor date")
    daily: list[HistoryPoint] = Field(description="Every day of the window, zero-filled")
    monthly: list[HistoryPoint] = Field(description="Calendar months (the first may be partial)")


class ForecastPoint(BaseModel):
    date: dt.date
    predicted_revenue: float
    lower_bound: float = Field(description="Lower end of the prediction interval (>= 0)")
    upper_bound: float


class ModelBacktest(BaseModel):
    model: ModelName
    description: str
    mape_pct: float | None = Field(
        description="Mean absolute percentage error on the held-back days with revenue > 0"
    )
    mae: float = Field(description="Mean absolute error on the held-back days")
    holdout_days: int


class SalesForecast(BaseModel):
    anchor_date: dt.date
    horizon_days: int
    model: ModelName = Field(description="The model whose points are returned (lower backtest MAE)")
    selection: str = Field(description="Why that model was chosen")
    interval_level: float = Field(description="Coverage of the prediction intervals, e.g. 0.95")
    training_start: dt.date
    training_end: dt.date
    backtests: list[ModelBacktest] = Field(description="Both models' held-back errors")
    points: list[ForecastPoint] = Field(description="One point per day after the anchor")


class RepScore(BaseModel):
    rank: int
    employee_key: int
    rep_name: str
    territory: str | None
    revenue: float = Field(description="Reseller SalesAmount in the period")
    orders: int
    quota: float | None = Field(description="Sum of SalesAmountQuota of the quarters with a quota")
    attainment_pct: float | None = Field(description="100 * revenue in quota quarters / quota")
    score: float = Field(description="0-100, see the documented formula")


class RepScores(BaseModel):
    anchor_date: dt.date
    year: int
    period_start: dt.date
    period_end: dt.date
    top_n: int
    total_reps: int
    formula: str
    reps: list[RepScore]


class ProductDemand(BaseModel):
    rank: int
    product_key: int
    product_name: str
    category: str | None
    units: int
    revenue: float
    revenue_share_pct: float = Field(description="100 * revenue / revenue of all products")
    trend_units_per_month: float = Field(description="Least-squares slope of monthly units")


class ProductDemandReport(BaseModel):
    anchor_date: dt.date
    period_start: dt.date
    period_end: dt.date
    months: int
    top_n: int
    total_products: int
    products: list[ProductDemand]


class DataQualityReport(BaseModel):
    anchor_date: dt.date | None
    passed: int
    warned: int
    failed: int
    checks: list[DataQualityCheck]


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: str
    snapshot_at: dt.datetime


class ForecastRecord(_Record):
    forecast_date: dt.date
    model: str
    predicted_revenue: float
    lower_bound: float
    upper_bound: float
    backtest_mape: float | None
    backtest_mae: float | None
    anchor_date: dt.date


class RepScoreRecord(_Record):
    employee_key: int
    rep_name: str
    territory: str | None
    revenue: float
    orders: int
    quota: float | None
    attainment: float | None = Field(description="Percent, as attainment_pct")
    score: float
    rank: int
    period_start: dt.date
    period_end: dt.date


class ProductDemandRecord(_Record):
    product_key: int
    product_name: str
    category: str | None
    units: int
    revenue: float
    revenue_share: float = Field(description="Percent, as revenue_share_pct")
    trend_slope: float
    rank: int


class RecordsPage(BaseModel, Generic[T]):
    limit: int
    offset: int
    items: list[T]
