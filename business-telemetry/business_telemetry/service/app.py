"""The ingestion service: `create_app()` and its lifespan; `main.py` at the folder's top serves it.

Settings come from `FABRIC_*` (see `config.py`); tests pass a `FabricSettings` to `create_app`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from business_telemetry.config import FabricSettings, get_fabric_settings
from business_telemetry.service.delivery.drainer import Drainer, expand_sinks
from business_telemetry.service.delivery.drainer_process import DrainerProcess
from business_telemetry.service.http.api import Runtime, router
from business_telemetry.service.http.errors import install_error_handlers
from business_telemetry.service.http.fast_lane import IngestionApp
from business_telemetry.service.http.metrics import DeliveryMetrics, Metrics
from business_telemetry.service.http.models import BatchRequest, EventRequest
from business_telemetry.service.spool.backlog import Backlog
from business_telemetry.service.spool.spool_view import SpoolView
from business_telemetry.service.spool.writer import SpoolWriter
from business_telemetry.sinks.base import Sink
from business_telemetry.sinks.registry import create_sink

logger = logging.getLogger("business_telemetry")


def create_app(settings: FabricSettings | None = None, sink: Sink | None = None) -> FastAPI:
    """The service; `sink` overrides the one `FABRIC_SINK_TYPE` names (tests, embedding)."""
    settings = settings or get_fabric_settings()
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s %(message)s",
        )
    custom_sink = sink is not None
    sink = sink or create_sink(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.api_key_list():
            logger.warning("ingestion auth is OFF: FABRIC_API_KEY is unset, anyone may send events")
        writer = SpoolWriter(
            Path(settings.spool_dir),
            segment_bytes=settings.spool_segment_bytes,
            max_bytes=settings.spool_max_bytes,
        )
        writer.open()
        writer.on_commit = lambda seconds, _requests: metrics.commit_latency.observe(seconds)
        drainer: SpoolView
        if settings.drainer_mode == "process" and not custom_sink:
            drainer = DrainerProcess(
                settings,
                [s.name for s in expand_sinks(sink)],
                on_restart=metrics.drainer_restarts.inc,
            )
        else:  # a sink object handed to create_app can only be drained in this process
            drainer = Drainer(settings, sink, DeliveryMetrics())
        drainer.start()
        metrics.watch_spool(Path(settings.spool_dir), lambda: drainer.sink_names)
        backlog = Backlog(
            Path(settings.spool_dir),
            lambda: drainer.sink_names,
            lambda: drainer.sink_errors() == {},
            settings.spool_high_water_bytes,
        )
        app.state.runtime = Runtime(settings, metrics, writer, drainer, time.monotonic(), backlog)
        logger.info(
            "business telemetry ready: sink=%s spool=%s output=%s drainer=%s/%s",
            settings.sink_type,
            settings.spool_dir,
            settings.output_dir,
            settings.drainer_mode,
            settings.drainer_priority,
        )
        try:
            yield
        finally:
            app.state.runtime = None
            await writer.close()
            await drainer.stop()

    app = IngestionApp(
        title="Business Telemetry Service",
        description="Business events from the AKS Store Demo into Microsoft Fabric",
        version=settings.service_version,
        lifespan=lifespan,
    )
    app.state.api_keys = [key.encode() for key in settings.api_key_list()]
    app.state.runtime = None
    origins = settings.cors_origin_list()
    if origins:
        app.cors = True
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,  # API keys travel in a header, never in cookies
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
        )
    install_error_handlers(app)
    app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Routes read raw bodies (for speed); declare the request schemas the clients send."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for path, model in (("/events", EventRequest), ("/events/batch", BatchRequest)):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema
        schema["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    app.openapi_schema = schema
    return schema
