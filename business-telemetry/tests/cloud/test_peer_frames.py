"""The AMQP peer's frame completer: trailing fields completed, nothing else changed."""

from __future__ import annotations

import struct
from typing import Any

from amqp_frames import FrameCompleter, complete_performative
from proton import Data, symbol, ulong


def frame(body: bytes, channel: int = 0) -> bytes:
    return struct.pack(">IBBH", 8 + len(body), 2, 0, channel) + body


def decode_fields(body: bytes) -> list[Any]:
    codec = Data()
    codec.decode(body)
    codec.rewind()
    codec.next()
    described: Any = codec.get_object()
    assert isinstance(described.value, list)
    return described.value


def encode(value: object) -> bytes:
    codec = Data()
    codec.put_object(value)
    return codec.encode()


def performative(descriptor: int, fields: list[object]) -> bytes:
    codec = Data()
    codec.put_described()
    codec.enter()
    codec.put_ulong(ulong(descriptor))
    codec.put_list()
    codec.enter()
    for value in fields:
        codec.put_object(value)
    codec.exit()
    codec.exit()
    return codec.encode()


def test_open_is_completed_to_ten_fields_keeping_values() -> None:
    body = performative(0x10, ["container-1", "host"])
    fields = decode_fields(complete_performative(body))
    assert fields == ["container-1", "host"] + [None] * 8


def test_empty_list_close_gets_its_error_field() -> None:
    body = b"\x00\x53\x18\x45"  # close with list0
    assert decode_fields(complete_performative(body)) == [None]


def test_transfer_payload_follows_the_completed_list_untouched() -> None:
    payload = b"\x00\x53\x75\xa0\x03abc"
    body = performative(0x14, [ulong(0), ulong(1), b"tag"]) + payload
    completed = complete_performative(body)
    assert completed.endswith(payload)
    assert len(decode_fields(completed)) == 11


def test_detach_error_list_is_completed_too() -> None:
    error = Data()
    error.put_described()
    error.enter()
    error.put_ulong(ulong(0x1D))
    error.put_list()
    error.enter()
    error.put_symbol(symbol("amqp:not-found"))
    error.exit()
    error.exit()
    content = encode(ulong(3)) + encode(True) + error.encode()
    body = b"\x00\x53\x16" + bytes([0xC0, len(content) + 1, 3]) + content
    detach = decode_fields(complete_performative(body))
    assert detach[0] == 3 and detach[1] is True
    assert list(detach[2].value) == [symbol("amqp:not-found"), None, None]


def test_stream_split_anywhere_yields_the_same_frames() -> None:
    header = b"AMQP\x00\x01\x00\x00"
    stream = header + frame(performative(0x10, ["c"])) + frame(b"") + frame(b"\x00\x53\x18\x45")
    whole = FrameCompleter().feed(stream)
    pieces = FrameCompleter()
    split = b"".join(pieces.feed(stream[i : i + 3]) for i in range(0, len(stream), 3))
    assert split == whole
    assert whole.startswith(header)
    assert frame(b"") in whole  # heartbeats pass through
