"""An OTLP/HTTP trace receiver on 127.0.0.1: decodes what services export (tests, `make traces`).

It accepts `POST /v1/traces` with an `ExportTraceServiceRequest` as the OTLP/HTTP exporters send
it — protobuf (the Python SDK, optionally gzip) or OTLP/JSON (the browser SDK, hex ids) — answers
CORS preflights so a page on another origin may export to it, and keeps every span with its
service name so tests can follow one trace across processes and the browser. It also answers
Tempo's trace-by-id query, `GET /api/traces/<trace id>` (OTLP JSON under `batches`, 404 when
unknown), so `make verify`'s step 8 runs against it unchanged. `python -m devtools.otlp_receiver`
(`make traces`) runs it on port 4318 and prints every span as it arrives: traces without compose.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans


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


_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def request_from_json(payload: bytes) -> ExportTraceServiceRequest:
    """OTLP/JSON is protobuf's JSON mapping except that ids are hex: re-encode them, then parse."""
    document = json.loads(payload)
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for item in (span, *span.get("links", [])):
                    for key in _ID_KEYS:
                        if item.get(key):
                            item[key] = base64.b64encode(bytes.fromhex(item[key])).decode()
    request = ExportTraceServiceRequest()
    json_format.ParseDict(document, request, ignore_unknown_fields=True)
    return request


class OtlpReceiver:
    """Use as a context manager; `endpoint` is what OTEL_EXPORTER_OTLP_ENDPOINT should be."""

    def __init__(
        self, port: int = 0, on_span: Callable[[ReceivedSpan], None] | None = None
    ) -> None:
        self.on_span = on_span
        self.spans: list[ReceivedSpan] = []
        self.batches: list[ResourceSpans] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
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

    def _store(self, request: ExportTraceServiceRequest) -> None:
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
            self.batches += request.resource_spans
            self.requests += 1
        if self.on_span is not None:
            for span in received:
                self.on_span(span)

    def tempo_trace(self, trace_id: str) -> dict[str, Any] | None:
        """The trace as Tempo's `/api/traces/<id>` returns it, or None when no span has it."""
        wanted = bytes.fromhex(trace_id)
        with self._lock:
            batches = list(self.batches)
        found = []
        for batch in batches:
            copy = ResourceSpans()
            copy.CopyFrom(batch)
            for scope in copy.scope_spans:
                kept = [span for span in scope.spans if span.trace_id == wanted]
                del scope.spans[:]
                scope.spans.extend(kept)
            if any(scope.spans for scope in copy.scope_spans):
                found.append(json_format.MessageToDict(copy))
        return {"batches": found} if found else None

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

            def do_GET(self) -> None:
                prefix = "/api/traces/"
                trace_id = self.path[len(prefix) :] if self.path.startswith(prefix) else ""
                try:
                    document = receiver.tempo_trace(trace_id) if trace_id else None
                except ValueError:
                    self.send_error(400, "not a hex trace id")
                    return
                if document is None:
                    self.send_error(404, "trace not found")
                    return
                data = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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
                        request = request_from_json(body)
                    else:
                        request = ExportTraceServiceRequest()
                        request.ParseFromString(body)
                except Exception:
                    self.send_error(400, "not an ExportTraceServiceRequest")
                    return
                receiver._store(request)
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


_KIND_WORDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def _print_span(span: ReceivedSpan) -> None:
    parent = span.parent_span_id or "(root)"
    kind = _KIND_WORDS.get(span.kind, "span")
    print(f"{span.trace_id} {span.span_id} <- {parent:<16} {span.service:<12} {kind:<8} "
          f"{span.name}", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the spans services export over OTLP/HTTP.")
    parser.add_argument("--port", type=int, default=4318, help="default 4318 (the OTLP default)")
    args = parser.parse_args(argv)
    with OtlpReceiver(port=args.port, on_span=_print_span) as receiver:
        print(f"OTLP/HTTP receiver on {receiver.endpoint} (Ctrl-C stops it); "
              f"trace by id: {receiver.endpoint}/api/traces/<trace id>", flush=True)  # fmt: skip
        print("trace id                         span id          <- parent           service"
              "      kind     name", flush=True)  # fmt: skip
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
