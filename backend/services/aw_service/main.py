"""aw-service: AdventureWorks analytics, stored job results, exports and scheduled jobs.

`uvicorn services.aw_service.main:app --port 8001`. Auth, audit, exports, error rendering,
tracing, the scheduler, `/health`, `/ready` and `/api/aw/jobs` come from `shared.core.service`;
this service brings its routers and jobs. Formulas: docs/aw-service.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.aw_service import routes_analytics, routes_exports, routes_records
from services.aw_service.scheduler import JOBS
from shared.core.config import Settings
from shared.core.engines import create_aw_engine
from shared.core.service import ServiceSpec, create_service_app, lazy_app

SPEC = ServiceSpec(
    name="aw-service",
    domain="aw",
    create_warehouse=create_aw_engine,
    routers=[routes_analytics.router, routes_records.router, routes_exports.router],
    jobs=JOBS,
    description="AdventureWorks analytics: sales KPIs, history, forecast, rep scores and "
    "product demand, anchored at the latest order date. Formulas: docs/aw-service.md.",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service; without `settings` they are read from the environment (exit 2 if invalid)."""
    return create_service_app(SPEC, settings)


__getattr__ = lazy_app(create_app)
