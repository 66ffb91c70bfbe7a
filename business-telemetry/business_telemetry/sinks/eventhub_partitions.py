"""Which partition a partition key lands on, computed locally as Event Hubs computes it.

Sending one batch per partition key costs one round trip per session in the batch. The SDK's
buffered mode avoids that: it hashes the key with the service's algorithm, sends one batch per
*partition* (with the key still on every event), and sends partitions in parallel. We do the same
with the SDK's own hash. It lives in a private SDK module, so if a future SDK moves it,
`partition_for_key` returns None and the sink falls back to one batch per key (still correct,
only slower).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

_generate_hash_code: Callable[[str], int] | None
try:
    from azure.eventhub._buffered_producer._partition_resolver import (
        generate_hash_code as _generate_hash_code,
    )
except ImportError:  # pragma: no cover - depends on the installed SDK
    _generate_hash_code = None

PARTITION_KEY_ANNOTATION = b"x-opt-partition-key"


def partition_for_key(key: str, partition_ids: Sequence[str]) -> str | None:
    """The partition the service would pick for `key`, or None if we cannot tell."""
    if _generate_hash_code is None or not partition_ids:
        return None
    return partition_ids[abs(_generate_hash_code(key) % len(partition_ids))]


def annotate_partition_key(data: Any, key: str) -> None:
    """Keep the key on an event sent to an explicit partition (consumers still see it)."""
    message = data.raw_amqp_message
    annotations = message.annotations
    if annotations is None:
        message.annotations = annotations = {}
    annotations[PARTITION_KEY_ANNOTATION] = key
