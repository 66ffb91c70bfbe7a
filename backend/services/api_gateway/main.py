"""api-gateway: the public surface of the BI platform (port 8000).

`create_app(settings)` wires tracing, error rendering, CORS and the routers; the lifespan opens the
PostgreSQL write store (audit reads and the gateway's own audit rows), the frontend token verifier
and one pooled client per analytics service, and closes them on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor

from services.api_gateway import (
    routes_audit,
    routes_aw,
    routes_config,
    routes_jobs,
    routes_reports,
    routes_wwi,
)
from services.api_gateway.openapi import served_openapi
from services.api_gateway.proxy import Upstream, close_all
from shared.core.config import ConfigError, Settings, load_settings_or_exit
from shared.core.engines import create_postgres_engine
from shared.core.errors import install_error_handlers
from shared.core.frontend_auth import FrontendTokenVerifier, Principal, warn_if_auth_disabled
from shared.core.otel import (
    configure_otel,
    instrument_fastapi,
    instrument_sqlalchemy,
    shutdown_otel,
)
from shared.core.service import lazy_app
from shared.db.postgres import create_session_factory, prepare_schema

logger = logging.getLogger(__name__)

SERVICE_NAME: Final = "api-gateway"
TITLE = "otel-bi api-gateway"
DESCRIPTION = "Public API of the BI platform; see docs/api-gateway.md."
VERSION = "1.0.0"
ROUTE_MODULES = (routes_config, routes_aw, routes_wwi, routes_audit, routes_jobs, routes_reports)


def instrument_aiohttp() -> None:
    """Client spans and W3C `traceparent` on every aiohttp session created from now on."""
    instrumentor = AioHttpClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    warn_if_auth_disabled(settings, logger)
    app.state.pg_engine = create_postgres_engine(settings)
    instrument_sqlalchemy(app.state.pg_engine)
    app.state.sessions = create_session_factory(app.state.pg_engine)
    app.state.schema_ready = False

    def mark_ready() -> None:
        app.state.schema_ready = True

    # Usually quick: done before the first request so audit writes never race it.
    schema_task = await prepare_schema(app.state.pg_engine, mark_ready)
    verifier = FrontendTokenVerifier(settings) if settings.require_frontend_auth else None
    app.state.frontend_verifier = verifier
    instrument_aiohttp()  # before the sessions are created: it hooks ClientSession.__init__
    app.state.upstreams = {
        "aw": Upstream.open("aw-service", settings.aw_service_url, settings),
        "wwi": Upstream.open("wwi-service", settings.wwi_service_url, settings),
    }
    try:
        yield
    finally:
        if schema_task is not None:
            schema_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schema_task
        await close_all(app.state.upstreams.values())
        if verifier is not None:
            await verifier.aclose()
        await app.state.pg_engine.dispose()
        shutdown_otel()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway app; with no settings given, read and check them or exit 2 naming the fix."""
    if settings is None:
        settings = load_settings_or_exit(SERVICE_NAME)
    else:
        problems = settings.problems_for(SERVICE_NAME)
        if problems:
            raise ConfigError(problems)
    configure_otel(
        settings.otel_service_name or SERVICE_NAME,
        endpoint=settings.otel_exporter_otlp_endpoint,
        log_level=settings.log_level,
    )
    # With auth on, no path but /api/config and /api/health is public: the interactive docs are
    # off and the OpenAPI document needs a token (openapi_document() gives it without a server).
    public_docs = not settings.require_frontend_auth
    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=VERSION,
        lifespan=_lifespan,
        openapi_url="/openapi.json" if public_docs else None,
        docs_url="/docs" if public_docs else None,
        redoc_url="/redoc" if public_docs else None,
    )
    app.state.settings = settings
    if not public_docs:
        app.add_api_route(
            "/openapi.json", _protected_openapi, methods=["GET"], include_in_schema=False
        )
    install_error_handlers(app)
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "traceparent", "tracestate"],
            expose_headers=["Content-Disposition", "x-trace-id", "x-span-id"],
        )
    instrument_fastapi(app)
    _add_routes(app)
    return app


async def _protected_openapi(request: Request, principal: Principal) -> JSONResponse:
    """The OpenAPI document, for signed-in callers only when frontend auth is on."""
    return JSONResponse(request.app.openapi())


def _add_routes(app: FastAPI) -> None:
    app.openapi = lambda: served_openapi(app)  # type: ignore[method-assign]
    for module in ROUTE_MODULES:
        app.include_router(module.router)


def bare_app() -> FastAPI:
    """The gateway's routes without settings, middleware or start-up (OpenAPI generation)."""
    app = FastAPI(title=TITLE, description=DESCRIPTION, version=VERSION)
    _add_routes(app)
    return app


def openapi_document() -> dict[str, Any]:
    """The gateway's OpenAPI document without settings or start-up (client generation, fuzzing)."""
    return bare_app().openapi()


# `uvicorn services.api_gateway.main:app` builds the app from the environment on first access;
# importing this module for `create_app` or `openapi_document` reads no configuration.
__getattr__ = lazy_app(create_app)
