"""Which views a full report gathers, and how each view's JSON becomes a report section.

Each section leads with a chart and follows with a compact table in human labels (history by
month, the forecast by week, rankings as bars, reorders by urgency); the workbook receives the
view's full tables. The services own their response shapes: a view whose JSON lacks what its
section needs becomes a section saying so, never a failed report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services.api_gateway.report_aw import (
    forecast_section,
    history_section,
    products_section,
    reps_section,
)
from services.api_gateway.report_tables import Payloads
from services.api_gateway.report_wwi import (
    events_section,
    reorder_section,
    scenarios_section,
    suppliers_section,
)
from shared.core.reports import ReportSection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportView:
    """One view the report fetches (with the service's default parameters)."""

    domain: Literal["aw", "wwi"]
    view: str
    path: str
    records: str | None = None  # the list in its JSON whose length is the view's row count

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.view}"

    def row_count(self, payload: Any) -> int:
        items = payload.get(self.records) if self.records and isinstance(payload, Mapping) else None
        return len(items) if isinstance(items, list) else 1


REPORT_VIEWS: tuple[ReportView, ...] = (
    ReportView("aw", "sales-kpis", "/api/aw/sales/kpis"),
    ReportView("aw", "sales-history", "/api/aw/sales/history", "daily"),
    ReportView("aw", "sales-forecast", "/api/aw/sales/forecast", "points"),
    ReportView("aw", "rep-scores", "/api/aw/reps/scores", "reps"),
    ReportView("aw", "product-demand", "/api/aw/products/demand", "products"),
    ReportView("wwi", "sales-kpis", "/api/wwi/sales/kpis"),
    ReportView("wwi", "stock-recommendations", "/api/wwi/stock/recommendations", "items"),
    ReportView("wwi", "supplier-scores", "/api/wwi/suppliers/scores", "items"),
    ReportView("wwi", "business-events", "/api/wwi/events", "items"),
    ReportView("wwi", "scenarios", "/api/wwi/scenarios", "items"),
)

SECTIONS: tuple[tuple[str, Callable[[Payloads], ReportSection]], ...] = (
    ("AdventureWorks sales history", history_section),
    ("AdventureWorks revenue forecast", forecast_section),
    ("Top sales reps", reps_section),
    ("Top products", products_section),
    ("Reorder recommendations", reorder_section),
    ("Supplier scores", suppliers_section),
    ("Business events", events_section),
    ("What-if scenarios", scenarios_section),
)


def build_sections(payloads: Payloads) -> list[ReportSection]:
    """Every view's section; one whose JSON is not in the expected shape says so instead."""
    sections = []
    for title, build in SECTIONS:
        try:
            sections.append(build(payloads))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            logger.warning("report section %r could not be laid out: %r", title, error)
            sections.append(
                ReportSection(
                    title=title,
                    intro="This view's data did not arrive in the expected form.",
                )
            )
    return sections
