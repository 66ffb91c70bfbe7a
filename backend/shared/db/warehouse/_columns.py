"""Small helpers that keep the warehouse table definitions one line per column.

SQL Server types map onto SQLAlchemy types that compile on both the mssql and the duckdb
dialects: money -> Numeric(19, 4), float -> Float(53) (8 bytes on both), tinyint ->
SmallInteger, bit -> Boolean, nvarchar/nchar -> Unicode(n), varchar/char -> String(n),
datetime/datetime2 -> DateTime, varbinary -> LargeBinary.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Unicode,
)
from sqlalchemy.types import TypeEngine

INT: TypeEngine[int] = Integer()
BIGINT: TypeEngine[int] = BigInteger()
SMALLINT: TypeEngine[int] = SmallInteger()
TINYINT: TypeEngine[int] = SmallInteger()
MONEY = Numeric(19, 4)
DEC_18_2 = Numeric(18, 2)
DEC_18_3 = Numeric(18, 3)
FLOAT = Float(precision=53)  # SQL Server float = float(53); a bare FLOAT is 4 bytes in DuckDB
BIT = Boolean()
DATE = Date()
DATETIME = DateTime()
BINARY = LargeBinary()


def nvarchar(length: int) -> Unicode:
    """nvarchar(n) / nchar(n): Unicode text of at most ``length`` characters."""
    return Unicode(length)


def varchar(length: int) -> String:
    """varchar(n) / char(n): single-byte text in SQL Server, plain VARCHAR in DuckDB."""
    return String(length)


def col(name: str, type_: TypeEngine[Any], null: bool = False, pk: bool = False) -> Column[Any]:
    """One warehouse column; keys are never auto-generated (the data carries its own keys)."""
    return Column(name, type_, nullable=null, primary_key=pk, autoincrement=False)
