"""wwi-service: WideWorldImporters analytics, what-if scenarios, business events and jobs.

`uvicorn services.wwi_service.main:app --port 8002`. Everything but the routers and jobs (auth,
audit, exports, error rendering, tracing, scheduler, health) comes from `shared.core.service`.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.wwi_service import routes_analytics, routes_exports, routes_records, routes_scenarios
from services.wwi_service.scheduler import JOBS
from shared.core.config import Settings
from shared.core.engines import create_wwi_engine
from shared.core.service import ServiceSpec, create_service_app, lazy_app

SPEC = ServiceSpec(
    name="wwi-service",
    domain="wwi",
    create_warehouse=create_wwi_engine,
    routers=[
        routes_analytics.router,
        routes_records.router,
        routes_scenarios.router,
        routes_exports.router,
    ],
    jobs=JOBS,
    description="WideWorldImporters analytics: sales KPIs, reorder recommendations, supplier "
    "scores, business events and what-if scenarios. Formulas: docs/wwi-service.md.",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """wwi-service with `settings`, or with the process environment's (exit 2 when invalid)."""
    return create_service_app(SPEC, settings)


__getattr__ = lazy_app(create_app)
