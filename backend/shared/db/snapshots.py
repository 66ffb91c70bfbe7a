"""Writing and reading the snapshot tables of `shared.db.results`, the same way for both services.

A job appends all rows of its run in the caller's transaction; readers page the newest run first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession


async def append_snapshot(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Append one run's rows to a snapshot table in the caller's transaction; how many."""
    if rows:
        await session.execute(insert(table).values(list(rows)))
    return len(rows)


def snapshot_query(table: Table, run_id: str | None, *within: ColumnElement[Any]) -> Select[Any]:
    """A snapshot table's rows, newest snapshot first, then `within`; only `run_id`'s if given."""
    statement = select(table).order_by(table.c.snapshot_at.desc(), *within)
    if run_id is not None:
        statement = statement.where(table.c.run_id == run_id)
    return statement
