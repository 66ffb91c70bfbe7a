"""One request's trace, read back from Tempo's HTTP API, and the chain the checklist expects in it.

`fetch_trace` reads `GET <tempo>/api/traces/<trace id>` (Tempo 2.x and 3.x; OTLP JSON with ids
in base64 or hex, spans under `batches` or `resourceSpans`). `chain_problems` says what is
missing from the path gateway server span -> gateway client span -> aw-service server span ->
warehouse and PostgreSQL query spans; an empty list means the whole chain is there.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

SERVER, CLIENT = "server", "client"
WAREHOUSE_SYSTEMS = frozenset({"duckdb", "mssql", "microsoft.sql_server"})
_KINDS = {0: "unspecified", 1: "internal", 2: SERVER, 3: CLIENT, 4: "producer", 5: "consumer"}
_HEX_ID = re.compile(r"[0-9a-f]{16}|[0-9a-f]{32}")


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    span_id: str
    parent_span_id: str
    kind: str
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def db_system(self) -> str | None:
        value = self.attributes.get("db.system") or self.attributes.get("db.system.name")
        return str(value) if value is not None else None


def kind_name(kind: int | str) -> str:
    """An OTLP span kind (the enum number, or its JSON name) as a plain word."""
    if isinstance(kind, int):
        return _KINDS.get(kind, "unspecified")
    return kind.removeprefix("SPAN_KIND_").lower()


def normalise_id(value: str) -> str:
    """A trace or span id as lower-case hex, from hex or from the base64 of protobuf JSON."""
    if not value:
        return ""
    if _HEX_ID.fullmatch(value.lower()):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return value.lower()


def _value(any_value: dict[str, Any]) -> Any:
    return next(iter(any_value.values()), None) if any_value else None


def spans_from_otlp_json(document: dict[str, Any]) -> list[Span]:
    """Every span of a Tempo trace-by-id answer, with its resource's service name."""
    trace = document.get("trace", document)
    batches: Iterable[dict[str, Any]] = trace.get("batches") or trace.get("resourceSpans") or []
    spans = []
    for batch in batches:
        resource = {
            item["key"]: _value(item.get("value", {}))
            for item in batch.get("resource", {}).get("attributes", [])
        }
        service = str(resource.get("service.name", ""))
        for scope in batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []:
            for span in scope.get("spans", []):
                spans.append(
                    Span(
                        service=service,
                        name=span.get("name", ""),
                        span_id=normalise_id(span.get("spanId", "")),
                        parent_span_id=normalise_id(span.get("parentSpanId", "")),
                        kind=kind_name(span.get("kind", 0)),
                        attributes={
                            item["key"]: _value(item.get("value", {}))
                            for item in span.get("attributes", [])
                        },
                    )
                )
    return spans


def fetch_trace(tempo_url: str, trace_id: str, *, timeout: float = 10.0) -> list[Span]:
    """The spans Tempo holds for `trace_id` ([] while it has none yet: 404)."""
    response = httpx.get(f"{tempo_url.rstrip('/')}/api/traces/{trace_id}", timeout=timeout)
    if response.status_code == 404:
        return []
    response.raise_for_status()
    return spans_from_otlp_json(response.json())


def _descends(span: Span, ancestor: Span, by_id: dict[str, Span]) -> bool:
    seen: set[str] = set()
    current: Span | None = span
    while current is not None and current.span_id not in seen:
        if current.parent_span_id == ancestor.span_id:
            return True
        seen.add(current.span_id)
        current = by_id.get(current.parent_span_id)
    return False


def chain_problems(spans: list[Span], *, gateway: str = "api-gateway",
                   service: str = "aw-service") -> list[str]:  # fmt: skip
    """What is missing from gateway server -> client -> service server -> database spans."""
    by_id = {span.span_id: span for span in spans}
    servers = [s for s in spans if s.service == gateway and s.kind == SERVER]
    if not servers:
        return [f"no {gateway} server span"]
    clients = [s for s in spans if s.service == gateway and s.kind == CLIENT
               and any(_descends(s, server, by_id) for server in servers)]  # fmt: skip
    if not clients:
        return [f"no {gateway} client span under its server span"]
    client_ids = {client.span_id for client in clients}
    targets = [s for s in spans if s.service == service and s.kind == SERVER
               and s.parent_span_id in client_ids]  # fmt: skip
    if not targets:
        return [f"no {service} server span whose parent is the {gateway} client span"]
    below = [s for s in spans if s.service == service and _descends(s, targets[0], by_id)]
    systems = {s.db_system for s in below if s.db_system}
    problems = []
    if not systems & WAREHOUSE_SYSTEMS:
        problems.append(f"no warehouse query span under the {service} server span")
    if "postgresql" not in systems:
        problems.append(f"no PostgreSQL span under the {service} server span")
    return problems
