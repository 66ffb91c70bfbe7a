"""The whole service (real uvicorn, spool, drainer) delivering to the cloud sinks' local peers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest
from azure.storage.blob import BlobServiceClient
from azurite import ACCOUNT_KEY, Azurite
from bt_testkit import live_server, make_event, make_settings, metric_value, poll_until
from eventhub_peer import EventHubPeer

LAKEHOUSE = "7d3e9b1a-5c2f-4e8d-9a61-0b4c2e7f1a93"
DEADLINE = 60.0  # generous: polling returns as soon as the condition holds (2 busy cores)


def wait_for(check: Callable[[], object], *, what: str) -> None:
    poll_until(check, timeout=DEADLINE, what=what)


def send(client: httpx.Client, prefix: str, n: int, session: str = "sess-1") -> list[str]:
    ids = [f"{prefix}-{i}" for i in range(n)]
    events = [make_event("product.viewed", event_id=i, session_id=session) for i in ids]
    response = client.post("/events/batch", json={"events": events})
    assert response.status_code == 202, response.text
    return ids


def metric(client: httpx.Client, sample: str) -> float:
    """One sample of the service's /metrics (0 while absent: counters appear on first use)."""
    return metric_value(client.get("/metrics").text, sample) or 0.0


def sink_state(client: httpx.Client, sink: str, state: str) -> bool:
    return metric(client, f'bt_sink_state{{sink="{sink}",state="{state}"}}') == 1


def hub_ids(peer: EventHubPeer) -> Counter[str]:
    return Counter(str(e.json()["event_id"]) for e in peer.received)


def lake_ids(service: BlobServiceClient, workspace: str) -> Counter[str]:
    container = service.get_container_client(workspace)
    ids: Counter[str] = Counter()
    for blob in container.list_blobs(name_starts_with=f"{LAKEHOUSE}/Files/"):
        for line in container.download_blob(blob.name).readall().splitlines():
            ids[str(orjson.loads(line)["event_id"])] += 1
    return ids


def test_refused_token_is_reported_by_ready_and_events_wait_for_it(tmp_path: Path) -> None:
    with EventHubPeer(hub_name="bt") as peer:
        peer.refuse_tokens = True
        settings = make_settings(
            tmp_path,
            sink_type="eventhub",
            event_hub_connection_string=peer.connection_string,
            event_hub_name="bt",
        )
        with live_server(settings) as url, httpx.Client(base_url=url) as client:
            ids = send(client, "held", 5)

            def refusal_reported() -> bool:
                response = client.get("/ready")
                detail = response.json()
                return (
                    response.status_code == 503
                    and "sink:eventhub" in detail["detail"]
                    and "refused our credentials" in response.text
                )

            wait_for(refusal_reported, what="/ready naming the refused Event Hubs token")
            permanent = 'bt_sink_errors_total{kind="permanent",sink="eventhub"}'
            wait_for(lambda: metric(client, permanent) >= 1, what="a permanent sink error counted")
            wait_for(lambda: sink_state(client, "eventhub", "unusable"), what="state unusable")
            transient = 'bt_sink_errors_total{kind="transient",sink="eventhub"}'
            assert metric(client, transient) == 0  # a refusal is not worth fast retries
            assert peer.received == []
            assert metric(client, "bt_spool_pending_bytes") > 0  # the events are kept
            peer.refuse_tokens = False  # credentials fixed: the kept events go out
            wait_for(lambda: set(ids) <= set(hub_ids(peer)), what="delivery after the fix")
            wait_for(lambda: client.get("/ready").status_code == 200, what="ready again")
            wait_for(lambda: sink_state(client, "eventhub", "ready"), what="state ready")


@pytest.mark.parametrize("down", ["eventhub", "onelake"])
def test_composite_outage_of_one_peer_blocks_nothing_and_loses_nothing(
    tmp_path: Path,
    azurite: Azurite,
    blob_service: BlobServiceClient,
    workspace: str,
    down: str,
) -> None:
    peer = EventHubPeer(hub_name="bt")
    peer.start()
    settings = make_settings(
        tmp_path,
        sink_type="composite",
        composite_sinks="eventhub,onelake",
        event_hub_connection_string=peer.connection_string,
        event_hub_name="bt",
        onelake_workspace_id=workspace,
        onelake_lakehouse_id=LAKEHOUSE,
        onelake_account_url=azurite.account_url,
        onelake_account_key=ACCOUNT_KEY,
    )
    stop, start = (peer.stop, peer.start) if down == "eventhub" else (azurite.stop, azurite.start)

    def at_hub(ids: list[str]) -> bool:
        return set(ids) <= set(hub_ids(peer))

    def at_lake(ids: list[str]) -> bool:
        return set(ids) <= set(lake_ids(blob_service, workspace))

    healthy = at_lake if down == "eventhub" else at_hub
    try:
        with live_server(settings) as url, httpx.Client(base_url=url) as client:
            before = send(client, "before", 30)
            wait_for(lambda: at_hub(before) and at_lake(before), what="both before outage")
            stop()
            try:
                during = send(client, "during", 30, session="sess-2")  # acknowledged while down
                wait_for(lambda: healthy(before + during), what="the other sink keeps going")
                wait_for(
                    lambda: f"sink:{down}" in client.get("/ready").text, what="outage reported"
                )
            finally:
                start()
            after = send(client, "after", 10)
            everything = before + during + after
            wait_for(lambda: at_hub(everything), what="hub has everything")
            wait_for(lambda: at_lake(everything), what="OneLake has everything")
            assert client.post("/flush").status_code == 200
            wait_for(lambda: client.get("/ready").status_code == 200, what="ready again")
    finally:
        peer.stop()
    lake = lake_ids(blob_service, workspace)
    assert set(lake) == set(everything) and max(lake.values()) == 1
    hub = hub_ids(peer)
    assert set(hub) == set(everything)
    if down == "onelake":  # the hub's cursor never moved back: nothing was sent to it twice
        assert max(hub.values()) == 1
    bodies = {e.json()["event_id"]: e.body for e in peer.received}
    assert all(e.body == bodies[e.json()["event_id"]] for e in peer.received)  # dups identical


def test_oversized_event_is_dead_lettered_and_a_dropped_connection_retried(
    tmp_path: Path,
) -> None:
    with EventHubPeer(hub_name="bt", max_message_size=8 * 1024) as peer:
        settings = make_settings(
            tmp_path,
            sink_type="eventhub",
            event_hub_connection_string=peer.connection_string,
            event_hub_name="bt",
        )
        with live_server(settings) as url, httpx.Client(base_url=url) as client:
            peer.drop_connection_on_next_transfers(2)  # cut mid-batch, twice
            ids = send(client, "ok", 20)
            big = make_event("product.viewed", event_id="too-big", session_id="sess-1")
            big["data"]["note"] = "z" * 20_000
            assert client.post("/events", json=big).status_code == 202
            wait_for(lambda: set(ids) <= set(hub_ids(peer)), what="all after the drops")
            assert client.post("/flush").status_code == 200
            transient = 'bt_sink_errors_total{kind="transient",sink="eventhub"}'
            wait_for(lambda: metric(client, transient) >= 1, what="the drops counted transient")
            permanent = 'bt_sink_errors_total{kind="permanent",sink="eventhub"}'
            assert metric(client, permanent) == 0  # a poison event is not a sink failure
        dead_file = tmp_path / "spool" / "dead_letter" / "eventhub.jsonl"
        dead = [orjson.loads(line) for line in dead_file.read_bytes().splitlines()]
    assert [d["event"]["event_id"] for d in dead] == ["too-big"]
    assert "maximum message size" in dead[0]["reason"]
    assert "too-big" not in hub_ids(peer)
    assert peer.connections_accepted >= 2  # the drops forced reconnections
