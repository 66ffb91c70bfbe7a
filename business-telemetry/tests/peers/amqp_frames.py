"""Completes the AMQP 1.0 frames that proton writes so strict peers can decode them.

Proton's engine omits trailing null fields of a performative (the spec allows it), but the
`azure-eventhub` 5.15 pure-Python decoder indexes performative fields by position (`frame[9]`,
`frame[13]`, the transfer payload appended after field 10) and fails on a shortened list. This
module sits between the peer's proton transport and its socket, parses the outgoing byte stream
frame by frame and re-encodes each performative list with every field present (nulls appended),
including the `error` list inside detach/end/close. Nothing else is changed: payloads, channel
numbers and all values are passed through byte for byte, so the SDK under test runs unpatched.
"""

from __future__ import annotations

import struct

# Full field count of each performative, by its numeric descriptor (AMQP 1.0 part 2 and 5.3).
FULL_FIELD_COUNTS: dict[int, int] = {
    0x10: 10,  # open
    0x11: 8,  # begin
    0x12: 14,  # attach
    0x13: 11,  # flow
    0x14: 11,  # transfer
    0x15: 6,  # disposition
    0x16: 3,  # detach
    0x17: 1,  # end
    0x18: 1,  # close
    0x40: 1,  # sasl-mechanisms
    0x41: 3,  # sasl-init
    0x42: 1,  # sasl-challenge
    0x43: 1,  # sasl-response
    0x44: 2,  # sasl-outcome
}
ERROR_DESCRIPTOR = 0x1D
ERROR_FIELD_COUNT = 3
# Index of the `error` field inside the performatives that carry one.
ERROR_FIELD_INDEX: dict[int, int] = {0x16: 2, 0x17: 0, 0x18: 0}
NULL = b"\x40"
PROTOCOL_HEADER_LENGTH = 8


def _skip_value(buf: bytes, pos: int) -> int:
    """Return the offset just past the AMQP-encoded value starting at `pos`."""
    code = buf[pos]
    pos += 1
    if code == 0x00:  # described: descriptor then value
        return _skip_value(buf, _skip_value(buf, pos))
    category = code & 0xF0
    fixed = {0x40: 0, 0x50: 1, 0x60: 2, 0x70: 4, 0x80: 8, 0x90: 16}
    if category in fixed:
        return pos + fixed[category]
    if category in (0xA0, 0xC0, 0xE0):
        return pos + 1 + buf[pos]
    if category in (0xB0, 0xD0, 0xF0):
        return pos + 4 + int(struct.unpack_from(">I", buf, pos)[0])
    raise ValueError(f"unknown AMQP type constructor 0x{code:02x}")


def _list_fields(buf: bytes, pos: int) -> tuple[list[bytes], int]:
    """Split the list encoded at `pos` into its encoded elements; return them and the end."""
    code = buf[pos]
    if code == 0x45:
        return [], pos + 1
    if code == 0xC0:
        size, count, start = buf[pos + 1], buf[pos + 2], pos + 3
        end = pos + 2 + size
    elif code == 0xD0:
        size, count = struct.unpack_from(">II", buf, pos + 1)
        start, end = pos + 9, pos + 5 + size
    else:
        raise ValueError(f"expected a list constructor, got 0x{code:02x}")
    fields: list[bytes] = []
    cursor = start
    for _ in range(count):
        nxt = _skip_value(buf, cursor)
        fields.append(buf[cursor:nxt])
        cursor = nxt
    return fields, end


def _encode_list(fields: list[bytes]) -> bytes:
    content = b"".join(fields)
    if len(content) + 1 <= 0xFF and len(fields) <= 0xFF:
        return bytes([0xC0, len(content) + 1, len(fields)]) + content
    return b"\xd0" + struct.pack(">II", len(content) + 4, len(fields)) + content


def _descriptor(buf: bytes, pos: int) -> tuple[int | None, int]:
    """Numeric descriptor of the described value at `pos` (None if not numeric) and list start."""
    if buf[pos] != 0x00:
        return None, pos
    if buf[pos + 1] == 0x53:
        return buf[pos + 2], pos + 3
    if buf[pos + 1] == 0x80:
        return int(struct.unpack_from(">Q", buf, pos + 2)[0]), pos + 10
    return None, pos


def _complete_error(encoded: bytes) -> bytes:
    descriptor, list_pos = _descriptor(encoded, 0)
    if descriptor != ERROR_DESCRIPTOR:
        return encoded
    fields, _ = _list_fields(encoded, list_pos)
    fields += [NULL] * (ERROR_FIELD_COUNT - len(fields))
    return encoded[:list_pos] + _encode_list(fields)


def complete_performative(body: bytes) -> bytes:
    """Return `body` (performative + optional payload) with the performative list completed."""
    descriptor, list_pos = _descriptor(body, 0)
    if descriptor is None or descriptor not in FULL_FIELD_COUNTS:
        return body
    fields, end = _list_fields(body, list_pos)
    fields += [NULL] * (FULL_FIELD_COUNTS[descriptor] - len(fields))
    error_index = ERROR_FIELD_INDEX.get(descriptor)
    if error_index is not None and fields[error_index] != NULL:
        fields[error_index] = _complete_error(fields[error_index])
    return body[:list_pos] + _encode_list(fields) + body[end:]


class FrameCompleter:
    """Stateful rewriter of one connection's outgoing byte stream (headers pass through)."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> bytes:
        """Consume bytes written by proton; return the completed bytes ready for the socket."""
        self._pending += data
        out: list[bytes] = []
        while True:
            buf = self._pending
            if len(buf) >= 4 and buf[:4] == b"AMQP":
                if len(buf) < PROTOCOL_HEADER_LENGTH:
                    break
                out.append(buf[:PROTOCOL_HEADER_LENGTH])
                self._pending = buf[PROTOCOL_HEADER_LENGTH:]
                continue
            if len(buf) < 8:
                break
            size = int(struct.unpack_from(">I", buf, 0)[0])
            if len(buf) < size:
                break
            header_length = buf[4] * 4
            header = buf[4:header_length]
            body = complete_performative(buf[header_length:size]) if size > header_length else b""
            out.append(struct.pack(">I", header_length + len(body)) + header + body)
            self._pending = buf[size:]
        return b"".join(out)
