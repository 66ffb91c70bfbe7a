"""SQL pieces shared by the loaders of real files: read every field as text, then cast it to the
column's warehouse type in DuckDB, so money stays exact (text -> DECIMAL, never via float)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, LargeBinary, String, Table
from sqlalchemy.types import TypeEngine

from demo.duck import _DIALECT, quote


def sql_string(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


def duck_type(type_: TypeEngine[object]) -> str:
    """The DuckDB spelling of a warehouse column type."""
    return type_.compile(dialect=_DIALECT)


def text_columns(table: Table) -> str:
    """The ``columns={...}`` argument of ``read_csv``: every column of ``table`` as VARCHAR."""
    return "{" + ", ".join(f"{sql_string(c.name)}: 'VARCHAR'" for c in table.columns) + "}"


def cast_expr(column: Column[object], empty_text: str = "") -> str:
    """Expression turning the raw text field of ``column`` into its typed value.

    An empty field is NULL; in a NOT NULL text column it becomes ``empty_text`` instead (an empty
    string for AdventureWorks, ``N/A`` where WideWorldImporters' ETL writes that).
    """
    name = quote(column.name)
    type_ = column.type
    if isinstance(type_, LargeBinary):
        return f"unhex({name})"
    if isinstance(type_, Boolean):
        return f"CASE lower({name}) WHEN '1' THEN true WHEN 'true' THEN true " \
               f"WHEN '0' THEN false WHEN 'false' THEN false END"  # fmt: skip
    if isinstance(type_, String):
        if column.nullable:
            return name
        return f"coalesce({name}, {sql_string(empty_text)})"
    return f"CAST({name} AS {duck_type(type_)})"
