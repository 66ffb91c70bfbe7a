"""The read-only query guard: exactly one SELECT or WITH statement, decided by a SQL parser.

A regex cannot see a DELETE behind a comment, inside a CTE or after a second statement; sqlglot
parses the statement as the warehouse's dialect (T-SQL in production) and we inspect the tree.
Decisions are cached by statement text: SQLAlchemy compiles a query to the same text every time
(values travel as bound parameters), so the parser runs once per distinct query.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_FORBIDDEN: tuple[type, ...] = (
    exp.DML,  # INSERT, UPDATE, DELETE, MERGE, COPY
    exp.Into,  # SELECT ... INTO creates and fills a table
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Execute,
    exp.Declare,
    exp.Set,
    exp.Use,
    exp.Grant,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.LoadData,
    exp.Kill,
    exp.Pragma,
)

SQLGLOT_DIALECTS = {"mssql": "tsql", "duckdb": "duckdb", "postgresql": "postgres"}


class ReadOnlyViolation(ValueError):
    """The statement is not a single read-only query; it was not sent to the warehouse."""


@lru_cache(maxsize=2048)
def _verdict(sql: str, dialect: str) -> str | None:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as error:
        return f"statement does not parse as {dialect}: {error}"
    if len(statements) != 1:
        return f"exactly one statement is allowed, got {len(statements)}"
    statement = statements[0]
    if not isinstance(statement, exp.Query) or isinstance(statement, exp.Subquery):
        return f"only SELECT or WITH queries are allowed, got {statement.key.upper()}"
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN):
            return f"{node.key.upper()} is not allowed in a read-only query"
    return None


def assert_read_only(sql: str, dialect: str = "tsql") -> None:
    """Raise `ReadOnlyViolation` unless `sql` is exactly one SELECT/WITH query.

    `dialect` is a sqlglot dialect name; `SQLGLOT_DIALECTS` maps SQLAlchemy dialect names.
    """
    reason = _verdict(sql, SQLGLOT_DIALECTS.get(dialect, dialect))
    if reason is not None:
        raise ReadOnlyViolation(reason)
