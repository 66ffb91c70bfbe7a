"""OneLake sink: batches land in a Fabric Lakehouse through the Blob API (`azure-storage-blob`).

OneLake serves the same data over its ADLS (DFS) and Blob endpoints. We write through the Blob
API because it is the one with a local emulator (Azurite has no DFS endpoint), so the code that
runs in production is the code the tests run; one Put Blob also commits a whole file at once.
The container is the workspace (`FABRIC_ONELAKE_WORKSPACE_ID`), blobs are named by
`onelake_layout` (deterministic per batch, so a retried upload overwrites), and `delta` merges into
Delta tables (`onelake_delta`). Identity: `DefaultAzureCredential` (managed identity in Azure) or,
for an emulator or storage account, `FABRIC_ONELAKE_ACCOUNT_KEY`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import BlobServiceClient, ContainerClient
from deltalake.exceptions import DeltaError

from business_telemetry.sinks import onelake_delta, onelake_layout, parquet_schema
from business_telemetry.sinks.base import (
    Envelope,
    PermanentSinkError,
    RetryableSinkError,
    SinkError,
)
from business_telemetry.sinks.buffered import BaseSink, SinkType
from business_telemetry.sinks.onelake_credentials import StorageCredential, as_async_credential

if TYPE_CHECKING:
    from business_telemetry.config import FabricSettings

logger = logging.getLogger(__name__)

STORAGE_SCOPE = "https://storage.azure.com/.default"
PERMANENT_STATUS = frozenset({400, 401, 403, 404, 405, 411, 413, 414})
UPLOAD_CONCURRENCY = 4


def account_name_from_url(account_url: str) -> str:
    """`onelake` for https://onelake.blob.fabric.microsoft.com; the first path segment for a
    path-style URL on an IP or localhost (Azurite: http://127.0.0.1:10000/devstoreaccount1)."""
    parsed = urlparse(account_url)
    host = parsed.hostname or ""
    try:
        ipaddress.ip_address(host)
        path_style = True
    except ValueError:
        path_style = host == "localhost"
    if path_style:
        first = parsed.path.strip("/").split("/")[0]
        if not first:
            raise ValueError(f"FABRIC_ONELAKE_ACCOUNT_URL {account_url!r} lacks the account path")
        return first
    return host.split(".")[0]


def classify(exc: BaseException, what: str) -> SinkError:
    """Map an Azure / delta-rs failure to the sink protocol's retryable or permanent error."""
    if isinstance(exc, SinkError):
        return exc
    if isinstance(exc, ClientAuthenticationError | ResourceNotFoundError):
        return PermanentSinkError(f"OneLake refused {what}: {type(exc).__name__}: {exc.message}")
    if isinstance(exc, HttpResponseError) and exc.status_code in PERMANENT_STATUS:
        return PermanentSinkError(f"OneLake refused {what}: HTTP {exc.status_code} {exc.reason}")
    if isinstance(exc, HttpResponseError | ServiceRequestError | ServiceResponseError):
        return RetryableSinkError(f"OneLake {what} failed: {type(exc).__name__}: {exc.message}")
    if isinstance(exc, DeltaError | OSError):
        text = _ANSI.sub("", str(exc))
        if any(marker in text for marker in _REFUSED_MARKERS):
            return PermanentSinkError(f"OneLake refused {what}: {text}")
        return RetryableSinkError(f"OneLake {what} failed: {type(exc).__name__}: {text}")
    if type(exc).__name__ == "CredentialUnavailableError":
        return PermanentSinkError(f"no Azure identity for OneLake: {exc}")
    return RetryableSinkError(f"OneLake {what} failed: {type(exc).__name__}: {exc}")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What delta-rs (object_store) reports when retrying cannot help: identity or rights refused,
# or the workspace/container missing (a surfaced 404; expected 404s are handled inside).
_REFUSED_MARKERS = (
    "401 Unauthorized",
    "403 Forbidden",
    "404 Not Found",
    "lacked the necessary privileges",
    "AuthenticationFailed",
    "AuthorizationFailure",
    "ContainerNotFound",
)


class OneLakeSink(BaseSink):
    """Writes each batch to a Fabric Lakehouse as JSON lines, Parquet, or Delta table rows."""

    sink_type = SinkType.ONELAKE

    def __init__(
        self,
        account_name: str = "onelake",
        workspace_id: str | None = None,
        lakehouse_id: str | None = None,
        credential: Any = None,
        base_path: str | None = onelake_layout.DEFAULT_BASE_PATH,
        output_format: str = "jsonl",
        batch_size: int = 100,
        flush_interval_seconds: float = 5.0,
        *,
        account_url: str | None = None,
        account_key: str | None = None,
        managed_identity_client_id: str | None = None,
        name: str = "onelake",
        **buffer_options: Any,
    ) -> None:
        super().__init__(
            batch_size=batch_size, flush_interval_seconds=flush_interval_seconds, **buffer_options
        )
        if not workspace_id or not lakehouse_id:
            raise ValueError(
                "OneLake sink needs FABRIC_ONELAKE_WORKSPACE_ID and FABRIC_ONELAKE_LAKEHOUSE_ID"
            )
        if output_format not in onelake_layout.OUTPUT_FORMATS:
            raise ValueError(
                f"FABRIC_ONELAKE_OUTPUT_FORMAT must be one of "
                f"{', '.join(onelake_layout.OUTPUT_FORMATS)}; got {output_format!r}"
            )
        self.name = name
        self.account_url = account_url or f"https://{account_name}.blob.fabric.microsoft.com"
        self.account_name = account_name_from_url(self.account_url) if account_url else account_name
        self.workspace_id = workspace_id
        self.lakehouse_id = onelake_layout.checked_segment(
            lakehouse_id, "FABRIC_ONELAKE_LAKEHOUSE_ID"
        )
        self.base_path = onelake_layout.normalise_base_path(base_path)
        self.output_format = output_format
        self._account_key = account_key
        self._given_credential = credential
        self._managed_identity_client_id = managed_identity_client_id
        self._credential: StorageCredential | None = None
        self._owns_credential = False
        self._service: BlobServiceClient | None = None
        self._container: ContainerClient | None = None

    @classmethod
    def from_settings(cls, settings: FabricSettings) -> OneLakeSink:
        """Build from `FABRIC_ONELAKE_*`; raises ValueError naming what is missing or wrong."""
        key = settings.onelake_account_key
        return cls(
            workspace_id=settings.onelake_workspace_id,
            lakehouse_id=settings.onelake_lakehouse_id,
            base_path=settings.onelake_base_path,
            output_format=settings.onelake_output_format,
            account_url=settings.onelake_account_url,
            account_key=None if key is None else key.get_secret_value(),
            batch_size=settings.batch_size,
            flush_interval_seconds=settings.flush_interval_seconds,
            managed_identity_client_id=settings.azure_client_id,
        )

    @property
    def container_name(self) -> str:
        return self.workspace_id

    async def open(self) -> None:
        """Connect and list one blob under the Lakehouse: proves identity, workspace and path."""
        if self._container is not None:
            return
        credential: Any
        if self._account_key is not None:
            credential = AzureNamedKeyCredential(self.account_name, self._account_key)
        else:
            self._credential, self._owns_credential = as_async_credential(
                self._given_credential, self._managed_identity_client_id
            )
            credential = self._credential
        # retry_total=0: the drainer owns retries and back-off (the SDK default waits 15 s+).
        self._service = BlobServiceClient(
            self.account_url,
            credential=credential,
            retry_total=0,
            connection_timeout=10,
            read_timeout=60,
        )
        self._container = self._service.get_container_client(self.container_name)
        try:
            pages = self._container.list_blobs(
                name_starts_with=f"{self.lakehouse_id}/", results_per_page=1
            ).by_page()
            async for page in pages:
                async for _ in page:
                    break
                break
        except Exception as exc:
            await self.close()
            raise classify(exc, f"workspace {self.workspace_id!r}") from exc

    async def write(self, batch: Sequence[Envelope]) -> None:
        """Write the whole batch or raise; poison events are named before anything is written."""
        if not batch:
            return
        delta = self.output_format == "delta"
        groups, poison = onelake_layout.group_batch(batch, by_day=not delta)
        if poison:
            raise PermanentSinkError("event_type or event_time unfit for a Lakehouse path", poison)
        await self.open()
        try:
            if delta:
                await self._merge_tables(groups)
            else:
                await self._upload_files(groups)
        except Exception as exc:
            raise classify(exc, "write") from exc

    async def _upload_files(self, groups: list[onelake_layout.Group]) -> None:
        container = self._container
        assert container is not None
        limit = asyncio.Semaphore(UPLOAD_CONCURRENCY)
        extension = self.output_format
        settings = ContentSettings(content_type=onelake_layout.CONTENT_TYPES[extension])

        async def upload(group: onelake_layout.Group) -> None:
            name = onelake_layout.blob_name(self.lakehouse_id, self.base_path, group, extension)
            if extension == "parquet":
                payload = await asyncio.to_thread(onelake_layout.encode_parquet, group)
            else:
                payload = onelake_layout.encode_jsonl(group)
            async with limit:
                # One Put Blob (or a block list committed at once): never a partial file.
                await container.upload_blob(
                    name, payload, overwrite=True, content_settings=settings
                )

        await asyncio.gather(*(upload(g) for g in groups))

    async def _merge_tables(self, groups: list[onelake_layout.Group]) -> None:
        """One merge per event type's table, tables in parallel (no two touch the same log)."""
        options = await self.delta_storage_options()

        async def merge(group: onelake_layout.Group) -> None:
            table = parquet_schema.to_table(group.event_type, group.events)
            uri = self.table_uri(group.segment)
            try:
                await asyncio.to_thread(onelake_delta.merge_batch, uri, table, options)
            except Exception as exc:
                raise classify(exc, f"Delta table {group.segment}") from exc

        results = await asyncio.gather(*(merge(g) for g in groups), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    def table_uri(self, segment: str) -> str:
        path = onelake_layout.table_path(self.lakehouse_id, segment)
        return onelake_delta.table_uri(self.container_name, path)

    async def delta_storage_options(self) -> dict[str, str]:
        """delta-rs options for this account: the key, or a fresh token from our credential."""
        token = None
        if self._account_key is None:
            await self.open()
            assert self._credential is not None
            token = (await self._credential.get_token(STORAGE_SCOPE)).token
        return onelake_delta.storage_options(
            account_name=self.account_name,
            account_url=self.account_url,
            account_key=self._account_key,
            bearer_token=token,
        )

    async def close(self) -> None:
        service, self._service, self._container = self._service, None, None
        if service is not None:
            await service.close()
        credential, self._credential = self._credential, None
        if credential is not None and self._owns_credential:
            await credential.close()
