"""A small AMQP 1.0 peer on 127.0.0.1 that answers what the `azure-eventhub` SDK asks of a hub.

No Event Hubs emulator runs here, so the tests and the benchmark start this peer instead. It is the
proton-C protocol engine (`python-qpid-proton`: SASL, sessions, links, flow control, settlement)
driven by a plain socket loop in one background thread, and it answers:

* CBS `put-token` on `$cbs` (202, or 401 when `refuse_tokens` is set);
* the `$management` READ of the hub (`com.microsoft:eventhub`: name, created_at, partition_ids)
  and of a partition, 404 for any other entity name;
* transfers on the hub link (`<hub>` or `<hub>/Partitions/<id>`): every event of a batch message
  (one data section per event, each an encoded message) is recorded with its body, partition key,
  application properties and content type; an attach to another entity is refused `amqp:not-found`.

Proton omits trailing null performative fields, which the SDK's decoder cannot read, so every
outgoing frame goes through `amqp_frames.FrameCompleter` (fields completed, nothing else touched).
Clients reach it with `connection_string`, an emulator-style string (`UseDevelopmentEmulator=true`
makes the SDK drop TLS and keep the port). `drop_connection_on_next_transfers(n)` simulates a
connection lost mid-batch: the next `n` hub transfers are recorded (the broker got them) and the
socket is cut before the disposition, so the client sees a failure and sends them again.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlparse

from amqp_frames import FrameCompleter
from proton import (
    Collector,
    Condition,
    Connection,
    Data,
    Delivery,
    Endpoint,
    Event,
    Link,
    Message,
    Transport,
    symbol,
    timestamp,
)

DATA_SECTION = 0x75
BATCH_PREFIX = b"\x00\x53"
DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024  # Event Hubs standard tier
LINK_CREDIT = 300


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


@dataclass
class _PeerConnection:
    """Proton engine state plus socket buffers for one accepted client connection."""

    sock: socket.socket
    transport: Transport = field(default_factory=lambda: Transport(Transport.SERVER))
    connection: Connection = field(default_factory=Connection)
    collector: Collector = field(default_factory=Collector)
    completer: FrameCompleter = field(default_factory=FrameCompleter)
    outgoing: bytearray = field(default_factory=bytearray)
    replies: dict[int, list[tuple[Link, bytes]]] = field(default_factory=dict)
    closed: bool = False

    def __post_init__(self) -> None:
        self.transport.sasl().allowed_mechs("ANONYMOUS")
        self.connection.container = "eventhub-peer"
        self.connection.collect(self.collector)
        self.transport.bind(self.connection)


class EventHubPeer:
    """Background AMQP 1.0 server imitating one Event Hubs namespace with one hub."""

    def __init__(
        self,
        *,
        hub_name: str = "hub",
        partition_ids: tuple[str, ...] = ("0", "1", "2", "3"),
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.hub_name = hub_name
        self.partition_ids = partition_ids
        self.max_message_size = max_message_size
        self.refuse_tokens = False
        self.port = 0
        self._lock = threading.Lock()
        self._received: list[ReceivedEvent] = []
        self._tokens: list[TokenRequest] = []
        self._drop_transfers = 0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self.connections_accepted = 0
        self.transfers = 0

    # -- control (test thread) ------------------------------------------------------------------

    @property
    def connection_string(self) -> str:
        return self.connection_string_for(self.hub_name)

    def connection_string_for(self, entity: str) -> str:
        return (
            f"Endpoint=sb://127.0.0.1:{self.port};SharedAccessKeyName=peer;"
            f"SharedAccessKey=cGVlci1rZXk=;EntityPath={entity};UseDevelopmentEmulator=true"
        )

    def start(self) -> None:
        """Listen (on the previous port after a `stop`, so clients reconnect to the same place)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="eventhub-peer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the listener and cut every open connection (an outage, as clients see it)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> EventHubPeer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def drop_connection_on_next_transfers(self, count: int = 1) -> None:
        self._drop_transfers = count

    @property
    def received(self) -> list[ReceivedEvent]:
        with self._lock:
            return list(self._received)

    @property
    def token_requests(self) -> list[TokenRequest]:
        with self._lock:
            return list(self._tokens)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            self._tokens.clear()
            self.transfers = 0

    def wait_for(self, predicate: Callable[[EventHubPeer], bool], timeout: float = 10.0) -> None:
        """Poll `predicate` until true or raise with what was received (no fixed sleeps)."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise TimeoutError(f"peer condition not met; received {len(self.received)} events")
            time.sleep(0.01)

    # -- server loop (peer thread) ---------------------------------------------------------------

    def _serve(self) -> None:
        assert self._listener is not None
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ, None)
        conns: dict[socket.socket, _PeerConnection] = {}
        try:
            while not self._stopping.is_set():
                for key, mask in selector.select(timeout=0.02):
                    if key.data is None:
                        self._accept(selector, conns)
                        continue
                    conn: _PeerConnection = key.data
                    if mask & selectors.EVENT_READ:
                        self._read(conn)
                    if mask & selectors.EVENT_WRITE:
                        self._write(conn)
                for conn in list(conns.values()):
                    self._pump(conn)
                    if conn.closed:
                        selector.unregister(conn.sock)
                        conn.sock.close()
                        del conns[conn.sock]
                    else:
                        events = selectors.EVENT_READ
                        if conn.outgoing:
                            events |= selectors.EVENT_WRITE
                        selector.modify(conn.sock, events, conn)
        finally:
            for conn in conns.values():
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)
                conn.sock.close()
            self._listener.close()
            selector.close()

    def _accept(self, selector: selectors.BaseSelector, conns: dict[Any, _PeerConnection]) -> None:
        assert self._listener is not None
        try:
            sock, _ = self._listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _PeerConnection(sock=sock)
        conns[sock] = conn
        self.connections_accepted += 1
        selector.register(sock, selectors.EVENT_READ, conn)

    def _read(self, conn: _PeerConnection) -> None:
        try:
            data = conn.sock.recv(256 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            conn.transport.close_tail()
            conn.closed = True
            return
        view = memoryview(data)
        while view:
            capacity = conn.transport.capacity()
            if capacity <= 0:
                self._process_events(conn)
                capacity = conn.transport.capacity()
                if capacity <= 0:
                    conn.closed = True
                    return
            chunk = view[:capacity]
            conn.transport.push(bytes(chunk))
            view = view[len(chunk) :]
            self._process_events(conn)

    def _write(self, conn: _PeerConnection) -> None:
        if not conn.outgoing:
            return
        try:
            sent = conn.sock.send(conn.outgoing)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            conn.closed = True
            return
        del conn.outgoing[:sent]

    def _pump(self, conn: _PeerConnection) -> None:
        """Run proton's timers and events, then move its output through the frame completer."""
        if conn.closed:
            return
        conn.transport.tick(time.monotonic())
        self._process_events(conn)
        if conn.closed:
            return
        pending = conn.transport.pending()
        if pending > 0:
            conn.outgoing += conn.completer.feed(conn.transport.peek(pending))
            conn.transport.pop(pending)
        self._write(conn)
        if pending < 0 and not conn.outgoing:
            conn.closed = True

    def _process_events(self, conn: _PeerConnection) -> None:
        while (event := conn.collector.peek()) is not None:
            if not conn.closed:
                self._on_event(conn, event)
            conn.collector.pop()

    def _on_event(self, conn: _PeerConnection, proton_event: Event) -> None:
        event: Any = proton_event  # endpoint accessors are Optional; each kind sets its own
        kind = event.type
        if kind == Event.CONNECTION_REMOTE_OPEN:
            event.connection.open()
        elif kind == Event.SESSION_REMOTE_OPEN:
            event.session.open()
        elif kind == Event.LINK_REMOTE_OPEN:
            self._on_attach(event.link)
        elif kind == Event.LINK_FLOW and event.link.is_sender:
            self._flush_replies(conn, event.link)
        elif kind == Event.DELIVERY:
            self._on_delivery(conn, event.delivery)
        elif kind == Event.LINK_REMOTE_CLOSE:
            event.link.close()
        elif kind == Event.SESSION_REMOTE_CLOSE:
            event.session.close()
        elif kind == Event.CONNECTION_REMOTE_CLOSE:
            event.connection.close()

    def _entity_of(self, address: str | None) -> str:
        path = urlparse(address or "").path if "://" in (address or "") else (address or "")
        return path.strip("/").split("/")[0]

    def _on_attach(self, link: Link) -> None:
        link.source.address = cast(str, link.remote_source.address)
        link.target.address = cast(str, link.remote_target.address)
        if link.is_sender:
            link.open()
            return
        link.max_message_size = self.max_message_size
        target = link.remote_target.address or ""
        link.open()
        if target not in ("$cbs", "$management") and self._entity_of(target) != self.hub_name:
            link.condition = Condition(
                "amqp:not-found",
                f"The messaging entity '{self._entity_of(target)}' could not be found.",
            )
            link.close()
            return
        link.flow(LINK_CREDIT)

    def _on_delivery(self, conn: _PeerConnection, delivery: Delivery) -> None:
        link = delivery.link
        if link.is_sender:
            if delivery.updated:
                delivery.settle()
            return
        if not delivery.readable or delivery.partial:
            return
        if link.state & Endpoint.LOCAL_CLOSED:
            delivery.settle()  # a refused link: the transfer reached no entity
            return
        encoded = bytes(link.recv(delivery.pending) or b"")  # copy at once: proton reuses buffers
        link.advance()
        target = link.target.address or ""
        if target == "$cbs":
            self._reply(conn, link, "$cbs", self._answer_cbs(encoded))
        elif target == "$management":
            self._reply(conn, link, "$management", self._answer_management(encoded))
        elif not self._on_hub_transfer(conn, encoded, target):
            return
        delivery.update(Delivery.ACCEPTED)
        delivery.settle()
        if link.credit < LINK_CREDIT // 2:
            link.flow(LINK_CREDIT - link.credit)

    def _on_hub_transfer(self, conn: _PeerConnection, encoded: bytes, target: str) -> bool:
        events = split_events(encoded, target)
        with self._lock:
            self._received.extend(events)
            self.transfers += 1
        if self._drop_transfers > 0:
            self._drop_transfers -= 1
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
            conn.closed = True
            return False
        return True

    def _answer_cbs(self, encoded: bytes) -> Message:
        request = Message()
        request.decode(encoded)
        props: dict[Any, Any] = dict(request.properties or {})
        accepted = not self.refuse_tokens
        with self._lock:
            self._tokens.append(
                TokenRequest(str(props.get("name")), str(props.get("type")), accepted)
            )
        status, description = (
            (202, "Accepted") if accepted else (401, "Unauthorized: token refused")
        )
        return Message(
            correlation_id=request.id,
            properties={"status-code": status, "status-description": description},
        )

    def _answer_management(self, encoded: bytes) -> Message:
        request = Message()
        request.decode(encoded)
        props: dict[Any, Any] = dict(request.properties or {})
        name, kind = props.get("name"), str(props.get("type"))
        if self.refuse_tokens:
            return self._status(request, 401, "Unauthorized")
        if name != self.hub_name:
            return self._status(request, 404, f"The messaging entity '{name}' could not be found.")
        now = timestamp(int(time.time() * 1000))
        if kind == "com.microsoft:partition":
            body: dict[str, Any] = {
                "name": self.hub_name,
                "partition": str(props.get("partition")),
                "begin_sequence_number": 0,
                "last_enqueued_sequence_number": 0,
                "last_enqueued_offset": "0",
                "last_enqueued_time_utc": now,
                "is_partition_empty": True,
            }
        else:
            body = {
                "name": self.hub_name,
                "type": "com.microsoft:eventhub",
                "created_at": now,
                "partition_count": len(self.partition_ids),
                "partition_ids": list(self.partition_ids),
            }
        reply = self._status(request, 200, "OK")
        reply.body = body
        return reply

    @staticmethod
    def _status(request: Message, code: int, description: str) -> Message:
        return Message(
            correlation_id=request.id,
            properties={"status-code": code, "status-description": description},
        )

    def _reply(
        self, conn: _PeerConnection, request_link: Link, source: str, reply: Message
    ) -> None:
        """Queue `reply` on the client's receiving link whose source is `source`."""
        for link in _links(request_link.session.connection):
            if link.is_sender and link.source.address == source:
                conn.replies.setdefault(id(link), []).append((link, reply.encode()))
                self._flush_replies(conn, link)
                return

    def _flush_replies(self, conn: _PeerConnection, link: Link) -> None:
        queue = conn.replies.get(id(link), [])
        while queue and link.credit > 0:
            _, payload = queue.pop(0)
            delivery = link.delivery(uuid.uuid4().hex)
            link.send(payload)
            link.advance()
            delivery.settle()


def _links(connection: Connection) -> list[Link]:
    found: list[Link] = []
    link = connection.link_head(0)
    while link is not None:
        found.append(link)
        link = link.next(0)
    return found
