"""The Azure identity a cloud sink uses: the caller's credential, or `DefaultAzureCredential`.

The async Azure clients need an async credential. Callers of the original SDK passed a sync one
(`azure.identity.DefaultAzureCredential()`), so a sync credential is wrapped: its blocking
`get_token` runs in a worker thread. With no credential, `DefaultAzureCredential` from
`azure.identity.aio` is created (managed identity in Azure, the developer's login locally),
optionally pinned to a user-assigned identity (`AZURE_CLIENT_ID`).
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, cast

from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential

StorageCredential = AsyncTokenCredential


class _SyncCredentialAdapter:
    """Async face of a sync `TokenCredential` (blocking calls moved to a thread)."""

    def __init__(self, credential: Any) -> None:
        self._credential = credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token: AccessToken = await asyncio.to_thread(self._credential.get_token, *scopes, **kwargs)
        return token

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> _SyncCredentialAdapter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


def as_async_credential(
    credential: Any, managed_identity_client_id: str | None = None
) -> tuple[StorageCredential, bool]:
    """The credential to hand to async clients, and whether we created it (and must close it)."""
    if credential is None:
        from azure.identity.aio import DefaultAzureCredential

        default = DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)
        return default, True
    if inspect.iscoroutinefunction(getattr(credential, "get_token", None)):
        return cast(AsyncTokenCredential, credential), False
    return cast(AsyncTokenCredential, _SyncCredentialAdapter(credential)), True
