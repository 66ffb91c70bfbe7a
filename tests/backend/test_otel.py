"""Tracing core: a missing collector is reported once; logs are JSON lines with the trace id;
responses carry the trace and span ids."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.core.otel import JsonLogFormatter, _ReportOnceExporter, instrument_fastapi
from tests.support.live_server import free_port
from tests.support.otlp_receiver import OtlpReceiver


def _spans(count: int) -> tuple[ReadableSpan, ...]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test")
    for i in range(count):
        with tracer.start_as_current_span(f"span-{i}"):
            pass
    provider.shutdown()
    return memory.get_finished_spans()


def test_unreachable_collector_is_reported_once_and_recovery_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    exporter = _ReportOnceExporter(
        OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=0.5), endpoint
    )
    spans = _spans(3)
    with caplog.at_level(logging.INFO, logger="shared.core.otel"):
        results = [exporter.export([span]) for span in spans]
        assert results == [SpanExportResult.FAILURE] * 3
        failing = [r for r in caplog.records if "failing" in r.getMessage()]
        assert len(failing) == 1
        with OtlpReceiver() as receiver:
            back = _ReportOnceExporter(
                OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces", timeout=2),
                receiver.endpoint,
            )
            back._failing = True  # the state a process is in after an outage
            assert back.export(spans) is SpanExportResult.SUCCESS
            assert back.export(spans) is SpanExportResult.SUCCESS
    recovered = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(recovered) == 1


def test_log_lines_are_json_with_the_active_trace_id() -> None:
    formatter = JsonLogFormatter()
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        line = json.loads(formatter.format(record))
    assert line["message"] == "hello world"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["level"] == "INFO"


async def test_responses_carry_the_trace_id_and_the_server_span_id() -> None:
    app = FastAPI()
    seen: dict[str, str] = {}

    @app.get("/work")
    async def work() -> dict[str, bool]:
        context = trace.get_current_span().get_span_context()
        seen.update(trace=format(context.trace_id, "032x"), span=format(context.span_id, "016x"))
        return {"ok": True}

    instrument_fastapi(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/work")
    assert response.status_code == 200
    span_id = response.headers["x-span-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", span_id) and span_id != "0" * 16
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-trace-id"])
    assert (response.headers["x-trace-id"], span_id) == (seen["trace"], seen["span"])


def test_uvicorn_lines_are_json_too() -> None:
    import io
    import logging.config

    from uvicorn.config import LOGGING_CONFIG

    from shared.core.otel import configure_logging

    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {name: list(logging.getLogger(name).handlers) for name in names}
    try:
        logging.config.dictConfig(LOGGING_CONFIG)  # as uvicorn does before importing the app
        configure_logging("INFO")
        stream = io.StringIO()
        for name in ("uvicorn", "uvicorn.access"):
            for handler in logging.getLogger(name).handlers:
                assert isinstance(handler, logging.StreamHandler)
                handler.setStream(stream)
        access = logging.getLogger("uvicorn.access")
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", "/api/aw/x", "1.1", 200)
        logging.getLogger("uvicorn.error").info("Application startup complete.")
        first, second = (json.loads(line) for line in stream.getvalue().splitlines())
        assert (
            first["logger"] == "uvicorn.access"
            and '"GET /api/aw/x HTTP/1.1" 200' in (first["message"])
        )
        assert second["logger"] == "uvicorn.error" and second["level"] == "INFO"
    finally:
        for name, handlers in saved.items():
            logging.getLogger(name).handlers = handlers
