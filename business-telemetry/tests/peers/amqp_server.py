"""A proton-C AMQP 1.0 server driven by a plain socket loop in one background thread.

`ProtonServer` owns the listener, one `PeerConnection` (proton transport, connection, collector)
per client, and the byte pumping; subclasses answer proton events in `on_event`. Outgoing bytes
pass through `amqp_frames.FrameCompleter`, because proton omits trailing null performative
fields that strict decoders (the `azure-eventhub` SDK) index by position. `stop()` cuts every
connection and closes the listener; `start()` again listens on the same port.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from amqp_frames import FrameCompleter
from proton import Collector, Connection, Event, Link, Transport


@dataclass
class PeerConnection:
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
        self.connection.container = "proton-peer"
        self.connection.collect(self.collector)
        self.transport.bind(self.connection)


class ProtonServer:
    """Listener and socket loop; subclasses implement `on_event`."""

    container_id = "proton-peer"

    def __init__(self) -> None:
        self.port = 0
        self.connections_accepted = 0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None

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
        self._thread = threading.Thread(target=self._serve, name=self.container_id, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the listener and cut every open connection (an outage, as clients see it)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def on_event(self, conn: PeerConnection, event: Event) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        assert self._listener is not None
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ, None)
        conns: dict[socket.socket, PeerConnection] = {}
        try:
            while not self._stopping.is_set():
                for key, mask in selector.select(timeout=0.02):
                    if key.data is None:
                        self._accept(selector, conns)
                        continue
                    conn: PeerConnection = key.data
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

    def _accept(self, selector: selectors.BaseSelector, conns: dict[Any, PeerConnection]) -> None:
        assert self._listener is not None
        try:
            sock, _ = self._listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = PeerConnection(sock=sock)
        conns[sock] = conn
        self.connections_accepted += 1
        selector.register(sock, selectors.EVENT_READ, conn)

    def _read(self, conn: PeerConnection) -> None:
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

    def _write(self, conn: PeerConnection) -> None:
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

    def _pump(self, conn: PeerConnection) -> None:
        """Run proton's timers and events, then move its output through the frame completer."""
        if conn.closed:
            return
        conn.transport.tick(time.monotonic())
        self._process_events(conn)
        if conn.closed:
            return
        pending = conn.transport.pending()
        if pending > 0:
            conn.outgoing += conn.completer.feed(conn.transport.peek(pending) or b"")
            conn.transport.pop(pending)
        self._write(conn)
        if pending < 0 and not conn.outgoing:
            conn.closed = True

    def _process_events(self, conn: PeerConnection) -> None:
        while (event := conn.collector.peek()) is not None:
            if not conn.closed:
                self.on_event(conn, event)
            conn.collector.pop()
