"""The gateway's proxy against real upstreams on 127.0.0.1: what is forwarded, streamed, refused."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import httpx
import jwt

from tests.backend.gateway.helpers import (
    SECRET,
    Gateway,
    Upstreams,
    closed_port_url,
    gateway_settings,
    run_gateway,
)
from tests.backend.gateway.upstream_app import EXPORT_FIRST, EXPORT_REST


def test_path_and_query_forwarded_unchanged_with_internal_token(
    gateway: Gateway, upstreams: Upstreams
) -> None:
    response = httpx.get(f"{gateway.url}/api/aw/sales/history?days_back=30&echo=1&x=a%20b")
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["path"] == "/api/aw/sales/history"
    assert seen["query"] == "days_back=30&echo=1&x=a%20b"
    token = seen["headers"]["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="aw-service")
    assert claims["iss"] == "api-gateway"
    assert claims["sub"] == "anonymous"
    assert 0 < claims["exp"] - claims["iat"] <= 60
    assert upstreams.wwi.seen == []


def test_each_service_gets_a_token_for_itself(gateway: Gateway) -> None:
    seen = httpx.get(f"{gateway.url}/api/wwi/sales/kpis?echo=1").json()
    token = seen["headers"]["authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, SECRET, algorithms=["HS256"], audience="wwi-service")
    first = httpx.get(f"{gateway.url}/api/wwi/sales/kpis?echo=1").json()
    assert first["headers"]["authorization"] != seen["headers"]["authorization"]  # per call


def test_traceparent_is_propagated_in_the_callers_trace(gateway: Gateway) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = f"00-{trace_id}-00f067aa0ba902b7-01"
    # Plain urllib: httpx/aiohttp may be instrumented in this process (by other apps under
    # test) and would replace our traceparent with their own.
    request = urllib.request.Request(
        f"{gateway.url}/api/aw/sales/kpis?echo=1", headers={"traceparent": parent}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
        trace_header = response.headers["x-trace-id"]
    forwarded = body["headers"]["traceparent"]
    version, forwarded_trace, span_id, _ = forwarded.split("-")
    assert (version, forwarded_trace) == ("00", trace_id)
    assert span_id != "00f067aa0ba902b7"  # the gateway's own client span is the parent now
    assert trace_header == trace_id


def test_hop_by_hop_and_credentials_dropped_both_ways(gateway: Gateway) -> None:
    response = httpx.get(
        f"{gateway.url}/api/aw/sales/kpis?echo=1",
        headers={
            "Connection": "keep-alive, X-Private-Hop",
            "X-Private-Hop": "secret",
            "Proxy-Authorization": "Basic abc",
            "TE": "trailers",
            "Cookie": "session=abc",
            "X-Custom": "kept",
            "Accept-Language": "hr",
        },
    )
    sent = response.json()["headers"]
    for name in ("x-private-hop", "proxy-authorization", "te", "cookie"):
        assert name not in sent, name
    assert sent["x-custom"] == "kept"
    assert sent["accept-language"] == "hr"
    assert response.headers["x-upstream"] == "yes"
    assert "proxy-authenticate" not in response.headers
    assert "keep-alive" not in response.headers
    assert response.headers["x-trace-id"] != "upstream-trace-id-must-not-leak"
    assert len(response.headers.get_list("x-trace-id")) == 1


def test_post_body_forwarded(gateway: Gateway) -> None:
    body = '{"name": "promo", "demand_change_pct": 10}'
    response = httpx.post(
        f"{gateway.url}/api/wwi/scenarios",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["body"] == body
    assert response.json()["method"] == "POST"


def test_oversized_body_refused_with_413(gateway: Gateway, upstreams: Upstreams) -> None:
    response = httpx.post(
        f"{gateway.url}/api/wwi/scenarios",
        content=b"{" + b" " * (300 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert upstreams.wwi.seen == []


def test_export_streams_before_upstream_finishes(gateway: Gateway, upstreams: Upstreams) -> None:
    url = f"{gateway.url}/api/aw/export/sales-history?format=xlsx"
    with httpx.stream("GET", url, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment")
        received = b""
        chunks = response.iter_bytes()
        while len(received) < len(EXPORT_FIRST):
            received += next(chunks)
        # The upstream is still holding the rest back: the gateway did not wait for the file.
        assert not upstreams.aw.release_export.is_set()
        upstreams.aw.release_export.set()
        received += b"".join(chunks)
    assert received == EXPORT_FIRST + EXPORT_REST


def test_service_validation_errors_come_back_unchanged(gateway: Gateway) -> None:
    response = httpx.get(f"{gateway.url}/api/wwi/suppliers/scores?top_n=99999&fail=422")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "top_n"


def test_gateway_validates_its_own_parameters(gateway: Gateway, upstreams: Upstreams) -> None:
    response = httpx.get(f"{gateway.url}/api/jobs/aw?limit=0")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
    assert upstreams.aw.seen == []


def test_job_history_maps_to_the_service_path(gateway: Gateway, upstreams: Upstreams) -> None:
    response = httpx.get(f"{gateway.url}/api/jobs/wwi?limit=5&echo=1")
    assert response.status_code == 200
    assert response.json()["path"] == "/api/wwi/jobs"
    assert response.json()["query"] == "limit=5&echo=1"


def test_upstream_down_is_502_naming_it_quickly(
    postgres_url: str, upstreams: Upstreams, report_dir: Path
) -> None:
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=closed_port_url(),
        wwi_service_url=upstreams.wwi_url,
    )
    with run_gateway(settings) as gateway:
        started = time.monotonic()
        response = httpx.get(f"{gateway.url}/api/aw/sales/kpis", timeout=10)
        elapsed = time.monotonic() - started
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["service"] == "aw-service"
        assert "aw-service" in response.json()["detail"]
        assert elapsed < settings.upstream_connect_timeout_seconds + 1
        ok = httpx.get(f"{gateway.url}/api/wwi/sales/kpis")  # the other service is unaffected
        assert ok.status_code == 200


def test_slow_upstream_is_504_within_the_read_timeout(
    gateway: Gateway, upstreams: Upstreams
) -> None:
    upstreams.aw.delay_seconds = gateway.settings.upstream_read_timeout_seconds + 1
    started = time.monotonic()
    response = httpx.get(f"{gateway.url}/api/aw/sales/kpis", timeout=20)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["service"] == "aw-service"
    assert elapsed < gateway.settings.upstream_read_timeout_seconds + 1.5


def test_upstream_refusing_internal_token_is_502_not_401(
    postgres_url: str, upstreams: Upstreams, report_dir: Path
) -> None:
    settings = gateway_settings(
        postgres_url,
        report_dir,
        aw_service_url=upstreams.aw_url,
        wwi_service_url=upstreams.wwi_url,
        internal_service_shared_secret="a-different-secret-" + "q" * 40,
    )
    with run_gateway(settings) as gateway:
        response = httpx.get(f"{gateway.url}/api/aw/sales/kpis")
    assert response.status_code == 502
    assert "www-authenticate" not in response.headers
    assert response.json()["service"] == "aw-service"


def test_unknown_path_is_404_and_not_forwarded(gateway: Gateway, upstreams: Upstreams) -> None:
    response = httpx.get(f"{gateway.url}/api/aw/admin/secrets")
    assert response.status_code == 404
    assert upstreams.aw.seen == []
