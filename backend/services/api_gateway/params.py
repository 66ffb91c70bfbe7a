"""Query parameters of the public API, declared once with the bounds the settings allow.

The gateway validates them (a bad value is a 422 naming the field before any upstream call) and
then passes the caller's query string on unchanged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from shared.core.export import ExportFormat

DaysBack = Annotated[
    int | None,
    Query(ge=1, le=3660, description="Look-back in days (default DEFAULT_HISTORY_DAYS)"),
]
HorizonDays = Annotated[
    int | None,
    Query(ge=1, le=365, description="Forecast horizon in days (default FORECAST_HORIZON_DAYS)"),
]
TopN = Annotated[
    int | None,
    Query(ge=1, le=1000, description="List length (default RANKING_DEFAULT_TOP_N)"),
]
Limit = Annotated[
    int | None,
    Query(ge=1, le=1000, description="Page size (default STORAGE_DEFAULT_LIMIT)"),
]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")]
Format = Annotated[ExportFormat, Query(description="File format of the download")]
