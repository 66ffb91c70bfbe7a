"""wwi-service's query parameters and their limits, one place for routes and exports.

An export takes its JSON endpoint's parameters with the same bounds, so they live here, not in
a route module that the exports would have to import.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from services.wwi_service.models import EventType, Urgency

MAX_DAYS = 3660
MAX_TOP_N = 1000

Days = Annotated[
    int | None,
    Query(
        ge=1, le=MAX_DAYS, description="Days up to the latest date (default DEFAULT_HISTORY_DAYS)"
    ),
]
UrgencyFilter = Annotated[Urgency | None, Query(description="Only this urgency")]
TopN = Annotated[
    int | None,
    Query(ge=1, le=MAX_TOP_N, description="List length (default RANKING_DEFAULT_TOP_N)"),
]
EventTypeFilter = Annotated[EventType | None, Query(description="Only this event type")]
OpenOnly = Annotated[bool, Query(description="Only conditions that still persist (not cleared)")]
