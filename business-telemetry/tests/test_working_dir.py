"""The service started from another folder than its own, as a container, a unit or a harness
starts it: every relative path setting means the same folder, under the working directory of
the process the user started, for the worker and its drainer child alike, and nothing is
written inside the source tree.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bt_testkit import (
    DEFAULT_SPOOL,
    SERVICE_DIR,
    ServiceProcess,
    delivered_once,
    leader_pid,
    parent_pid,
    send_orders,
)
from bt_testkit import poll_until as wait_for

REPO = SERVICE_DIR.parent
_CACHES = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def _source_tree() -> set[Path]:
    """Every file and folder under business-telemetry/, bytecode caches aside."""
    found: set[Path] = set()
    for root, folders, files in os.walk(SERVICE_DIR):
        folders[:] = [f for f in folders if f not in _CACHES]
        found.update(Path(root, name) for name in [*folders, *files])
    return found


@pytest.fixture
def untouched_source_tree() -> Iterator[None]:
    """Fails the test if anything new appears under business-telemetry/."""
    before = _source_tree()
    yield
    assert sorted(map(str, _source_tree() - before)) == []


def _check_delivery(service: ServiceProcess) -> None:
    """/ready is 200 (start() waits for it), events reach the output folder the relative
    setting names, and the start-up log names both folders absolutely."""
    with httpx.Client(base_url=service.url, timeout=10) as client:
        ids = send_orders(client, "elsewhere", 40)
        wait_for(lambda: delivered_once(service.out, ids), what="delivery to the output folder")
        assert client.get("/ready").status_code == 200
    assert (service.spool / "segments").is_dir()
    assert service.proc is not None
    assert parent_pid(leader_pid(service.spool)) == service.proc.pid  # its drainer child leads
    log = service.log_text()
    assert f"spool={service.spool.resolve()}" in log and f"output={service.out.resolve()}" in log


@pytest.mark.timeout(120)
@pytest.mark.usefixtures("untouched_source_tree")
@pytest.mark.parametrize("entry", ["uvicorn", "main.py"])
def test_started_from_another_folder_uses_paths_relative_to_it(tmp_path: Path, entry: str) -> None:
    """`uvicorn main:app --app-dir <service folder>` and `python <service folder>/main.py`,
    from a temporary folder, with the default spool folder and `FABRIC_OUTPUT_DIR=out`."""
    service = ServiceProcess(tmp_path, entry=entry, cwd=tmp_path / "workdir")  # type: ignore[arg-type]
    service.start()
    try:
        assert service.spool == tmp_path / "workdir" / "business_telemetry_spool"
        _check_delivery(service)
    finally:
        service.stop()


@pytest.mark.timeout(120)
@pytest.mark.usefixtures("untouched_source_tree")
def test_started_from_the_repository_root_with_a_relative_app_dir(tmp_path: Path) -> None:
    """`uvicorn main:app --app-dir business-telemetry` from the repository root, with the default
    spool folder (`./business_telemetry_spool` of the root: git-ignored, removed afterwards) and
    a relative `FABRIC_OUTPUT_DIR` pointing from the root into the test's folder. Resolved
    against the service folder instead, both would name other folders."""
    spool = REPO / DEFAULT_SPOOL
    if spool.exists():  # someone's real spool: never mix test events into it
        env = {"FABRIC_SPOOL_DIR": os.path.relpath(tmp_path / "spool", REPO)}
        spool = tmp_path / "spool"
    else:
        env = {}
    env["FABRIC_OUTPUT_DIR"] = os.path.relpath(tmp_path / "out", REPO)
    service = ServiceProcess(tmp_path, cwd=REPO, env=env)
    service.spool, service.out = spool, tmp_path / "out"
    assert service._app_dir() == "business-telemetry"
    try:
        service.start()
        _check_delivery(service)
    finally:
        service.stop()
        if not env.get("FABRIC_SPOOL_DIR"):
            shutil.rmtree(spool, ignore_errors=True)
