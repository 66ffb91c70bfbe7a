"""wwi-service: WideWorldImporters analytics, what-if scenarios, business events and jobs.

`uvicorn services.wwi_service.main:app --port 8002`. Everything but the routers and jobs (auth,
audit, exports, error rendering, tracing, scheduler, health) comes from `shared.core.service`.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.wwi_service import routes_analytics, routes_exports, routes_records, routes_scenarios
from services.wwi_service.scheduler import JOBS
from shared.core.config import Settings
from shared.core.service import ServiceSpec, create_service_app
from shared.db.mssql import create_wwi_engine

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
    """The service; without `settings` they are read from the environment (exit 2 if invalid)."""
    return create_service_app(SPEC, settings)


_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """`app` is built on first access (PEP 562), so `uvicorn ...main:app` works while tests
    can import `create_app` without the process environment being a valid configuration."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = create_app()
    return _app
