"""The analytics services' persisted results (`aw_*`, `wwi_*`): append-only snapshots.

Every row carries the `run_id` of the job execution (or request) that produced it and its
`snapshot_at`, so the records endpoints can serve the latest snapshot or the history. They live on
`SharedBase` so one schema creation covers all ten tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Float, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.tables import SharedBase


class _Snapshot:
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    snapshot_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class AwForecast(_Snapshot, SharedBase):
    """One forecast point of one run: predicted daily revenue with its interval."""

    __tablename__ = "aw_forecasts"

    forecast_date: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(String(32))
    predicted_revenue: Mapped[float] = mapped_column(Float)
    lower_bound: Mapped[float] = mapped_column(Float)
    upper_bound: Mapped[float] = mapped_column(Float)
    backtest_mape: Mapped[float | None] = mapped_column(Float)
    backtest_mae: Mapped[float | None] = mapped_column(Float)
    anchor_date: Mapped[date] = mapped_column(Date)


class AwRepScore(_Snapshot, SharedBase):
    """One sales rep's score in one run."""

    __tablename__ = "aw_rep_scores"

    employee_key: Mapped[int] = mapped_column(Integer)
    rep_name: Mapped[str] = mapped_column(String(128))
    territory: Mapped[str | None] = mapped_column(String(64))
    revenue: Mapped[float] = mapped_column(Float)
    orders: Mapped[int] = mapped_column(Integer)
    quota: Mapped[float | None] = mapped_column(Float)
    attainment: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)


class AwProductDemand(_Snapshot, SharedBase):
    """One product's demand in one run."""

    __tablename__ = "aw_product_demand"

    product_key: Mapped[int] = mapped_column(Integer)
    product_name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(64))
    units: Mapped[int] = mapped_column(BigInteger)
    revenue: Mapped[float] = mapped_column(Float)
    revenue_share: Mapped[float] = mapped_column(Float)
    trend_slope: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)


class WwiReorderRecommendation(_Snapshot, SharedBase):
    """One stock item's reorder recommendation in one run."""

    __tablename__ = "wwi_reorder_recommendations"

    stock_item_key: Mapped[int] = mapped_column(Integer)
    stock_item: Mapped[str] = mapped_column(String(128))
    supplier: Mapped[str | None] = mapped_column(String(128))
    quantity_on_hand: Mapped[int] = mapped_column(BigInteger)
    reorder_level: Mapped[int] = mapped_column(BigInteger)
    target_level: Mapped[int] = mapped_column(BigInteger)
    daily_velocity: Mapped[float] = mapped_column(Float)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    days_of_cover: Mapped[float | None] = mapped_column(Float)
    quantity_per_outer: Mapped[int] = mapped_column(Integer)
    outers_to_order: Mapped[int] = mapped_column(Integer)
    quantity_to_order: Mapped[int] = mapped_column(BigInteger)
    urgency: Mapped[str] = mapped_column(String(16))
    estimated_cost: Mapped[float] = mapped_column(Float)


class WwiSupplierScore(_Snapshot, SharedBase):
    """One supplier's reliability score and its parts in one run."""

    __tablename__ = "wwi_supplier_scores"

    supplier_key: Mapped[int] = mapped_column(Integer)
    supplier: Mapped[str] = mapped_column(String(128))
    purchase_lines: Mapped[int] = mapped_column(Integer)
    fill_rate: Mapped[float] = mapped_column(Float)
    finalized_share: Mapped[float] = mapped_column(Float)
    lead_time_mean_days: Mapped[float | None] = mapped_column(Float)
    lead_time_stddev_days: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)


class WwiWhatIfScenario(SharedBase):
    """A what-if scenario: its inputs, the baseline it was compared with, and the results."""

    __tablename__ = "wwi_whatif_scenarios"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(256))
    inputs: Mapped[dict[str, Any]] = mapped_column()
    inputs_hash: Mapped[str] = mapped_column(String(64), index=True)
    baseline: Mapped[dict[str, Any]] = mapped_column()
    results: Mapped[dict[str, Any]] = mapped_column()
    trace_id: Mapped[str | None] = mapped_column(String(32))


class WwiBusinessEvent(SharedBase):
    """A stock-level condition detected by the events job.

    `condition_key` names the condition (event type + item); the partial unique index admits one
    open row per condition, so a condition that persists across runs is reported once, and the
    same condition may be reported again after `cleared_at` closed the previous row.
    """

    __tablename__ = "wwi_business_events"
    __table_args__ = (
        Index(
            "uq_wwi_business_events_open_condition",
            "condition_key",
            unique=True,
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    detected_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    run_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(32))
    condition_key: Mapped[str] = mapped_column(String(128))
    stock_item_key: Mapped[int | None] = mapped_column(Integer)
    stock_item: Mapped[str | None] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
