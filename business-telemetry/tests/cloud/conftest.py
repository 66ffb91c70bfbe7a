"""Fixtures for the cloud sink tests: the real local peers and real events.

The peers (`tests/peers`) are plain modules, put on `sys.path` here: the AMQP 1.0 Event Hubs
peer (module-scoped, one thread) and Azurite (one process for the session; each test gets its own
workspace container). Events are built by the service's own `BaseEvent`, so the sinks see exactly
the flat rows the service hands them.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

PEERS_DIR = Path(__file__).resolve().parents[1] / "peers"
if str(PEERS_DIR) not in sys.path:
    sys.path.insert(0, str(PEERS_DIR))

from azure.storage.blob import BlobServiceClient  # noqa: E402
from azurite import ACCOUNT_KEY, ACCOUNT_NAME, Azurite  # noqa: E402
from eventhub_peer import EventHubPeer  # noqa: E402

from business_telemetry.events.envelope import BaseEvent  # noqa: E402

EventFactory = Callable[..., dict[str, Any]]
BASE_TIME = datetime(2025, 1, 15, 14, 30, 22, 123456, tzinfo=UTC)

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "product.viewed": {
        "product_id": "prod-1",
        "product_name": "Widget",
        "category": "tools",
        "price": 29.99,
    },
    "order.placed": {
        "order_id": "ord-1",
        "items": [{"product_id": "prod-1", "quantity": 2}],
        "total": 59.98,
        "customer_name": "Ada",
    },
    "ai.recommendation": {"model_name": "gpt-4o", "input_tokens": 120, "output_tokens": 30},
    "product.searched": {
        "search_query": "blue widget",
        "results_count": 2,
        "product_ids": ["p1", "p2"],
    },
    "customer.session_started": {"session_id": "sess-x", "user_id": "user-x"},
}


@pytest.fixture
def make_event() -> EventFactory:
    """`make_event(event_type=..., minutes=..., **envelope)`: a flat row from `BaseEvent`."""
    counter = iter(range(1_000_000))

    def factory(
        event_type: str = "product.viewed",
        *,
        minutes: float = 0.0,
        data: dict[str, Any] | None = None,
        **envelope: Any,
    ) -> dict[str, Any]:
        n = next(counter)
        payload = dict(SAMPLE_DATA.get(event_type, {})) if data is None else data
        event = BaseEvent(
            event_type=event_type,
            event_time=BASE_TIME + timedelta(minutes=minutes, seconds=n),
            event_source="customer-agent",
            environment="test",
            data=payload,
            custom_properties={"n": n},
            **envelope,
        )
        return event.to_dict()

    return factory


@pytest.fixture(scope="module")
def eventhub_peer() -> Iterator[EventHubPeer]:
    with EventHubPeer(hub_name="business-telemetry") as peer:
        yield peer


@pytest.fixture
def hub(eventhub_peer: EventHubPeer) -> Iterator[EventHubPeer]:
    """The module's peer, emptied and healthy for this test."""
    eventhub_peer.clear()
    eventhub_peer.refuse_tokens = False
    eventhub_peer.drop_connection_on_next_transfers(0)
    yield eventhub_peer
    eventhub_peer.refuse_tokens = False


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    with Azurite(tmp_path_factory.mktemp("azurite")) as emulator:
        yield emulator


@pytest.fixture
def blob_service(azurite: Azurite) -> Iterator[BlobServiceClient]:
    service = BlobServiceClient(
        azurite.account_url,
        credential={"account_name": ACCOUNT_NAME, "account_key": ACCOUNT_KEY},
    )
    yield service
    service.close()


@pytest.fixture
def workspace(blob_service: BlobServiceClient) -> str:
    """A fresh workspace (container) named like a Fabric workspace GUID."""
    name = str(uuid.uuid4())
    blob_service.create_container(name)
    return name
