"""Supplier reliability from `Fact.Purchase` (order lines) and `Fact.Movement` (receipts).

Per supplier (grouped by WWI supplier id across its type-2 history rows; name and key from its
current row), over the purchase order lines dated in the window ending at the last purchase date:
  fill rate        = SUM("Received Outers") / SUM("Ordered Outers")
  finalised share  = lines with "Is Order Finalized" / all lines
  lead time        per purchase order line: its first stock receipt (the `Fact.Movement` row
                   with the line's "WWI Purchase Order ID" and "Stock Item Key" and a positive
                   quantity) - the line's "Date Key", in days; mean and sample standard
                   deviation over the supplier's received lines
Open lines at the end of the data count as not (yet) received and not finalised.
The combined score (0-100) is documented on `score_suppliers`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, case, cast, func, literal, select, true

from services.wwi_service.analytics_common import (
    Warehouse,
    Window,
    as_period,
    integer,
    latest_purchase_date_query,
    mapping,
    read_anchor,
    tracer,
    trailing,
)
from services.wwi_service.models import SupplierScoreModel, SupplierScoresResponse
from shared.core.warehouse import STATEMENT_CACHE, Fetch, unpacked
from shared.db.warehouse import wwi_tables as wwi

P = wwi.Purchase.c
M = wwi.Movement.c
SUP = wwi.Supplier.c

WEIGHT_FILL = 0.4
WEIGHT_FINALIZED = 0.3
WEIGHT_LEAD_TIME = 0.3
NEUTRAL_LEAD_TIME_SCORE = 0.5


def _current_supplier() -> Any:
    """The current row per WWI supplier id (latest "Valid To", then highest key)."""
    return select(
        SUP["WWI Supplier ID"].label("wwi_supplier_id"),
        SUP["Supplier Key"].label("supplier_key"),
        SUP["Supplier"].label("supplier"),
        func.row_number()
        .over(
            partition_by=SUP["WWI Supplier ID"],
            order_by=(SUP["Valid To"].desc(), SUP["Supplier Key"].desc()),
        )
        .label("version_rank"),
    ).cte("current_supplier")


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def supplier_lines_query(window: Window) -> Select[Any]:
    """Line counts and outers per supplier in `window`, with the supplier's current key/name."""
    totals = (
        select(
            SUP["WWI Supplier ID"].label("wwi_supplier_id"),
            func.count().label("purchase_lines"),
            func.sum(cast(P["Ordered Outers"], BigInteger)).label("ordered_outers"),
            func.sum(cast(P["Received Outers"], BigInteger)).label("received_outers"),
            func.sum(case((P["Is Order Finalized"] == true(), 1), else_=0)).label(
                "finalized_lines"
            ),
        )
        .select_from(wwi.Purchase.join(wwi.Supplier, SUP["Supplier Key"] == P["Supplier Key"]))
        .where(window.contains(P["Date Key"]))
        .group_by(SUP["WWI Supplier ID"])
        .cte("supplier_totals")
    )
    current = _current_supplier()
    return (
        select(
            totals.c.wwi_supplier_id,
            current.c.supplier_key,
            current.c.supplier,
            totals.c.purchase_lines,
            totals.c.ordered_outers,
            totals.c.received_outers,
            totals.c.finalized_lines,
        )
        .select_from(
            totals.join(
                current,
                (current.c.wwi_supplier_id == totals.c.wwi_supplier_id)
                & (current.c.version_rank == literal(1)),
            )
        )
        .order_by(totals.c.wwi_supplier_id)
    )


@functools.lru_cache(maxsize=STATEMENT_CACHE)
def supplier_lead_times_query(window: Window) -> Select[Any]:
    """Received purchase order lines in `window` counted per (supplier, order date, date of the
    line's first stock receipt): the receipt is matched on purchase order id and stock item key.
    Counting in the warehouse keeps the result to a few hundred rows at any volume."""
    lines = (
        select(
            SUP["WWI Supplier ID"].label("wwi_supplier_id"),
            P["WWI Purchase Order ID"].label("purchase_order_id"),
            P["Stock Item Key"].label("stock_item_key"),
            P["Date Key"].label("ordered_on"),
        )
        .select_from(wwi.Purchase.join(wwi.Supplier, SUP["Supplier Key"] == P["Supplier Key"]))
        .where(window.contains(P["Date Key"]) & P["WWI Purchase Order ID"].is_not(None))
        .cte("purchase_lines")
    )
    receipts = (
        select(
            M["WWI Purchase Order ID"].label("purchase_order_id"),
            M["Stock Item Key"].label("stock_item_key"),
            func.min(M["Date Key"]).label("received_on"),
        )
        .where(M["WWI Purchase Order ID"].is_not(None) & (M["Quantity"] > 0))
        .group_by(M["WWI Purchase Order ID"], M["Stock Item Key"])
        .cte("purchase_receipts")
    )
    return (
        select(
            lines.c.wwi_supplier_id,
            lines.c.ordered_on,
            receipts.c.received_on,
            func.count().label("lines"),
        )
        .select_from(
            lines.join(
                receipts,
                (receipts.c.purchase_order_id == lines.c.purchase_order_id)
                & (receipts.c.stock_item_key == lines.c.stock_item_key),
            )
        )
        .group_by(lines.c.wwi_supplier_id, lines.c.ordered_on, receipts.c.received_on)
        .order_by(lines.c.wwi_supplier_id, lines.c.ordered_on, receipts.c.received_on)
    )


@dataclass(frozen=True)
class SupplierScores:
    """Every supplier's score at full precision: what the daily job stores (the endpoint shows
    the best `top_n`, its ratios rounded)."""

    anchor_date: dt.date
    window: Window
    suppliers: list[SupplierScoreModel]


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _sample_stddev(n: int, total: int, squares: int) -> float | None:
    """Sample standard deviation of n values from their sum and sum of squares (exact integer
    arithmetic up to the square root); 0 for one value, None for none."""
    if n < 2:
        return 0.0 if n else None
    return math.sqrt((n * squares - total * total) / (n * (n - 1)))


def score_suppliers(lines: list[Any], lead_rows: list[Any]) -> list[SupplierScoreModel]:
    """Combine the parts into one score and rank (1 = most reliable).

    score = 100 * (0.4 * min(fill rate, 1) + 0.3 * finalised share + 0.3 * lead-time score)
    lead-time score = (speed + consistency) / 2, where
      speed       = the fastest supplier's mean lead time / this supplier's (1 when mean is 0)
      consistency = 1 / (1 + stddev / mean)  (1 with fewer than two lines or a zero mean)
    A supplier with no received line gets the neutral lead-time score 0.5.
    Ties rank by supplier name.
    """
    # Per supplier: received lines n, and the sums of their lead days and of its squares, in
    # integers, from (supplier, order date, receipt date, lines) counts: the mean and the sample
    # standard deviation follow exactly, without a list of every line's days.
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    columns = ("wwi_supplier_id", "ordered_on", "received_on", "lines")
    for wwi_id, ordered_on, received_on, count in unpacked(lead_rows, *columns):
        days = max(0, (_as_date(received_on) - _as_date(ordered_on)).days)
        supplier = sums[int(wwi_id)]
        supplier[0] += int(count)
        supplier[1] += days * int(count)
        supplier[2] += days * days * int(count)
    means = {key: days_sum / n for key, (n, days_sum, _) in sums.items() if n}
    fastest = min(means.values(), default=0.0)
    drafts: list[dict[str, Any]] = []
    for row in lines:
        values = mapping(row)
        wwi_id = int(values["wwi_supplier_id"])
        lines_count = integer(values["purchase_lines"])
        ordered, received = integer(values["ordered_outers"]), integer(values["received_outers"])
        finalized = integer(values["finalized_lines"])
        fill = received / ordered if ordered else 0.0
        finalized_share = finalized / lines_count if lines_count else 0.0
        received_lines, days_sum, squares = sums.get(wwi_id, [0, 0, 0])
        mean = means.get(wwi_id)
        stddev = _sample_stddev(received_lines, days_sum, squares)
        if mean is None:
            lead_score = NEUTRAL_LEAD_TIME_SCORE
        else:
            speed = fastest / mean if mean > 0 else 1.0
            consistency = 1.0 / (1.0 + stddev / mean) if mean > 0 and stddev else 1.0
            lead_score = (speed + consistency) / 2
        score = 100 * (
            WEIGHT_FILL * min(fill, 1.0)
            + WEIGHT_FINALIZED * finalized_share
            + WEIGHT_LEAD_TIME * lead_score
        )
        drafts.append(
            {
                "wwi_supplier_id": wwi_id,
                "supplier_key": int(values["supplier_key"]),
                "supplier": str(values["supplier"]),
                "purchase_lines": lines_count,
                "ordered_outers": ordered,
                "received_outers": received,
                "finalized_lines": finalized,
                "fill_rate": fill,
                "finalized_share": finalized_share,
                "received_lines": received_lines,
                "lead_time_mean_days": mean,
                "lead_time_stddev_days": stddev,
                "lead_time_score": lead_score,
                "score": round(score, 4),
            }
        )
    drafts.sort(key=lambda d: (-d["score"], d["supplier"], d["wwi_supplier_id"]))
    return [SupplierScoreModel(**draft, rank=rank) for rank, draft in enumerate(drafts, start=1)]


async def all_supplier_scores(warehouse: Warehouse, *, days: int) -> SupplierScores:
    """Scores over the `days` days ending at the last purchase date, best first;
    `NoWarehouseData` when `Fact.Purchase` is empty."""

    def read(fetch: Fetch) -> tuple[dt.date, Window, Sequence[Any], Sequence[Any]]:
        anchor = read_anchor(fetch, latest_purchase_date_query(), "Fact.Purchase")
        window = trailing(anchor, days)
        return (
            anchor,
            window,
            fetch(supplier_lines_query(window)),
            fetch(supplier_lead_times_query(window)),
        )

    with tracer.start_as_current_span("wwi.analytics.supplier_scores"):
        anchor, window, lines, lead_rows = await warehouse.run(read)
        return SupplierScores(anchor, window, score_suppliers(list(lines), list(lead_rows)))


async def supplier_scores(warehouse: Warehouse, *, days: int, top_n: int) -> SupplierScoresResponse:
    """The best `top_n` suppliers over `days` days, with the weights of the score."""
    scores = await all_supplier_scores(warehouse, days=days)
    return SupplierScoresResponse(
        anchor_date=scores.anchor_date,
        window=as_period(scores.window),
        top_n=top_n,
        weights={
            "fill_rate": WEIGHT_FILL,
            "finalized_share": WEIGHT_FINALIZED,
            "lead_time": WEIGHT_LEAD_TIME,
        },
        items=[_rounded(score) for score in scores.suppliers[:top_n]],
    )


def _rounded(score: SupplierScoreModel) -> SupplierScoreModel:
    """The ratios to 6 decimals and the lead times to 4, as the endpoint and export show them."""
    fields: dict[str, Any] = {
        name: round(getattr(score, name), 6)
        for name in ("fill_rate", "finalized_share", "lead_time_score")
    }
    for name in ("lead_time_mean_days", "lead_time_stddev_days"):
        value = getattr(score, name)
        fields[name] = None if value is None else round(value, 4)
    return score.model_copy(update=fields)
