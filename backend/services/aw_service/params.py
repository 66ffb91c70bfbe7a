"""aw-service's query parameters and their limits, one place for routes, exports and jobs.

An export takes its JSON endpoint's parameters with the same bounds, and a job asks for the
longest list the routes allow (`MAX_TOP_N`), so the limits live here, not in a route module.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_HISTORY_DAYS = 3660
MAX_HORIZON_DAYS = 365
MAX_TOP_N = 1000

DaysBack = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_HISTORY_DAYS,
        description="Days up to and including the latest order date (default "
        "DEFAULT_HISTORY_DAYS); the whole four years of the sample fit",
    ),
]
HorizonDays = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_HORIZON_DAYS,
        description="Days to forecast after the latest order date (default FORECAST_HORIZON_DAYS)",
    ),
]
TopN = Annotated[
    int | None,
    Query(ge=1, le=MAX_TOP_N, description="List length (default RANKING_DEFAULT_TOP_N)"),
]
Year = Annotated[
    int | None,
    Query(
        ge=1900,
        le=9999,
        description="Calendar year to report (default: the latest complete year in the "
        "warehouse); must be a year with orders",
    ),
]
