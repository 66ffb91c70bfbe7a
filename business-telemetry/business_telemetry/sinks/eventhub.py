"""Event Hubs sink: each batch goes out through the `azure-eventhub` async producer.

The partition key is `session_id`, else `user_id`, else none, so one session's events stay in
order on one partition. As in the SDK's buffered mode, keyed events are grouped by the partition
their key hashes to (`eventhub_partitions`), keep their key, and partitions are sent in parallel;
batches come from `create_batch`, so no message exceeds the hub's size limit. Each event is its
JSON row as the body (`application/json`), with `event_id` as the AMQP message-id and
`event_type`, `event_source`, `environment`, `schema_version` as application properties, so an
Eventstream can route without parsing. Throttling, connection loss and timeouts raise
`RetryableSinkError`; refused credentials and a missing hub raise `PermanentSinkError` (the
drainer reports them and keeps the events). Delivery is at-least-once: a batch retried after a
lost acknowledgement may arrive twice, with the same `event_id`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from azure.eventhub import EventData, EventDataBatch, TransportType
from azure.eventhub.aio import EventHubProducerClient
from azure.eventhub.exceptions import AuthenticationError, EventHubError

from business_telemetry.sinks.base import (
    Envelope,
    PermanentSinkError,
    RetryableSinkError,
    SinkError,
)
from business_telemetry.sinks.buffered import BaseSink, SinkType
from business_telemetry.sinks.eventhub_partitions import annotate_partition_key, partition_for_key
from business_telemetry.sinks.onelake_credentials import StorageCredential, as_async_credential

if TYPE_CHECKING:
    from business_telemetry.config import FabricSettings

logger = logging.getLogger(__name__)

ROUTING_PROPERTIES = ("event_type", "event_source", "environment", "schema_version")
CONTENT_TYPE = "application/json"
# AMQP error conditions (after "amqp:" / "com.microsoft:") that retrying cannot fix.
PERMANENT_CONDITIONS = frozenset(
    {"unauthorized-access", "not-found", "entity-disabled", "argument-error", "not-allowed"}
)


def partition_key(event: Envelope) -> str | None:
    """`session_id`, else `user_id`, else None (the hub spreads keyless events)."""
    for name in ("session_id", "user_id"):
        value = event.get(name)
        if value:
            return str(value)
    return None


def to_event_data(event: Envelope) -> EventData:
    """The AMQP message for one event: JSON body, routing properties, message-id = event_id."""
    data = EventData(orjson.dumps(dict(event)))
    data.content_type = CONTENT_TYPE
    data.message_id = str(event.get("event_id", ""))
    correlation = event.get("correlation_id")
    if correlation:
        data.correlation_id = str(correlation)
    data.properties = {
        name: str(event[name]) for name in ROUTING_PROPERTIES if event.get(name) is not None
    }
    return data


def classify(exc: BaseException, hub: str) -> SinkError:
    """Map an `azure-eventhub` failure to the sink protocol's retryable / permanent error."""
    if isinstance(exc, SinkError):
        return exc
    if isinstance(exc, AuthenticationError):
        return PermanentSinkError(f"Event Hubs refused our credentials for {hub!r}: {exc.message}")
    if isinstance(exc, EventHubError):
        condition = (exc.error or "").rsplit(":", 1)[-1]
        if condition in PERMANENT_CONDITIONS:
            return PermanentSinkError(f"Event Hubs {condition} for {hub!r}: {exc.message}")
        return RetryableSinkError(f"Event Hubs send to {hub!r} failed: {exc.message}")
    if type(exc).__name__ == "CredentialUnavailableError":
        return PermanentSinkError(f"no Azure identity for Event Hubs: {exc}")
    return RetryableSinkError(f"Event Hubs send to {hub!r} failed: {type(exc).__name__}: {exc}")


class EventHubSink(BaseSink):
    """Sends events to one event hub, by connection string or by namespace + Azure identity."""

    sink_type = SinkType.EVENT_HUB

    def __init__(
        self,
        connection_string: str | None = None,
        event_hub_name: str | None = None,
        fully_qualified_namespace: str | None = None,
        credential: Any = None,
        batch_size: int = 100,
        flush_interval_seconds: float = 5.0,
        use_websockets: bool = False,
        *,
        managed_identity_client_id: str | None = None,
        send_timeout_seconds: float = 30.0,
        name: str = "eventhub",
        **buffer_options: Any,
    ) -> None:
        super().__init__(
            batch_size=batch_size, flush_interval_seconds=flush_interval_seconds, **buffer_options
        )
        if not connection_string and not fully_qualified_namespace:
            raise ValueError(
                "Event Hub sink needs FABRIC_EVENT_HUB_CONNECTION_STRING or "
                "FABRIC_EVENT_HUB_NAMESPACE (managed identity)"
            )
        if not connection_string and not event_hub_name:
            raise ValueError("FABRIC_EVENT_HUB_NAME is required with FABRIC_EVENT_HUB_NAMESPACE")
        self.name = name
        self._connection_string = connection_string
        self.event_hub_name = event_hub_name
        self.fully_qualified_namespace = fully_qualified_namespace
        self.use_websockets = use_websockets
        self.send_timeout = send_timeout_seconds
        self._given_credential = credential
        self._managed_identity_client_id = managed_identity_client_id
        self._credential: StorageCredential | None = None
        self._owns_credential = False
        self._client: EventHubProducerClient | None = None
        self._partition_ids: list[str] = []

    @classmethod
    def from_settings(cls, settings: FabricSettings) -> EventHubSink:
        """Build from `FABRIC_EVENT_HUB_*`; raises ValueError naming what is missing."""
        secret = settings.event_hub_connection_string
        return cls(
            connection_string=None if secret is None else secret.get_secret_value(),
            event_hub_name=settings.event_hub_name,
            fully_qualified_namespace=settings.event_hub_namespace,
            use_websockets=settings.event_hub_use_websockets,
            batch_size=settings.batch_size,
            flush_interval_seconds=settings.flush_interval_seconds,
            managed_identity_client_id=settings.azure_client_id,
        )

    @property
    def hub(self) -> str:
        return self.event_hub_name or "(from connection string)"

    def _create_client(self) -> EventHubProducerClient:
        options: dict[str, Any] = {
            # The drainer owns retries and back-off; the SDK's own retry would sleep first.
            "retry_total": 0,
            "retry_backoff_factor": 0.1,
            "transport_type": (
                TransportType.AmqpOverWebsocket if self.use_websockets else TransportType.Amqp
            ),
        }
        if self._connection_string:
            if self.event_hub_name:
                options["eventhub_name"] = self.event_hub_name
            return EventHubProducerClient.from_connection_string(self._connection_string, **options)
        self._credential, self._owns_credential = as_async_credential(
            self._given_credential, self._managed_identity_client_id
        )
        assert self.fully_qualified_namespace is not None and self.event_hub_name is not None
        return EventHubProducerClient(
            self.fully_qualified_namespace, self.event_hub_name, self._credential, **options
        )

    async def open(self) -> None:
        """Connect and read the hub's partitions: proves the credentials and that the hub exists."""
        if self._client is not None:
            return
        try:
            self._client = self._create_client()
            # Bounded: a silent peer must not hold the drainer for the SDK's 60 s auth timeout.
            async with asyncio.timeout(self.send_timeout):
                self._partition_ids = list(await self._client.get_partition_ids())
        except ValueError as exc:  # malformed connection string: no retry can fix it
            await self.close()
            raise PermanentSinkError(f"Event Hub connection settings invalid: {exc}") from exc
        except Exception as exc:
            await self.close()
            raise classify(exc, self.hub) from exc

    async def write(self, batch: Sequence[Envelope]) -> None:
        """Send every event or raise. Events too large on their own are named before any send."""
        if not batch:
            return
        await self.open()
        client = self._client
        assert client is not None
        try:
            lanes, too_large = await self._pack(client, batch)
            if too_large:
                raise PermanentSinkError(
                    "event larger than the hub's maximum message size", too_large
                )
            # Partitions in parallel, each lane's batches in order; wait for every lane so no
            # send is left running when we report.
            results = await asyncio.gather(
                *(self._send_lane(client, lane) for lane in lanes), return_exceptions=True
            )
            failures = [r for r in results if isinstance(r, BaseException)]
            if failures:
                raise failures[0]
        except PermanentSinkError:
            raise
        except Exception as exc:
            error = classify(exc, self.hub)
            # Start the next attempt on a fresh connection rather than a half-broken one.
            await self.close()
            raise error from exc

    async def _send_lane(self, client: EventHubProducerClient, lane: list[EventDataBatch]) -> None:
        for packed in lane:
            await client.send_batch(packed, timeout=self.send_timeout)

    def _lane_of(self, event: Envelope) -> tuple[str | None, str | None]:
        """(partition id, partition key) to send `event` with; at most one is set."""
        key = partition_key(event)
        if key is None:
            return None, None
        partition = partition_for_key(key, self._partition_ids)
        return (partition, None) if partition is not None else (None, key)

    async def _pack(
        self, client: EventHubProducerClient, batch: Sequence[Envelope]
    ) -> tuple[list[list[EventDataBatch]], list[str]]:
        """Lanes of batches (one lane per partition, or per key as a fallback), in event order,
        each batch within the hub's size limit; also the ids of events too large on their own."""
        lanes: dict[tuple[str | None, str | None], list[Envelope]] = {}
        for event in batch:
            lanes.setdefault(self._lane_of(event), []).append(event)
        packed: list[list[EventDataBatch]] = []
        too_large: list[str] = []
        for (partition, key), events in lanes.items():
            lane: list[EventDataBatch] = []
            current = await client.create_batch(partition_id=partition, partition_key=key)
            for event in events:
                data = to_event_data(event)
                event_key = partition_key(event)
                if partition is not None and event_key is not None:
                    annotate_partition_key(data, event_key)
                try:
                    current.add(data)
                    continue
                except ValueError:
                    pass
                if len(current) > 0:
                    lane.append(current)
                    current = await client.create_batch(partition_id=partition, partition_key=key)
                    try:
                        current.add(data)
                        continue
                    except ValueError:
                        pass
                too_large.append(str(event.get("event_id", "")))
            if len(current) > 0:
                lane.append(current)
            packed.append(lane)
        return packed, too_large

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception as exc:  # closing a broken connection must not mask the cause
                logger.debug("%s sink: close failed: %s", self.name, exc)
        credential, self._credential = self._credential, None
        if credential is not None and self._owns_credential:
            await credential.close()
