"""Tracing core: a missing collector is reported once; logs are JSON lines with the trace id."""

from __future__ import annotations

import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.core.otel import JsonLogFormatter, _ReportOnceExporter
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
