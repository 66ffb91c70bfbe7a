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
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlparse

from amqp_messages import ReceivedEvent, TokenRequest, split_events
from amqp_server import PeerConnection, ProtonServer
from proton import Condition, Connection, Delivery, Endpoint, Event, Link, Message, timestamp

DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024  # Event Hubs standard tier
LINK_CREDIT = 300


class EventHubPeer(ProtonServer):
    """Background AMQP 1.0 server imitating one Event Hubs namespace with one hub."""

    container_id = "eventhub-peer"

    def __init__(
        self,
        *,
        hub_name: str = "hub",
        partition_ids: tuple[str, ...] = ("0", "1", "2", "3"),
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        super().__init__()
        self.hub_name = hub_name
        self.partition_ids = partition_ids
        self.max_message_size = max_message_size
        self.refuse_tokens = False
        self._lock = threading.Lock()
        self._received: list[ReceivedEvent] = []
        self._tokens: list[TokenRequest] = []
        self._drop_transfers = 0
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

    # -- protocol (peer thread) ------------------------------------------------------------------

    def on_event(self, conn: PeerConnection, proton_event: Event) -> None:
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

    def _on_delivery(self, conn: PeerConnection, delivery: Delivery) -> None:
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

    def _on_hub_transfer(self, conn: PeerConnection, encoded: bytes, target: str) -> bool:
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

    def _reply(self, conn: PeerConnection, request_link: Link, source: str, reply: Message) -> None:
        """Queue `reply` on the client's receiving link whose source is `source`."""
        for link in _links(request_link.session.connection):
            if link.is_sender and link.source.address == source:
                conn.replies.setdefault(id(link), []).append((link, reply.encode()))
                self._flush_replies(conn, link)
                return

    def _flush_replies(self, conn: PeerConnection, link: Link) -> None:
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
