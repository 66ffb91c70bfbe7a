"""What the Event Hubs peer records: the events of a hub transfer, and CBS token requests.

The SDK sends a batch as one message whose data sections each hold one encoded event message
(format 0x80013700), so a transfer is split section by section and each event decoded on its own,
keeping its body, partition key annotation, application properties and content type. Values that
proton decodes as memoryviews point into buffers it reuses, so they are copied at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from proton import Data, Message, symbol

DATA_SECTION = 0x75
BATCH_PREFIX = b"\x00\x53"


@dataclass(frozen=True)
class ReceivedEvent:
    """One event as the hub received it."""

    body: bytes
    partition_key: str | None
    application_properties: dict[str, Any]
    content_type: str | None
    target: str

    def json(self) -> dict[str, Any]:
        """The body parsed as JSON (the sink sends UTF-8 JSON objects)."""
        parsed = json.loads(self.body)
        assert isinstance(parsed, dict)
        return parsed


@dataclass
class TokenRequest:
    audience: str
    token_type: str
    accepted: bool


def _decode_sections(data: bytes) -> list[tuple[int, Any]]:
    """Split an encoded message into (descriptor, value) sections; values are copied out."""
    sections: list[tuple[int, Any]] = []
    pos = 0
    while pos < len(data):
        codec = Data()
        pos += codec.decode(data[pos:])
        codec.rewind()
        codec.next()
        described: Any = codec.get_object()
        value = described.value
        if isinstance(value, memoryview):
            value = bytes(value)  # copy at once: a view into a buffer proton reuses
        sections.append((int(described.descriptor), value))
    return sections


def _event_from_message(encoded: bytes, target: str) -> ReceivedEvent:
    message = Message()
    message.decode(encoded)
    annotations: dict[Any, Any] = message.annotations or {}
    partition_key = annotations.get(symbol("x-opt-partition-key"))
    body: Any = message.body
    properties: dict[Any, Any] = dict(message.properties or {})
    if isinstance(body, memoryview | bytearray):
        body = bytes(body)
    if isinstance(body, str):
        body = body.encode()
    return ReceivedEvent(
        body=bytes(body),
        partition_key=None if partition_key is None else str(partition_key),
        application_properties={str(k): v for k, v in properties.items()},
        content_type=None if message.content_type is None else str(message.content_type),
        target=target,
    )


def split_events(encoded: bytes, target: str) -> list[ReceivedEvent]:
    """Events of one hub transfer: a batch message holds one data section per encoded event."""
    sections = _decode_sections(encoded)
    datas = [value for descriptor, value in sections if descriptor == DATA_SECTION]
    if datas and all(d.startswith(BATCH_PREFIX) for d in datas):
        return [_event_from_message(d, target) for d in datas]
    return [_event_from_message(encoded, target)]
