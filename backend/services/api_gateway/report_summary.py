"""The report's front matter: anchor dates, the key-figures table and sentences from the numbers.

The key figures put each sales channel on a row (AdventureWorks internet, resellers and total,
then Wide World Importers) with revenue, orders, units, average order, margin and the change on
the year before. The sentences name the biggest mover, the top rep, the most urgent reorder and
the weakest supplier; a view that is missing or empty just leaves its sentence out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from services.api_gateway.report_tables import Payloads
from services.api_gateway.report_views import build_sections
from services.api_gateway.report_wwi import reorder_key
from shared.core.export import ExportTable
from shared.core.frontend_auth import FrontendPrincipal
from shared.core.labels import column, display
from shared.core.reports import Report

logger = logging.getLogger(__name__)

CHANNEL_NAMES = {"internet": "internet", "reseller": "resellers", "total": "total"}
KPI_COLUMNS = (
    column("channel", "Channel"),
    column("revenue"),
    column("orders"),
    column("units"),
    column("average_order_value"),
    column("margin_pct", "Margin", "percent"),
    column("revenue_growth_pct", "Revenue vs year before", "percent", signed=True),
)


def requester(principal: FrontendPrincipal) -> str:
    """`Demo User (demo)`: the signed-in user's name where the token carries one."""
    if not principal.authenticated:
        return "anonymous (sign-in is off)"
    claims = principal.claims
    name = claims.get("name") or claims.get("preferred_username") or claims.get("email")
    return (
        f"{name} ({principal.subject})" if name and name != principal.subject else principal.subject
    )


def _get(payloads: Payloads, key: str) -> Mapping[str, Any]:
    value = payloads.get(key)
    return value if isinstance(value, Mapping) else {}


def anchors(payloads: Payloads) -> list[tuple[str, str]]:
    """The latest date each warehouse holds: every figure is measured back from it."""
    found = [
        ("AdventureWorks data up to", _get(payloads, "aw/sales-kpis").get("anchor_date")),
        ("Wide World Importers sales up to", _get(payloads, "wwi/sales-kpis").get("anchor_date")),
        (
            "Wide World Importers purchases up to",
            _get(payloads, "wwi/supplier-scores").get("anchor_date"),
        ),
    ]
    return [(label, str(value)) for label, value in found if value]


def kpi_rows(payloads: Payloads) -> tuple[list[list[Any]], list[str]]:
    """The key-figures rows and, under them, which period each compares."""
    rows: list[list[Any]] = []
    notes: list[str] = []
    aw = _get(payloads, "aw/sales-kpis")
    if aw.get("current"):
        growth = {g["channel"]: g for g in aw.get("growth", [])}
        for channel in aw["current"]["channels"]:
            name = channel["channel"]
            rows.append(
                [
                    f"AdventureWorks {CHANNEL_NAMES.get(name, name)}",
                    channel["revenue"],
                    channel["orders"],
                    channel["units"],
                    channel["average_order_value"],
                    channel["margin_pct"],
                    growth.get(name, {}).get("revenue_growth_pct"),
                ]
            )
        notes.append(f"AdventureWorks: calendar {aw['year']} compared with {aw['previous_year']}.")
    wwi = _get(payloads, "wwi/sales-kpis")
    if wwi.get("current") and wwi.get("period"):
        current, growth = wwi["current"], wwi.get("growth") or {}
        orders = current["orders"]
        margin, change = current.get("margin"), growth.get("revenue")
        rows.append(
            [
                "Wide World Importers",
                current["revenue"],
                orders,
                current["units"],
                current["revenue"] / orders if orders else None,
                None if margin is None else margin * 100,
                None if change is None else change * 100,
            ]
        )
        period = wwi["period"]
        notes.append(
            f"Wide World Importers: the {wwi['days']} days from {period['start']} to "
            f"{period['end']} compared with the same days a year earlier; margin is profit over "
            "revenue excluding tax."
        )
    return rows, notes


def _pct(value: float) -> str:
    return display(value, "percent", signed=True)


def highlights(payloads: Payloads) -> list[str]:
    """Three to five sentences, each from one view's numbers (a view in an unexpected shape
    leaves its sentence out)."""
    sentences = []
    for write in (
        _aw_sentence,
        _wwi_sentence,
        _rep_sentence,
        _reorder_sentence,
        _supplier_sentence,
    ):
        try:
            sentence = write(payloads)
        except SHAPE_ERRORS as error:
            logger.warning("report highlight %s left out: %r", write.__name__, error)
            continue
        if sentence:
            sentences.append(sentence)
    return sentences


def _aw_sentence(payloads: Payloads) -> str | None:
    aw = _get(payloads, "aw/sales-kpis")
    if not aw.get("current"):
        return None
    total = next(c for c in aw["current"]["channels"] if c["channel"] == "total")
    text = f"AdventureWorks sold {display(total['revenue'], 'money')} in {aw['year']}"
    growth = {g["channel"]: g.get("revenue_growth_pct") for g in aw.get("growth", [])}
    if growth.get("total") is not None:
        text += f", {_pct(growth['total'])} on {aw['previous_year']}"
    movers = {
        name: value for name, value in growth.items() if name != "total" and value is not None
    }
    if movers:
        mover = max(movers, key=lambda name: abs(movers[name]))
        text += (
            f"; the biggest mover was the {CHANNEL_NAMES.get(mover, mover)} channel "
            f"({_pct(movers[mover])})"
        )
    return text + "."


def _wwi_sentence(payloads: Payloads) -> str | None:
    wwi = _get(payloads, "wwi/sales-kpis")
    if not (wwi.get("current") and wwi.get("period")):
        return None
    change = (wwi.get("growth") or {}).get("revenue")
    text = (
        f"Wide World Importers invoiced {display(wwi['current']['revenue'], 'money')} in "
        f"the {wwi['days']} days to {wwi['period']['end']}"
    )
    if change is not None:
        text += f", {_pct(change * 100)} on the same days a year earlier"
    return text + "."


def _rep_sentence(payloads: Payloads) -> str | None:
    reps = _get(payloads, "aw/rep-scores").get("reps") or []
    if not reps:
        return None
    rep = reps[0]
    where = f" ({rep['territory']})" if rep.get("territory") else ""
    text = (
        f"Top sales rep: {rep['rep_name']}{where}, "
        f"{display(rep['revenue'], 'money')} of reseller revenue"
    )
    if rep.get("attainment_pct") is not None:
        text += f", {display(rep['attainment_pct'], 'percent')} of quota"
    return text + "."


def _reorder_sentence(payloads: Payloads) -> str | None:
    items = sorted(_get(payloads, "wwi/stock-recommendations").get("items") or [], key=reorder_key)
    if not items:
        return None
    item = items[0]
    cover = item.get("days_of_cover")
    return (
        f"Most urgent reorder: {item['stock_item']}, {item['quantity_on_hand']:,} on hand"
        + (f" ({cover:,.1f} days of cover)" if cover is not None else "")
        + f" against a {item['lead_time_days']}-day lead time; order "
        f"{item['quantity_to_order']:,} units for about {display(item['estimated_cost'], 'money')}."
    )


def _supplier_sentence(payloads: Payloads) -> str | None:
    suppliers = _get(payloads, "wwi/supplier-scores").get("items") or []
    if not suppliers:
        return None
    weakest = min(suppliers, key=lambda s: s["score"])
    return (
        f"Weakest supplier: {weakest['supplier']}, score {weakest['score']:.1f} of 100, "
        f"delivering {display(weakest['fill_rate'], 'ratio')} of the outers ordered."
    )


SHAPE_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, StopIteration)


PERIOD_COLUMNS = (column("label", "Period"), column("start", "From", "date"),
                  column("end", "To", "date"))  # fmt: skip


def figure_sheets(payloads: Payloads) -> list[ExportTable]:
    """Every KPI figure of both services, period by period, for the workbook."""
    sheets = []
    aw = _get(payloads, "aw/sales-kpis")
    if aw.get("whole_warehouse"):
        growth = {g["channel"]: g for g in aw.get("growth", [])}
        rows = []
        for key in ("whole_warehouse", "current", "previous"):
            period = aw[key]
            label = "Whole warehouse" if key == "whole_warehouse" else str(period["label"])
            for channel in period["channels"]:
                changes = growth.get(channel["channel"], {}) if key == "current" else {}
                rows.append([label, period["start"], period["end"], channel["channel"],
                             *(channel.get(c) for c in AW_FIGURES),
                             *(changes.get(c) for c in AW_CHANGES)])  # fmt: skip
        columns = [*PERIOD_COLUMNS, column("channel"), *map(column, AW_FIGURES),
                   *(column(c, signed=True) for c in AW_CHANGES)]  # fmt: skip
        sheets.append(ExportTable(title="AW key figures", columns=columns, rows=rows))
    wwi = _get(payloads, "wwi/sales-kpis")
    if wwi.get("period") and wwi.get("previous_period"):
        growth = wwi.get("growth") or {}
        rows = [
            ["Last {} days".format(wwi["days"]), wwi["period"]["start"], wwi["period"]["end"],
             *(wwi["current"].get(c) for c in WWI_FIGURES), growth.get("revenue")],
            ["A year earlier", wwi["previous_period"]["start"], wwi["previous_period"]["end"],
             *(wwi["previous"].get(c) for c in WWI_FIGURES), None],
        ]  # fmt: skip
        change = column("revenue_change", "Revenue vs year before", "ratio", signed=True)
        columns = [*PERIOD_COLUMNS, *map(column, WWI_FIGURES), change]
        sheets.append(ExportTable(title="WWI key figures", columns=columns, rows=rows))
    return sheets


AW_FIGURES = ("revenue", "orders", "units", "average_order_value", "gross_margin", "margin_pct")
AW_CHANGES = ("revenue_growth_pct", "orders_growth_pct", "units_growth_pct",
              "gross_margin_growth_pct")  # fmt: skip
WWI_FIGURES = ("revenue", "profit", "margin", "orders", "units", "customers")


def build_report(payloads: Payloads, principal: FrontendPrincipal) -> Report:
    """The whole report; front matter from views in an unexpected shape is left out, saying so."""
    try:
        rows, notes = kpi_rows(payloads)
    except SHAPE_ERRORS as error:
        logger.warning("report key figures could not be laid out: %r", error)
        rows, notes = [], ["The key figures did not arrive in the expected form."]
    try:
        sheets = figure_sheets(payloads)
    except SHAPE_ERRORS as error:
        logger.warning("report key-figure sheets left out: %r", error)
        sheets = []
    return Report(
        requested_by=requester(principal),
        anchors=anchors(payloads),
        summary=ExportTable(title="Key figures", columns=KPI_COLUMNS, rows=rows),
        summary_notes=notes,
        highlights=highlights(payloads),
        sections=build_sections(payloads),
        summary_sheets=sheets,
    )
