"""`/api/audit` and `/api/audit/verify` on a real PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.core.audit import AuditEntry, write_audit
from shared.db.postgres import create_session_factory
from tests.backend.gateway.helpers import Gateway
from tests.support.live_server import poll_until


def _seed(gateway: Gateway, domains: list[str]) -> None:
    async def insert() -> None:
        engine = create_async_engine(gateway.settings.postgres_async_url() or "")
        sessions = create_session_factory(engine)
        try:
            for index, domain in enumerate(domains):
                entry = AuditEntry(
                    domain=domain,
                    action=f"test.{index}",
                    actor="seed",
                    outcome="success",
                    parameters={"index": index},
                )
                assert await write_audit(sessions, entry)
        finally:
            await engine.dispose()

    poll_until(lambda: gateway.app.state.schema_ready, timeout=30, what="gateway schema")
    asyncio.run(insert())


def _tamper(gateway: Gateway, action: str) -> int:
    async def update() -> int:
        engine = create_async_engine(gateway.settings.postgres_async_url() or "")
        try:
            async with engine.begin() as connection:
                # A superuser can bypass the immutability triggers; the chain still shows it.
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
                result = await connection.execute(
                    text("UPDATE audit_log SET actor = 'mallory' WHERE action = :a RETURNING id"),
                    {"a": action},
                )
                return int(result.scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(update())


def test_audit_lists_newest_first_filtered_and_paged(gateway: Gateway) -> None:
    _seed(gateway, ["aw", "wwi", "aw", "aw", "wwi"])
    rows = httpx.get(f"{gateway.url}/api/audit", params={"domain": "aw"}).json()
    assert [row["action"] for row in rows["items"]] == ["test.3", "test.2", "test.0"]
    assert {row["domain"] for row in rows["items"]} == {"aw"}
    assert rows["domain"] == "aw"
    page = httpx.get(f"{gateway.url}/api/audit", params={"domain": "aw", "limit": 1, "offset": 1})
    assert [row["action"] for row in page.json()["items"]] == ["test.2"]
    assert page.json()["limit"] == 1 and page.json()["offset"] == 1
    everything = httpx.get(f"{gateway.url}/api/audit").json()["items"]
    domains = [row["domain"] for row in everything]
    assert domains.count("aw") == 3 and domains.count("wwi") == 2
    assert "gateway" in domains  # the earlier reads of the audit log are audited too
    ids = [row["id"] for row in everything]
    assert ids == sorted(ids, reverse=True)
    assert all(len(row["row_hash"]) == 64 for row in everything)


def test_audit_read_is_itself_audited(gateway: Gateway) -> None:
    _seed(gateway, ["aw"])
    httpx.get(f"{gateway.url}/api/audit", params={"domain": "wwi", "limit": 7})
    rows = httpx.get(f"{gateway.url}/api/audit", params={"limit": 1}).json()["items"]
    assert rows[0]["domain"] == "gateway"
    assert rows[0]["action"] == "audit.read"
    assert rows[0]["parameters"] == {"domain": "wwi", "limit": 7, "offset": 0}
    assert rows[0]["actor"] == "anonymous"


def test_bad_audit_parameters_are_422_naming_the_field(gateway: Gateway) -> None:
    for params, field in (
        ({"domain": "hr"}, "domain"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        response = httpx.get(f"{gateway.url}/api/audit", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field


def test_verify_passes_then_finds_the_altered_row(gateway: Gateway) -> None:
    _seed(gateway, ["aw", "wwi", "aw", "wwi", "aw", "wwi"])
    report = httpx.get(f"{gateway.url}/api/audit/verify").json()
    assert report["ok"] is True
    assert report["rows_checked"] >= 6
    assert report["first_broken_id"] is None
    altered = _tamper(gateway, "test.3")
    broken = httpx.get(f"{gateway.url}/api/audit/verify").json()
    assert broken["ok"] is False
    assert broken["first_broken_id"] == altered
    assert "content" in broken["reason"]


def test_audit_is_503_when_postgres_is_unreachable(gateway: Gateway) -> None:
    poll_until(lambda: gateway.app.state.schema_ready, timeout=30, what="gateway schema")

    url = gateway.settings.postgres_async_url()
    assert url is not None
    # Point the gateway's sessions at a port where nothing listens.
    broken = create_async_engine(url.set(port=1), connect_args={"timeout": 2})
    gateway.app.state.sessions = create_session_factory(broken)
    response = httpx.get(f"{gateway.url}/api/audit", timeout=15)
    assert response.status_code == 503
    assert response.json()["dependency"] == "postgres"
    assert "Retry-After" in response.headers
