"""Delivery never stops silently: a dead or silent drainer, a crashed pump, auth switched off.

The drainer child of a real `python main.py` is SIGKILLed (the worker restarts it and delivery
resumes) or SIGSTOPped (its heartbeat goes stale and /ready says so); a pump whose dead-letter
folder is blocked dies, is reported and restarted; start-up says when API key auth is off.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import httpx
import pytest
from bt_testkit import (
    GatedSink,
    ServiceProcess,
    delivered_once,
    leader_pid,
    live_server,
    make_event,
    make_settings,
    metric_value,
    parent_pid,
    poll_until,
    running,
    send_orders,
)

from main import create_app


@pytest.mark.timeout(120)
def test_killed_drainer_child_is_restarted_and_delivery_resumes(tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path, entry="main.py")
    service.start()
    spool, out = tmp_path / "spool", tmp_path / "out"
    try:
        assert service.proc is not None
        with httpx.Client(base_url=service.url, timeout=10) as client:
            before = send_orders(client, "before", 50)
            poll_until(lambda: delivered_once(out, before), what="delivery before the kill")
            leader = leader_pid(spool)
            assert parent_pid(leader) == service.proc.pid
            # FABRIC_DRAINER_PRIORITY's default: the drainer at the worker's own priority
            assert os.sched_getscheduler(leader) == os.SCHED_OTHER
            assert os.getpriority(os.PRIO_PROCESS, leader) == os.getpriority(
                os.PRIO_PROCESS, service.proc.pid
            )
            os.kill(leader, signal.SIGKILL)
            poll_until(lambda: not running(leader), what="the drainer child gone")
            after = send_orders(client, "after", 50)  # acknowledged while no drainer runs
            restarted = poll_until(
                lambda: (pid := leader_pid(spool)) != leader and running(pid) and pid,
                timeout=30,
                what="a new drainer leader",
            )
            assert parent_pid(restarted) == service.proc.pid
            assert os.sched_getscheduler(restarted) == os.SCHED_OTHER
            poll_until(lambda: delivered_once(out, before + after), what="delivery resumed")
            poll_until(lambda: client.get("/ready").status_code == 200, what="ready again")
            metrics = client.get("/metrics").text
            assert metric_value(metrics, "bt_drainer_process_restarts_total") == 1
    finally:
        service.stop()
    assert f"drainer process {leader} died (killed by signal 9)" in service.log_text()
    assert f"drainer process restarted as {restarted}" in service.log_text()


@pytest.mark.timeout(120)
def test_ready_reports_a_drainer_whose_heartbeat_went_stale(tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path, entry="main.py", env={"FABRIC_DRAINER_PRIORITY": "low"})
    service.start()
    leader = leader_pid(tmp_path / "spool")
    assert os.sched_getscheduler(leader) == os.SCHED_OTHER  # niced instead
    assert os.getpriority(os.PRIO_PROCESS, leader) - os.getpriority(os.PRIO_PROCESS, 0) == 10
    try:
        with httpx.Client(base_url=service.url, timeout=10) as client:
            os.kill(leader, signal.SIGSTOP)  # alive (so not restarted) but silent
            try:

                def stale() -> bool:
                    response = client.get("/ready")
                    return (
                        response.status_code == 503
                        and "drainer not running: status stale since" in response.text
                    )

                poll_until(stale, timeout=30, what="/ready naming the silent drainer")
                age = metric_value(client.get("/metrics").text, "bt_drainer_heartbeat_age_seconds")
                assert age is not None and age >= 5
            finally:
                os.kill(leader, signal.SIGCONT)
            poll_until(lambda: client.get("/ready").status_code == 200, what="ready again")
            assert leader_pid(tmp_path / "spool") == leader  # the same drainer, resumed
    finally:
        service.stop()


def test_crashed_pump_is_reported_and_restarted_until_it_delivers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A poison event must go to the dead-letter file, but a plain file blocks its folder: the
    OSError escapes the pump, which must be reported and restarted, not die silently."""
    blocker = tmp_path / "spool" / "dead_letter"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    settings = make_settings(tmp_path)
    events = [make_event("order.placed", event_id=f"ok-{i}") for i in range(5)]
    events[2]["data"]["poison"] = True
    caplog.set_level(logging.ERROR, logger="business_telemetry.service.delivery.drainer")
    with (
        live_server(settings, create_app(settings, GatedSink(tmp_path / "out"))) as url,
        httpx.Client(base_url=url) as client,
    ):
        assert client.post("/events/batch", json={"events": events}).status_code == 202

        def crash_reported() -> bool:
            response = client.get("/ready")
            return (
                response.status_code == 503
                and "sink:gated" in response.text
                and "delivery loop failed (FileExistsError" in response.text
            )

        poll_until(crash_reported, what="/ready naming the failed delivery loop")
        metrics = client.get("/metrics").text
        restarts = metric_value(metrics, 'bt_drainer_pump_restarts_total{sink="gated"}')
        assert restarts is not None and restarts >= 1
        assert metric_value(metrics, 'bt_sink_state{sink="gated",state="crashed"}') == 1
        assert any("delivery loop failed" in r.getMessage() for r in caplog.records)
        blocker.unlink()
        ok = ["ok-0", "ok-1", "ok-3", "ok-4"]
        poll_until(lambda: delivered_once(tmp_path / "out", ok), what="delivery after restart")
        poll_until(lambda: client.get("/ready").status_code == 200, what="ready again")
        metrics = client.get("/metrics").text
        assert metric_value(metrics, 'bt_sink_state{sink="gated",state="ready"}') == 1
    assert "ok-2" in (tmp_path / "spool/dead_letter/gated.jsonl").read_text()


@pytest.mark.parametrize("api_key", [None, "k-1"])
def test_start_up_warns_when_api_key_auth_is_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, api_key: str | None
) -> None:
    settings = make_settings(tmp_path, api_key=api_key, drainer_mode="inline")
    caplog.set_level(logging.WARNING, logger="business_telemetry")
    with live_server(settings):
        pass
    warned = [
        r
        for r in caplog.records
        if r.name == "business_telemetry" and "auth is OFF" in r.getMessage()
    ]
    if api_key is None:
        assert len(warned) == 1 and warned[0].levelno == logging.WARNING
        assert "FABRIC_API_KEY is unset" in warned[0].getMessage()
    else:
        assert warned == []
