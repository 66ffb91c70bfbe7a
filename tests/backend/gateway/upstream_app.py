"""A small real analytics-service stand-in, served on 127.0.0.1 for the gateway's unit tests.

It checks the internal token exactly as aw-/wwi-service do (`verify_internal_token`), echoes what
it received (path, query, headers, body, caller) so tests can see what the gateway forwarded, can
be told to answer slowly, and streams an export in two parts held apart by an event so a test can
prove the gateway relays the first part before the upstream has finished.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from shared.core.config import Settings
from shared.core.errors import install_error_handlers
from shared.core.internal_tokens import verify_internal_token

EXPORT_FIRST = b"first-chunk:" + b"x" * 70_000
EXPORT_REST = b"rest-of-file:" + b"y" * 50_000


@dataclass
class Control:
    """What the test can change while the upstream runs (it lives in another thread)."""

    delay_seconds: float = 0.0
    release_export: threading.Event = field(default_factory=threading.Event)
    seen: list[dict[str, Any]] = field(default_factory=list)


def _view_payload(domain: str, path: str) -> Any:
    """JSON in the shapes the services answer with (records under a named list, KPI objects)."""
    if path.endswith("/sales/kpis"):
        return {
            "anchor_date": "2014-01-28",
            "current": {"channels": [{"channel": "total", "revenue": 1234.5, "orders": 42}]},
        }
    if path.endswith("/sales/history"):
        daily = [{"period": f"2014-01-0{day}", "revenue": 100.0 * day} for day in range(1, 8)]
        return {"anchor_date": "2014-01-07", "daily": daily, "monthly": daily[:1]}
    if path.endswith("/sales/forecast"):
        points = [
            {"date": f"2014-02-0{day}", "predicted_revenue": 90.0 + day, "lower_bound": 80.0}
            for day in range(1, 6)
        ]
        return {"anchor_date": "2014-01-31", "points": points}
    if path.endswith("/suppliers/scores"):
        items = [
            {"supplier": "Fabrikam", "score": 0.91},
            {"supplier": '=HYPERLINK("http://evil")', "score": 0.42},
        ]
        return {"top_n": 2, "items": items}
    key = {"/reps/scores": "reps", "/products/demand": "products"}.get(
        path.removeprefix(f"/api/{domain}"), "items"
    )
    return {key: [{"name": f"{domain}-row", "value": 1, "details": {"a": 1}}]}


def create_upstream(settings: Settings, *, service: str, domain: str) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    control = Control()
    app.state.control = control
    app.state.settings = settings

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    async def echo(request: Request) -> dict[str, Any]:
        caller = verify_internal_token(
            settings,
            request.headers.get("authorization", "").removeprefix("Bearer "),
            audience=service,
        )
        record = {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers.items()),
            "body": (await request.body()).decode(),
            "caller": {"subject": caller.subject, "scopes": sorted(caller.scopes)},
        }
        control.seen.append(record)
        if control.delay_seconds:
            await asyncio.sleep(control.delay_seconds)
        return record

    @app.api_route("/api/{rest:path}", methods=["GET", "POST"])
    async def anything(request: Request, rest: str) -> Any:
        record = await echo(request)
        if "/export/" in request.url.path:
            return _export(control)
        if request.query_params.get("fail") == "422":
            problem = {"status": 422, "errors": [{"field": "top_n", "msg": "too big"}]}
            return JSONResponse(problem, status_code=422, media_type="application/problem+json")
        if request.query_params.get("echo") == "1" or request.method == "POST":
            return JSONResponse(
                record,
                headers={
                    "X-Upstream": "yes",
                    "Proxy-Authenticate": "Basic",
                    "Keep-Alive": "timeout=5",
                    "X-Trace-Id": "upstream-trace-id-must-not-leak",
                },
            )
        return _view_payload(domain, request.url.path)

    return app


def _export(control: Control) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield EXPORT_FIRST
        # Hold the rest back until the test has seen the first part arrive through the gateway.
        if await asyncio.to_thread(control.release_export.wait, 10.0):
            yield EXPORT_REST

    return StreamingResponse(
        body(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="aw-sales-history.xlsx"'},
    )
