"""Prometheus metrics of the ingestion service, on a registry owned by one app instance.

Counters are per worker process (each uvicorn worker answers `/metrics` for itself); the spool
gauges are measured from the shared spool directory at scrape time, so every worker reports the
same, whole-spool depth and age.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ingest.segments import list_segments, read_cursor, segment_created_ns


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
