"""Prometheus metrics of the ingestion service, on a registry owned by one app instance.

Counters are per worker process (each uvicorn worker answers `/metrics` for itself); the spool
gauges (depth, age, drainer heartbeat) are measured from the shared spool directory at scrape
time, so every worker reports the same, whole-spool view.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from business_telemetry.service.spool.segments import list_segments, read_cursor, segment_created_ns
from business_telemetry.service.spool.spool_view import read_status

SINK_STATES = ("starting", "ready", "retrying", "unusable", "crashed")
"""`bt_sink_state`: opening; delivering; transient errors (back-off); permanent errors (slow
retry until an operator fixes credentials or the entity); the delivery loop itself failed."""


class Metrics:
    """What an HTTP worker counts: events received, accepted, refused; spool commits."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter(
            "bt_events_received", "Events received over HTTP", ["event_type"], registry=r
        )
        self.accepted = Counter(
            "bt_events_accepted",
            "Events acknowledged (durably spooled)",
            ["event_type"],
            registry=r,
        )
        self.rejected = Counter(
            "bt_events_rejected", "Events refused", ["event_type", "reason"], registry=r
        )
        self.commit_latency = Histogram(
            "bt_spool_commit_seconds",
            "Time of one group commit (write + fdatasync)",
            registry=r,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        self.drainer_restarts = Counter(
            "bt_drainer_process_restarts",
            "Drainer child processes this worker restarted after they died",
            registry=r,
        )
        self._accepted_by_type: dict[str, tuple[Counter, Counter]] = {}

    def count_accepted(self, event_types: list[str]) -> None:
        """Count a request's acknowledged events as received and accepted, by type. Runs for
        every request: the counters' children are looked up once per type, and a batch of one
        type (the usual case) is tallied without a `Counter`."""
        first = event_types[0] if event_types else None
        if first is not None and event_types.count(first) == len(event_types):
            tally: Iterable[tuple[str, int]] = ((first, len(event_types)),)
        else:
            tally = collections.Counter(event_types).items()
        for event_type, n in tally:
            children = self._accepted_by_type.get(event_type)
            if children is None:
                children = (self.received.labels(event_type), self.accepted.labels(event_type))
                self._accepted_by_type[event_type] = children
            children[0].inc(n)
            children[1].inc(n)

    def watch_spool(self, root: Path, sink_names: Callable[[], list[str]]) -> None:
        self.registry.register(_SpoolCollector(root, sink_names))


class _SpoolCollector(Collector):
    def __init__(self, root: Path, sink_names: Callable[[], list[str]]) -> None:
        self.root = root
        self.sink_names = sink_names

    def collect(self) -> Iterator[GaugeMetricFamily]:
        total = pending = 0
        oldest_ns = 0
        for segment in list_segments(self.root / "segments"):
            try:
                size = segment.stat().st_size
            except FileNotFoundError:
                continue
            total += size
            acked = min(
                (
                    read_cursor(self.root / "cursors" / s / (segment.name + ".cur"))[0]
                    for s in self.sink_names()
                ),
                default=0,
            )
            if size > acked:
                pending += size - acked
                if not oldest_ns:
                    oldest_ns = segment_created_ns(segment)
        age = max(0.0, time.time() - oldest_ns / 1e9) if oldest_ns else 0.0
        yield GaugeMetricFamily("bt_spool_bytes", "Bytes in spool segments", value=total)
        yield GaugeMetricFamily(
            "bt_spool_pending_bytes", "Spooled bytes not yet delivered to every sink", value=pending
        )
        yield GaugeMetricFamily(
            "bt_spool_oldest_pending_age_seconds",
            "Age of the oldest segment with undelivered events",
            value=age,
        )
        status = read_status(self.root)
        beat = status.get("heartbeat") if status else None
        if isinstance(beat, int | float):
            yield GaugeMetricFamily(
                "bt_drainer_heartbeat_age_seconds",
                "Seconds since the drainer leader last reported (absent before its first report)",
                value=max(0.0, time.time() - beat),
            )


class DeliveryMetrics:
    """What the drainer counts, per sink. It may run in its own process: `/metrics` of every
    worker then appends the text it last published (`bt_*` names do not overlap).
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sent = Counter("bt_events_sent", "Events delivered to a sink", ["sink"], registry=r)
        self.failed = Counter(
            "bt_events_failed", "Events in failed sink attempts (retried)", ["sink"], registry=r
        )
        self.dead_lettered = Counter(
            "bt_events_dead_lettered", "Events moved to the dead-letter file", ["sink"], registry=r
        )
        self.duplicates = Counter(
            "bt_events_deduplicated", "Events skipped as already delivered", ["sink"], registry=r
        )
        self.spool_skipped = Counter(
            "bt_spool_records_skipped", "Torn or corrupt spool records skipped", registry=r
        )
        self.flush_latency = Histogram(
            "bt_flush_latency_seconds", "Time of one sink write (a batch)", ["sink"], registry=r
        )
        self.sink_errors = Counter(
            "bt_sink_errors",
            "Failed sink opens and writes; kind=permanent (refused credentials, missing entity)"
            " or transient (throttling, connection loss, timeouts)",
            ["sink", "kind"],
            registry=r,
        )
        self.sink_state = Gauge(
            "bt_sink_state",
            "1 for the state each sink is in (" + ", ".join(SINK_STATES) + "), else 0",
            ["sink", "state"],
            registry=r,
        )
        self.pump_restarts = Counter(
            "bt_drainer_pump_restarts",
            "Sink delivery loops restarted after an unexpected error",
            ["sink"],
            registry=r,
        )

    def set_sink_state(self, sink: str, state: str) -> None:
        """One-hot: the sink's current state reads 1, every other state 0."""
        for candidate in SINK_STATES:
            self.sink_state.labels(sink, candidate).set(1.0 if candidate == state else 0.0)
