"""Helpers of the aw-service tests: settings, internal tokens, a live service and its store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from services.aw_service.main import create_app
from shared.core.config import Settings, build_settings
from shared.core.internal_tokens import mint_internal_token
from tests.support.live_server import live_server, poll_until

Headers = dict[str, str]
Query = Callable[..., list[tuple[Any, ...]]]
"""Runs independent SQL on a DuckDB copy of a warehouse: `query(sql, *params) -> rows`."""

SECRET = "aw-test-secret-" + "k" * 40


def make_settings(postgres_url: str, warehouse_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "postgres_url": postgres_url,
        "demo_warehouse_dir": warehouse_dir,
        "internal_service_shared_secret": SECRET,
        "jobs_enabled": False,
    }
    values.update(overrides)
    return build_settings(**values)


def auth(
    settings: Settings, audience: str = "aw-service", subject: str = "alice"
) -> dict[str, str]:
    value = mint_internal_token(settings, audience=audience, subject=subject, scopes=["bi.read"])
    return {"Authorization": f"Bearer {value}"}


async def admin_sql(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@dataclass(frozen=True)
class LiveService:
    url: str
    settings: Settings
    postgres_url: str

    def get(self, path: str, *, headers: Any = None, **params: Any) -> httpx.Response:
        return httpx.get(
            f"{self.url}{path}",
            params=params,
            headers=auth(self.settings) if headers is None else headers,
            timeout=60,
        )

    def sql(self, statement: str, *args: Any) -> list[Any]:
        async def run() -> list[Any]:
            connection = await asyncpg.connect(self.postgres_url)
            try:
                return list(await connection.fetch(statement, *args))
            finally:
                await connection.close()

        # A thread of its own, so sync and async tests alike can call it.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run()).result()


@contextlib.contextmanager
def serve(settings: Settings, postgres_url: str) -> Iterator[LiveService]:
    with live_server(create_app(settings)) as url:
        poll_until(lambda: httpx.get(f"{url}/ready").status_code == 200, what="aw-service ready")
        yield LiveService(url, settings, postgres_url)
