"""HTTP API against the real app under uvicorn: the spec's examples, validation, limits, auth."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bt_testkit import (
    FULL_EXAMPLES,
    WRONGLY_TYPED,
    live_server,
    make_event,
    make_settings,
    output_id_counts,
    output_rows,
    poll_until,
)

from business_events import IDENTIFYING_FIELD
from business_telemetry.service.http.fast_lane import FAST_ROUTES
from config import FabricSettings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    tmp = tmp_path_factory.mktemp("api")
    settings = make_settings(
        tmp, max_body_bytes=64 * 1024, max_batch_events=50, max_event_bytes=4096
    )
    with live_server(settings) as url, httpx.Client(base_url=url, timeout=20) as client:
        yield client, tmp / "out"


def flush(client: httpx.Client) -> None:
    assert client.post("/flush").status_code == 200


class TestSpecExamples:
    def test_single_event_curl_example_is_accepted(self, server: tuple[httpx.Client, Path]) -> None:
        client, out = server
        body = """{
    "event_type": "product.viewed",
    "data": {
      "product_id": "123",
      "product_name": "Widget"
    }
  }"""
        response = client.post(
            "/events", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 202
        payload = response.json()
        assert payload["success"] is True and payload["message"] == "Event accepted"
        flush(client)
        rows = [r for r in output_rows(out) if r["event_id"] == payload["event_id"]]
        assert len(rows) == 1
        assert rows[0]["product_id"] == "123" and rows[0]["product_name"] == "Widget"
        assert rows[0]["data"] == {"product_id": "123", "product_name": "Widget"}
        assert rows[0]["event_time"].endswith("Z") and rows[0]["environment"] == "test"

    def test_batch_curl_example_is_accepted(self, server: tuple[httpx.Client, Path]) -> None:
        client, _ = server
        body = """{
    "events": [
      {"event_type": "product.viewed", "data": {"product_id": "123"}},
      {"event_type": "product.viewed", "data": {"product_id": "456"}}
    ]
  }"""
        response = client.post(
            "/events/batch", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 202
        payload = response.json()
        assert payload["success"] is True
        assert payload["events_accepted"] == 2 and payload["events_failed"] == 0
        assert payload["message"] == "Processed 2 events" and payload["errors"] == []

    def test_api_reference_examples_are_accepted(self, server: tuple[httpx.Client, Path]) -> None:
        client, out = server
        single = {
            "event_type": "product.viewed",
            "event_source": "customer-agent",
            "session_id": "sess-123",
            "user_id": "user-456",
            "data": {"product_id": "prod-789", "product_name": "Widget", "product_price": 29.99},
        }
        response = client.post("/events", json=single)
        assert response.status_code == 202
        batch = {
            "events": [
                {"event_type": "product.viewed", "data": {"product_id": "123"}},
                {"event_type": "order.placed", "data": {"order_id": "456", "total": 99.99}},
            ]
        }
        assert client.post("/events/batch", json=batch).json()["events_accepted"] == 2
        flush(client)
        row = next(r for r in output_rows(out) if r["event_id"] == response.json()["event_id"])
        assert row["session_id"] == "sess-123" and row["event_source"] == "customer-agent"
        assert row["price"] == 29.99


class TestEveryEventType:
    @pytest.mark.parametrize("event_type", sorted(FULL_EXAMPLES))
    def test_full_example_is_accepted_and_delivered(
        self, server: tuple[httpx.Client, Path], event_type: str
    ) -> None:
        client, out = server
        response = client.post("/events", json=make_event(event_type))
        assert response.status_code == 202, response.text
        flush(client)
        row = next(r for r in output_rows(out) if r["event_id"] == response.json()["event_id"])
        identifying = IDENTIFYING_FIELD[event_type]
        assert row[identifying] == FULL_EXAMPLES[event_type][identifying]
        assert row["event_type"] == event_type

    @pytest.mark.parametrize("event_type", sorted(FULL_EXAMPLES))
    def test_missing_identifying_field_is_422_naming_it(
        self, server: tuple[httpx.Client, Path], event_type: str
    ) -> None:
        client, _ = server
        event = make_event(event_type)
        identifying = IDENTIFYING_FIELD[event_type]
        del event["data"][identifying]
        response = client.post("/events", json=event)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        fields = [e["field"] for e in response.json()["errors"]]
        assert f"data.{identifying}" in fields

    @pytest.mark.parametrize("event_type", sorted(FULL_EXAMPLES))
    def test_wrongly_typed_key_field_is_422_naming_it(
        self, server: tuple[httpx.Client, Path], event_type: str
    ) -> None:
        client, _ = server
        name, bad = WRONGLY_TYPED[event_type]
        event = make_event(event_type)
        event["data"][name] = bad
        response = client.post("/events", json=event)
        assert response.status_code == 422, response.text
        assert f"data.{name}" in [e["field"] for e in response.json()["errors"]]


class TestValidation:
    def test_unknown_event_type_is_422_naming_event_type(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, _ = server
        response = client.post("/events", json={"event_type": "product.stolen", "data": {}})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "event_type"

    def test_unknown_data_fields_are_kept(self, server: tuple[httpx.Client, Path]) -> None:
        client, out = server
        event = make_event("product.viewed")
        event["data"]["shelf"] = {"aisle": 4}
        event_id = client.post("/events", json=event).json()["event_id"]
        flush(client)
        row = next(r for r in output_rows(out) if r["event_id"] == event_id)
        assert row["data"]["shelf"] == {"aisle": 4}

    def test_batch_keeps_good_events_and_reports_bad_by_index(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, out = server
        events = [
            make_event("order.placed"),
            {"event_type": "nope", "data": {}},
            make_event("order.placed", data={"total": 3}),
            make_event("ai.recommendation"),
        ]
        response = client.post("/events/batch", json={"events": events})
        assert response.status_code == 202
        payload = response.json()
        assert payload["success"] is False
        assert (payload["events_accepted"], payload["events_failed"]) == (2, 2)
        assert [(e["index"], e["field"]) for e in payload["errors"]] == [
            (1, "events[1].event_type"),
            (2, "events[2].data.order_id"),
        ]
        flush(client)
        counts = output_id_counts(out)
        assert all(counts[i] == 1 for i in payload["event_ids"])
        metrics = client.get("/metrics").text
        assert 'bt_events_rejected_total{event_type="order.placed",reason="invalid"}' in metrics
        assert 'bt_events_rejected_total{event_type="unknown",reason="invalid"}' in metrics

    @pytest.mark.parametrize("bad_type", [{}, [], 7, None, "x" * 300])
    def test_any_json_as_event_type_is_a_422_naming_it(
        self, server: tuple[httpx.Client, Path], bad_type: object
    ) -> None:
        client, _ = server
        batch = {"events": [{"event_type": bad_type, "data": {}}, make_event()]}
        response = client.post("/events/batch", json=batch)
        assert response.status_code == 202
        assert response.json()["errors"][0]["field"] == "events[0].event_type"
        single = client.post("/events", json={"event_type": bad_type, "data": {}})
        assert single.status_code == 422
        assert single.json()["errors"][0]["field"] == "event_type"

    def test_unstorable_numbers_are_rejected_not_crashing(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, _ = server
        huge = b'{"event_type":"product.viewed","data":{"product_id":"1","n":%d}}' % (10**25)
        batch = (
            b'{"events":[' + huge + b',{"event_type":"product.viewed","data":{"product_id":"2"}}]}'
        )
        response = client.post("/events/batch", content=batch)
        assert response.status_code == 202
        assert response.json()["events_accepted"] == 1
        assert response.json()["errors"][0]["field"] == "events[0]"
        assert client.post("/events", content=huge).status_code == 422

    def test_batch_with_no_valid_event_is_422(self, server: tuple[httpx.Client, Path]) -> None:
        client, _ = server
        response = client.post("/events/batch", json={"events": [{"event_type": "x.y"}]})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "events[0].event_type"

    @pytest.mark.parametrize("body", [b"{", b"[1,2", b"\xff\xfe"])
    def test_malformed_json_is_400(self, server: tuple[httpx.Client, Path], body: bytes) -> None:
        client, _ = server
        for path in ("/events", "/events/batch"):
            response = client.post(path, content=body)
            assert response.status_code == 400, (path, response.text)

    def test_body_over_limit_is_413(self, server: tuple[httpx.Client, Path]) -> None:
        client, _ = server
        big = {"events": [make_event(custom_properties={"pad": "x" * 70_000})]}
        response = client.post("/events/batch", json=big)
        assert response.status_code == 413
        assert "FABRIC_MAX_BODY_BYTES" in response.json()["detail"]

    def test_problem_answers_name_the_path(self, server: tuple[httpx.Client, Path]) -> None:
        assert set(FAST_ROUTES) == {"/events", "/events/batch"}  # both answered by the lane
        client, _ = server
        for path in ("/events", "/events/batch"):
            response = client.post(path, content=b"{")
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["instance"] == path

    def test_client_hanging_up_mid_body_acknowledges_nothing(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, out = server
        port = httpx.URL(str(client.base_url)).port
        assert port is not None
        event_id = "hung-up-1"
        body = json.dumps({"events": [make_event(event_id=event_id)]}).encode()
        head = b"POST /events/batch HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(head % len(body) + body[: len(body) // 2])
        assert client.get("/health").status_code == 200
        flush(client)
        assert event_id not in output_id_counts(out)

    def test_too_many_events_is_422_naming_the_limit(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, _ = server
        response = client.post("/events/batch", json={"events": [make_event()] * 51})
        assert response.status_code == 422
        assert "FABRIC_MAX_BATCH_EVENTS" in response.json()["detail"]

    def test_event_over_size_limit_is_rejected_naming_the_limit(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, _ = server
        fat = make_event(custom_properties={"pad": "y" * 5000})
        single = client.post("/events", json=fat)
        assert single.status_code == 422 and "FABRIC_MAX_EVENT_BYTES" in single.json()["detail"]
        batch = client.post("/events/batch", json={"events": [make_event(), fat]}).json()
        assert batch["events_accepted"] == 1
        assert "FABRIC_MAX_EVENT_BYTES" in batch["errors"][0]["error"]

    def test_client_event_id_makes_a_retry_idempotent(
        self, server: tuple[httpx.Client, Path]
    ) -> None:
        client, out = server
        event = make_event(event_id="retry-me-0001")
        for _ in range(3):
            response = client.post("/events", json=event)
            assert response.json()["event_id"] == "retry-me-0001"
        client.post("/events/batch", json={"events": [event, event]})
        flush(client)
        assert output_id_counts(out)["retry-me-0001"] == 1

    @pytest.mark.parametrize(
        "when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2025-13-45"]
    )
    def test_unusable_event_time_is_422(self, server: tuple[httpx.Client, Path], when: str) -> None:
        client, _ = server
        response = client.post("/events", json=make_event(event_time=when))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "event_time"

    def test_naive_event_time_is_taken_as_utc(self, server: tuple[httpx.Client, Path]) -> None:
        client, out = server
        event = make_event(event_time="2025-01-15T14:30:22", event_id="timed-0001")
        assert client.post("/events", json=event).status_code == 202
        flush(client)
        files = list(out.glob("product_viewed/year=2025/month=01/day=15/20250115_143022_*.jsonl"))
        assert files, "file not partitioned by event time"


class TestOperations:
    def test_health_ready_metrics(self, server: tuple[httpx.Client, Path]) -> None:
        client, _ = server
        assert client.get("/health").json()["status"] == "healthy"
        poll_until(lambda: client.get("/ready").status_code == 200, what="ready")
        client.post("/events", json=make_event("customer.query"))
        flush(client)

        def published() -> str | None:
            text = client.get("/metrics").text
            return text if "bt_events_sent_total{" in text else None

        text = poll_until(published, what="delivery metrics published by the drainer")
        assert 'bt_events_accepted_total{event_type="customer.query"}' in text
        assert "bt_flush_latency_seconds_bucket" in text
        assert "bt_spool_pending_bytes" in text and "bt_spool_oldest_pending_age_seconds" in text

    def test_not_found_is_problem_json(self, server: tuple[httpx.Client, Path]) -> None:
        client, _ = server
        response = client.get("/nope")
        assert response.status_code == 404
        assert response.json()["status"] == 404


class TestApiKey:
    @pytest.fixture(scope="class")
    def keyed(self, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
        tmp = tmp_path_factory.mktemp("keyed")
        settings = make_settings(
            tmp, api_key="first-key-123, second-key-456", cors_origins="https://shop.example"
        )
        with live_server(settings) as url, httpx.Client(base_url=url) as client:
            yield client

    def test_missing_key_is_401(self, keyed: httpx.Client) -> None:
        response = keyed.post("/events", json=make_event())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "ApiKey"

    def test_wrong_key_is_401(self, keyed: httpx.Client) -> None:
        for path in ("/events", "/events/batch", "/flush"):
            response = keyed.post(path, json=make_event(), headers={"X-API-Key": "first-key-12"})
            assert response.status_code == 401, path

    @pytest.mark.parametrize("key", ["first-key-123", "second-key-456"])
    def test_each_rotated_key_works(self, keyed: httpx.Client, key: str) -> None:
        response = keyed.post("/events", json=make_event(), headers={"X-API-Key": key})
        assert response.status_code == 202

    def test_browser_post_gets_cors_headers(self, keyed: httpx.Client) -> None:
        headers = {"Origin": "https://shop.example", "X-API-Key": "first-key-123"}
        bodies = {"/events": make_event(), "/events/batch": {"events": [make_event()]}}
        for path, body in bodies.items():
            response = keyed.post(path, json=body, headers=headers)
            assert response.status_code == 202, response.text
            assert response.headers.get("access-control-allow-origin") == "https://shop.example"
        refused = keyed.post(
            "/events", json=make_event(), headers={"Origin": "https://shop.example"}
        )
        assert refused.status_code == 401
        assert refused.headers.get("access-control-allow-origin") == "https://shop.example"

    def test_cors_allows_only_configured_origin(self, keyed: httpx.Client) -> None:
        preflight = {"Access-Control-Request-Method": "POST"}
        ok = keyed.options("/events", headers={"Origin": "https://shop.example", **preflight})
        assert ok.headers.get("access-control-allow-origin") == "https://shop.example"
        bad = keyed.options("/events", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in bad.headers


def test_cors_origins_reject_non_urls() -> None:
    with pytest.raises(ValueError, match="FABRIC_CORS_ORIGINS"):
        FabricSettings(cors_origins="shop.example")


@pytest.mark.parametrize("client_library", ["urllib", "httpx"])
def test_a_12_mb_batch_sent_in_one_request_gets_the_413_answer(
    tmp_path: Path, client_library: str
) -> None:
    """The service refuses the body unread, but the client must see the 413 problem body,
    not a connection reset; the service stays healthy for the next request."""
    pad = "x" * 60_000
    body = json.dumps(
        {"events": [make_event(custom_properties={"pad": pad}) for _ in range(200)]}
    ).encode()
    assert len(body) > 12_000_000
    with live_server(make_settings(tmp_path)) as url:
        if client_library == "urllib":
            request = urllib.request.Request(
                f"{url}/events/batch", data=body, headers={"Content-Type": "application/json"}
            )
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=30)
            status, problem = caught.value.code, json.loads(caught.value.read())
        else:
            response = httpx.post(f"{url}/events/batch", content=body, timeout=30)
            status, problem = response.status_code, response.json()
        assert status == 413
        assert problem["status"] == 413 and "FABRIC_MAX_BODY_BYTES" in problem["detail"]
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200


def test_a_too_large_body_announced_with_expect_100_continue_is_refused_before_it_is_sent(
    tmp_path: Path,
) -> None:
    """curl sends `Expect: 100-continue` with large bodies and waits: the 413 comes at once."""
    with live_server(make_settings(tmp_path)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(
                b"POST /events/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 12000000\r\nExpect: 100-continue\r\n\r\n"
            )
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += conn.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
