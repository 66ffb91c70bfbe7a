"""make verify's step 8 on its own: the chain it expects in a trace, Tempo's JSON as it reads it,
and `make traces` (the receiver printing spans as a real exporter sends them)."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from devtools.trace_chain import Span, chain_problems, spans_from_otlp_json
from tests.support.live_server import REPO, free_port, poll_until


def _span(span_id: str, parent: str, service: str, kind: str, **attributes: str) -> Span:
    return Span(service, f"{service} {kind}", span_id, parent, kind, dict(attributes))


CHAIN = [
    _span("a1", "", "api-gateway", "server"),
    _span("a2", "a1", "api-gateway", "internal"),
    _span("a3", "a2", "api-gateway", "client"),
    _span("b1", "a3", "aw-service", "server"),
    _span("b2", "b1", "aw-service", "client", **{"db.system": "postgresql"}),
    _span("b3", "b1", "aw-service", "internal"),
    _span("b4", "b3", "aw-service", "client", **{"db.system": "duckdb"}),
]


def test_the_whole_chain_has_no_problem() -> None:
    assert chain_problems(CHAIN) == []


def test_each_missing_link_is_named() -> None:
    without = {span_id: [s for s in CHAIN if s.span_id != span_id] for span_id in ("a1", "a3")}
    assert chain_problems(without["a1"]) == ["no api-gateway server span"]
    assert chain_problems(without["a3"]) == ["no api-gateway client span under its server span"]
    orphan = [s if s.span_id != "b1" else _span("b1", "zz", "aw-service", "server") for s in CHAIN]
    assert chain_problems(orphan) == [
        "no aw-service server span whose parent is the api-gateway client span"
    ]
    no_db = [s for s in CHAIN if s.span_id not in {"b2", "b4"}]
    assert chain_problems(no_db) == [
        "no warehouse query span under the aw-service server span",
        "no PostgreSQL span under the aw-service server span",
    ]


def test_tempo_json_with_base64_ids_and_kind_names_is_read() -> None:
    def b64(hex_id: str) -> str:
        return base64.b64encode(bytes.fromhex(hex_id)).decode()

    document = {
        "batches": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "aw-service"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": b64("0af7651916cd43dd8448eb211c80319c"),
                                "spanId": b64("00f067aa0ba902b7"),
                                "parentSpanId": b64("b7ad6b7169203331"),
                                "name": "SELECT otel_bi",
                                "kind": "SPAN_KIND_CLIENT",
                                "attributes": [
                                    {"key": "db.system", "value": {"stringValue": "postgresql"}}
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    (span,) = spans_from_otlp_json(document)
    assert (span.span_id, span.parent_span_id) == ("00f067aa0ba902b7", "b7ad6b7169203331")
    assert (span.service, span.kind, span.db_system) == ("aw-service", "client", "postgresql")


def test_make_traces_prints_spans_an_exporter_sends() -> None:
    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-m", "devtools.otlp_receiver", "--port", str(port)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(receiver.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        poll_until(lambda: any("receiver on" in line for line in lines), timeout=30)
        provider = TracerProvider(resource=Resource.create({"service.name": "probe"}))
        exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        with provider.get_tracer("probe").start_as_current_span("probe.work", kind=SpanKind.SERVER):
            pass
        provider.shutdown()
        line = poll_until(
            lambda: next((line for line in lines if "probe.work" in line), None), timeout=10
        )
        assert "probe" in line and "server" in line and "(root)" in line
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
