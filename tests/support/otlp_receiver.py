"""An OTLP/HTTP trace receiver on 127.0.0.1 for tests: decodes what services export.

It accepts `POST /v1/traces` with an `ExportTraceServiceRequest` as the OTLP/HTTP exporters send
it — protobuf (the Python SDK, optionally gzip) or OTLP/JSON (the browser SDK, hex ids) — answers
CORS preflights so a page on another origin may export to it, and keeps every span with its
service name so tests can follow one trace across processes and the browser.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: int
    attributes: dict[str, Any] = field(default_factory=dict)


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def _json_value(any_value: dict[str, Any]) -> Any:
    """An OTLP/JSON AnyValue (`{"stringValue": "x"}`, `{"intValue": "3"}`) as a Python value."""
    for kind, value in any_value.items():
        return int(value) if kind == "intValue" else value
    return None


def _json_attributes(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["key"]: _json_value(item.get("value") or {}) for item in items or []}


def spans_from_json(payload: bytes) -> list[ReceivedSpan]:
    """Decode OTLP/JSON: like protobuf's JSON mapping, except ids are hex and enums integers."""
    document = json.loads(payload)
    received = []
    for resource_spans in document.get("resourceSpans", []):
        resource = _json_attributes((resource_spans.get("resource") or {}).get("attributes"))
        service = str(resource.get("service.name", ""))
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                received.append(
                    ReceivedSpan(
                        service=service,
                        name=span.get("name", ""),
                        trace_id=str(span.get("traceId", "")).lower(),
                        span_id=str(span.get("spanId", "")).lower(),
                        parent_span_id=str(span.get("parentSpanId") or "").lower(),
                        kind=int(span.get("kind", 0)),
                        attributes=_json_attributes(span.get("attributes")),
                    )
                )
    return received


class OtlpReceiver:
    """Use as a context manager; `endpoint` is what OTEL_EXPORTER_OTLP_ENDPOINT should be."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def snapshot(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self.spans)

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [span for span in self.snapshot() if span.trace_id == trace_id]

    def wait_for(
        self, predicate: Callable[[list[ReceivedSpan]], bool], *, timeout: float = 20.0
    ) -> list[ReceivedSpan]:
        """Poll until `predicate(all spans)` holds; raise with what arrived on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            spans = self.snapshot()
            if predicate(spans):
                return spans
            time.sleep(0.1)
        summary = sorted({(span.service, span.name) for span in self.snapshot()})
        raise TimeoutError(f"spans never matched within {timeout}s; received: {summary}")

    def _store_json(self, payload: bytes) -> None:
        received = spans_from_json(payload)
        with self._lock:
            self.spans += received
            self.requests += 1

    def _store(self, payload: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(payload)
        received = []
        for resource_spans in request.resource_spans:
            resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
            service = str(resource.get("service.name", ""))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=service,
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            kind=span.kind,
                            attributes={kv.key: _value(kv.value) for kv in span.attributes},
                        )
                    )
        with self._lock:
            self.spans += received
            self.requests += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _cors(self) -> None:
                origin = self.headers.get("Origin")
                if origin:
                    self.send_header("Access-Control-Allow-Origin", origin)
                    self.send_header("Vary", "Origin")

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                self._cors()
                self.send_header("Access-Control-Allow-Methods", "POST")
                requested = self.headers.get("Access-Control-Request-Headers", "content-type")
                self.send_header("Access-Control-Allow-Headers", requested)
                self.send_header("Access-Control-Max-Age", "600")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                as_json = self.headers.get("Content-Type", "").startswith("application/json")
                try:
                    if as_json:
                        receiver._store_json(body)
                    else:
                        receiver._store(body)
                except Exception:
                    self.send_error(400, "not an ExportTraceServiceRequest")
                    return
                if as_json:
                    data, content_type = b"{}", "application/json"
                else:
                    data = ExportTraceServiceResponse().SerializeToString()
                    content_type = "application/x-protobuf"
                self.send_response(200)
                self._cors()
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
