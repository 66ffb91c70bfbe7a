"""The sinks' Azure identity: caller's async credential, wrapped sync one, or the default chain."""

from __future__ import annotations

import time
from typing import Any, cast

from azure.core.credentials import AccessToken
from azure.identity.aio import DefaultAzureCredential

from business_telemetry.sinks.onelake_credentials import as_async_credential


class SyncCredential:
    """A sync `TokenCredential`, as the original SDK's callers passed."""

    def __init__(self) -> None:
        self.requested: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requested.append(scopes)
        return AccessToken("sync-token", int(time.time()) + 3600)


class AsyncCredential:
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("async-token", int(time.time()) + 3600)

    async def close(self) -> None:
        return None


async def test_sync_credential_is_wrapped_for_the_async_clients() -> None:
    given = SyncCredential()
    credential, owned = as_async_credential(given)
    token = await credential.get_token("https://storage.azure.com/.default")
    assert token.token == "sync-token" and owned
    assert given.requested == [("https://storage.azure.com/.default",)]
    await credential.close()


async def test_async_credential_is_used_as_is_and_left_open() -> None:
    given = AsyncCredential()
    credential, owned = as_async_credential(given)
    assert credential is cast(object, given) and not owned


async def test_no_credential_means_the_default_chain_pinned_to_the_client_id() -> None:
    credential, owned = as_async_credential(None, "11111111-2222-3333-4444-555555555555")
    assert isinstance(credential, DefaultAzureCredential) and owned
    await credential.close()
