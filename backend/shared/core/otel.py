"""Tracing and logging for one BI process: OTLP/HTTP export, auto-instrumentation, trace headers.

`configure_otel` is called once per process. With no collector listening the service still starts
and runs: the exporter's own per-batch error logging is silenced and we log one warning when
export starts failing and one when it recovers. Logs are JSON lines carrying the trace id.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

_EXPORTER_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http._common",
    "opentelemetry.sdk.trace.export",
)
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
_lock = threading.Lock()
_provider: TracerProvider | None = None
_instrumented_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


class _ReportOnceExporter(SpanExporter):
    """Delegates to the OTLP exporter; reports a broken collector once, not once per batch."""

    def __init__(self, inner: SpanExporter, endpoint: str) -> None:
        self._inner = inner
        self._endpoint = endpoint
        self._failing = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._inner.export(spans)
        except Exception:
            result = SpanExportResult.FAILURE
        if result is SpanExportResult.FAILURE and not self._failing:
            self._failing = True
            logger.warning(
                "trace export to %s failing; spans are dropped until it answers", self._endpoint
            )
        elif result is SpanExportResult.SUCCESS and self._failing:
            self._failing = False
            logger.info("trace export to %s recovered", self._endpoint)
        return result

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line with the active trace and span ids."""

    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": getattr(record, "service", None) or _service_name(),
        }
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _service_name() -> str | None:
    if _provider is None:
        return None
    name = _provider.resource.attributes.get("service.name")
    return str(name) if name is not None else None


def configure_logging(level: str) -> None:
    """JSON logs on stderr for the root logger; idempotent."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h.formatter, JsonLogFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLogFormatter())
        root.addHandler(handler)
    # uvicorn configures its loggers before it imports the app; their lines (start-up, errors,
    # access) become JSON too, so one parser reads the whole stream.
    for name in _UVICORN_LOGGERS:
        for uvicorn_handler in logging.getLogger(name).handlers:
            uvicorn_handler.setFormatter(JsonLogFormatter())
    for name in _EXPORTER_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def configure_otel(
    service_name: str,
    *,
    endpoint: str,
    log_level: str = "INFO",
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Install the process's tracer provider (first call wins) and JSON logging."""
    global _provider
    configure_logging(log_level)
    with _lock:
        if _provider is not None:
            return _provider
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        span_exporter = exporter or OTLPSpanExporter(
            endpoint=f"{endpoint.rstrip('/')}/v1/traces", timeout=3
        )
        provider.add_span_processor(
            BatchSpanProcessor(_ReportOnceExporter(span_exporter, endpoint))
        )
        trace.set_tracer_provider(provider)
        _provider = provider
        return provider


def shutdown_otel() -> None:
    """Flush what is buffered; called from the lifespan on shutdown."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=3000)


def instrument_fastapi(app: FastAPI) -> None:
    """Server spans per request, and `x-trace-id` / `x-span-id` on every response."""
    app.add_middleware(TraceHeadersMiddleware)
    # One server span per request; the per-message ASGI "http send/receive" spans cost CPU on
    # every response and tell an operator nothing the server span does not.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="health,ready,metrics", exclude_spans=["receive", "send"]
    )


def instrument_sqlalchemy(engine: Engine | AsyncEngine) -> None:
    """Client spans for every statement of `engine` (each engine separately, any number of them).

    `SQLAlchemyInstrumentor().instrument(engine=...)` only works once per process, so the
    per-engine tracer it would create is attached directly.
    """
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    if sync_engine in _instrumented_engines:
        return
    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    usage = metrics.get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
        name="db.client.connections.usage", unit="connections"
    )
    EngineTracer(tracer, sync_engine, usage)  # type: ignore[no-untyped-call]
    _instrumented_engines.add(sync_engine)


def instrument_httpx() -> None:
    """Client spans and W3C `traceparent` on every httpx request of this process."""
    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


class TraceHeadersMiddleware:
    """Pure ASGI middleware: adds the current trace and span ids to the response headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                context = trace.get_current_span().get_span_context()
                if context.is_valid:
                    headers = list(message.get("headers", []))
                    headers.append((b"x-trace-id", format(context.trace_id, "032x").encode()))
                    headers.append((b"x-span-id", format(context.span_id, "016x").encode()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_ids)
