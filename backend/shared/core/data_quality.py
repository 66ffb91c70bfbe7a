"""Named data-quality checks with thresholds, measured on a warehouse in one statement.

A check is one number measured in SQL (a scalar subquery) compared with its threshold: `<=` for
counts of bad rows, `>=` for row counts. All of a run's checks travel as scalar subqueries of one
SELECT, so a run is one round trip. A failed `error` check is "fail", a failed `warning` check
"warn". Each service defines its own domain checks; the report is stored as the job's result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Table, func, or_, select

Comparison = Literal["<=", ">="]
Severity = Literal["error", "warning"]
Status = Literal["pass", "warn", "fail"]


class Warehouse(Protocol):
    """What a run needs: one SELECT in, its rows out (`WarehouseClient`, or a test's stand-in)."""

    async def fetch(self, statement: Select[Any]) -> Sequence[Any]: ...


@dataclass(frozen=True)
class CheckDef:
    """One check: what it measures (`statement`, a one-value SELECT) and when that passes."""

    name: str
    description: str
    statement: Select[Any]
    threshold: float
    comparison: Comparison = "<="
    severity: Severity = "error"


class DataQualityCheck(BaseModel):
    name: str
    description: str
    observed: float
    threshold: float
    comparison: Comparison
    severity: Severity
    status: Status


def count_rows(table: Table, *where: ColumnElement[bool]) -> Select[Any]:
    """Rows of `table` matching every condition in `where` (all rows without one)."""
    return select(func.count()).select_from(table).where(*where)


def count_orphans(fact: Table, key: str, dimension: Table, dimension_key: str) -> Select[Any]:
    """Fact rows whose `key` finds no dimension row: they drop out of every inner join."""
    return (
        select(func.count())
        .select_from(fact.outerjoin(dimension, dimension.c[dimension_key] == fact.c[key]))
        .where(dimension.c[dimension_key].is_(None))
    )


def count_disagreeing_groups(table: Table, key: str, columns: Sequence[str]) -> Select[Any]:
    """Values of `key` whose rows disagree on any of `columns`: a header (an order's date and
    customer) repeated on each of its lines must be the same on all of them."""
    groups = (
        select(table.c[key])
        .group_by(table.c[key])
        .having(or_(*[func.count(table.c[name].distinct()) > 1 for name in columns]))
        .subquery("disagreeing")
    )
    return select(func.count()).select_from(groups)


def checks_statement(definitions: Sequence[CheckDef]) -> Select[Any]:
    """All checks as scalar subqueries of one SELECT (one round trip), labelled c0, c1, ..."""
    return select(
        *[d.statement.scalar_subquery().label(f"c{i}") for i, d in enumerate(definitions)]
    )


def evaluate(
    name: str,
    description: str,
    observed: float,
    threshold: float,
    comparison: Comparison = "<=",
    severity: Severity = "error",
) -> DataQualityCheck:
    """Compare one observation with its threshold."""
    ok = observed <= threshold if comparison == "<=" else observed >= threshold
    status: Status = "pass" if ok else ("fail" if severity == "error" else "warn")
    return DataQualityCheck(
        name=name,
        description=description,
        observed=observed,
        threshold=threshold,
        comparison=comparison,
        severity=severity,
        status=status,
    )


async def measure(warehouse: Warehouse, definitions: Sequence[CheckDef]) -> list[DataQualityCheck]:
    """Measure every definition in one statement and compare each with its threshold."""
    row = (await warehouse.fetch(checks_statement(definitions)))[0]
    return [
        evaluate(d.name, d.description, float(row[i] or 0), d.threshold, d.comparison, d.severity)
        for i, d in enumerate(definitions)
    ]


def freshness(
    name: str, latest: dt.date | None, today: dt.date, *, max_days: int, what: str
) -> DataQualityCheck:
    """Days from the latest date `what` holds to the run date, at most `max_days` (a warning:
    the sample warehouses end years ago and always warn); no date at all is a failure."""
    if latest is None:
        return evaluate(name, f"no {what} date at all", 1.0, 0)
    return evaluate(
        name,
        f"days from the latest {what} date to the run date (at most {max_days}); "
        "the sample warehouses end years ago, so this warns there",
        float((today - latest).days),
        max_days,
        "<=",
        "warning",
    )


def tally(checks: Sequence[DataQualityCheck]) -> dict[str, int]:
    """How many checks passed, warned and failed (the report's summary fields)."""
    return {
        "passed": sum(c.status == "pass" for c in checks),
        "warned": sum(c.status == "warn" for c in checks),
        "failed": sum(c.status == "fail" for c in checks),
    }
