"""Request and response schemas of the WWI service (they are its OpenAPI contract).

Field descriptions carry the formulas' short form; the full definitions are in
`docs/wwi-service.md` and the analytics modules' docstrings.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.core.data_quality import DataQualityCheck

Urgency = Literal["critical", "high", "medium"]
EventType = Literal["stock_out", "below_reorder_level", "overstock", "demand_spike"]
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
"""No control characters: PostgreSQL text cannot hold NUL, and labels are shown in exports."""


class Period(BaseModel):
    start: dt.date
    end: dt.date


class KpiFigures(BaseModel):
    revenue: float = Field(description='SUM("Total Excluding Tax")')
    profit: float = Field(description='SUM("Profit")')
    margin: float | None = Field(description="profit / revenue; null without revenue")
    orders: int = Field(description='COUNT(DISTINCT "WWI Invoice ID")')
    units: int = Field(description='SUM("Quantity")')
    customers: int = Field(description='COUNT(DISTINCT "Customer Key")')


class KpiGrowth(BaseModel):
    revenue: float | None = Field(description="(current - a year earlier) / a year earlier")
    profit: float | None
    orders: float | None
    units: float | None


class SalesKpisResponse(BaseModel):
    anchor_date: dt.date | None = Field(description="Last invoice date in Fact.Sale")
    days: int
    period: Period | None
    previous_period: Period | None = Field(description="The same days one year earlier")
    current: KpiFigures
    previous: KpiFigures
    growth: KpiGrowth


class ReorderRecommendationModel(BaseModel):
    stock_item_key: int
    wwi_stock_item_id: int
    stock_item: str
    supplier_key: int | None = Field(description="Supplier of the item's latest purchase line")
    supplier: str | None
    quantity_on_hand: int
    reorder_level: int
    target_level: int
    daily_velocity: float = Field(description="Units sold in the last 90 days / 90")
    lead_time_days: int
    days_of_cover: float | None = Field(description="on hand / daily velocity; null: no sales")
    quantity_per_outer: int
    outers_to_order: int = Field(
        description="ceil((target + velocity * lead time - on hand) / quantity per outer)"
    )
    quantity_to_order: int = Field(description="outers_to_order * quantity_per_outer")
    urgency: Urgency
    unit_cost: float = Field(description='"Last Cost Price"')
    estimated_cost: float = Field(description="quantity_to_order * unit_cost")


class StockRecommendationsResponse(BaseModel):
    anchor_date: dt.date | None = Field(description="Last invoice date (velocity window end)")
    velocity_window: Period | None
    count: int
    total_estimated_cost: float
    items: list[ReorderRecommendationModel]


class SupplierScoreModel(BaseModel):
    rank: int = Field(description="1 = most reliable")
    wwi_supplier_id: int
    supplier_key: int = Field(description="Key of the supplier's current dimension row")
    supplier: str
    purchase_lines: int
    ordered_outers: int
    received_outers: int
    finalized_lines: int
    fill_rate: float = Field(description="received outers / ordered outers")
    finalized_share: float = Field(description="finalised lines / lines")
    received_lines: int = Field(description="Lines with a stock receipt (lead-time sample)")
    lead_time_mean_days: float | None
    lead_time_stddev_days: float | None = Field(description="Sample standard deviation")
    lead_time_score: float = Field(description="(speed + consistency) / 2, 0.5 without data")
    score: float = Field(
        description="100 * (0.4 * min(fill rate, 1) + 0.3 * finalised share + 0.3 * lead-time "
        "score)"
    )


class SupplierScoresResponse(BaseModel):
    anchor_date: dt.date | None = Field(description="Last purchase date in Fact.Purchase")
    window: Period | None
    top_n: int
    weights: dict[str, float]
    items: list[SupplierScoreModel]


class DataQualityReport(BaseModel):
    """The `wwi.daily.data_quality` run's result, as stored in `job_executions.result`."""

    sale_anchor_date: dt.date | None = Field(description="Last invoice date in Fact.Sale")
    purchase_anchor_date: dt.date | None = Field(description="Last date in Fact.Purchase")
    passed: int
    warned: int
    failed: int
    checks: list[DataQualityCheck]


class BusinessEventModel(BaseModel):
    id: int
    detected_at: dt.datetime
    run_id: str
    event_type: str
    condition_key: str = Field(description="<event_type>:<WWI stock item id>")
    stock_item_key: int | None
    stock_item: str | None
    severity: str
    message: str
    details: dict[str, Any]
    cleared_at: dt.datetime | None = Field(description="Set once the condition disappeared")


class BusinessEventsResponse(BaseModel):
    limit: int
    offset: int
    items: list[BusinessEventModel]


class ScenarioCreate(BaseModel):
    """A what-if scenario's named parameters; anything else is rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field("", max_length=128, pattern=PRINTABLE, description="Label shown in lists")
    demand_change_pct: float = Field(0.0, ge=-100, le=500, description="Daily demand change, %")
    price_change_pct: float = Field(0.0, ge=-90, le=500, description="Selling price change, %")
    lead_time_change_days: int = Field(
        0, ge=-60, le=180, description="Added to every item's lead time (floored at 0 days)"
    )
    horizon_days: int = Field(30, ge=1, le=365, description="Days simulated")
    stock_item_keys: list[Annotated[int, Field(ge=0, le=2_147_483_647)]] | None = Field(
        None, min_length=1, max_length=500, description="Only these stock items"
    )
    stock_item_name_contains: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        pattern=PRINTABLE,
        description="Only items whose name contains this text (case-insensitive); the "
        "warehouse has no stock-group column, so this is how a group of items is chosen",
    )


class ProjectionTotals(BaseModel):
    items: int
    demand_units: float
    units_sold: float
    lost_units: float
    revenue: float = Field(description="units sold * selling price")
    profit: float = Field(description="units sold * (selling price - unit cost)")
    stockout_items: int = Field(description="Items with at least one stock-out day")
    stockout_days: int = Field(description="Item-days with unmet demand")
    orders: int
    reorder_units: int
    reorder_cost: float = Field(description="ordered units * last cost price")


class ScenarioItemImpact(BaseModel):
    stock_item_key: int
    stock_item: str
    profit_change: float
    stockout_days: int
    baseline_stockout_days: int
    lost_units: float


class ScenarioResults(ProjectionTotals):
    delta: dict[str, float] = Field(description="Scenario minus baseline, per total")
    top_items: list[ScenarioItemImpact] = Field(description="Largest profit changes")


class ScenarioBaseline(ProjectionTotals):
    anchor_date: dt.date | None = Field(description="Last invoice date the demand is read to")
    horizon_days: int


class ScenarioModel(BaseModel):
    id: int
    created_at: dt.datetime
    name: str
    actor: str
    inputs: dict[str, Any]
    inputs_hash: str = Field(description="SHA-256 of the normalised inputs")
    baseline: ScenarioBaseline
    results: ScenarioResults
    trace_id: str | None


class ScenariosResponse(BaseModel):
    limit: int
    offset: int
    items: list[ScenarioModel]


class ReorderRecord(BaseModel):
    id: int
    run_id: str
    snapshot_at: dt.datetime
    stock_item_key: int
    stock_item: str
    supplier: str | None
    quantity_on_hand: int
    reorder_level: int
    target_level: int
    daily_velocity: float
    lead_time_days: int
    days_of_cover: float | None
    quantity_per_outer: int
    outers_to_order: int
    quantity_to_order: int
    urgency: str
    estimated_cost: float


class SupplierScoreRecord(BaseModel):
    id: int
    run_id: str
    snapshot_at: dt.datetime
    supplier_key: int
    supplier: str
    purchase_lines: int
    fill_rate: float
    finalized_share: float
    lead_time_mean_days: float | None
    lead_time_stddev_days: float | None
    score: float
    rank: int


class RecordsPage(BaseModel):
    limit: int
    offset: int


class ReorderRecordsResponse(RecordsPage):
    items: list[ReorderRecord]


class SupplierScoreRecordsResponse(RecordsPage):
    items: list[SupplierScoreRecord]
