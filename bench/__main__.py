"""`make bench [BENCH="aw gateway"]`: run every benchmark (or the named ones) in turn.

Each benchmark module has a `main()` that measures and prints its own comparison; a benchmark
whose module is absent is reported as such, never silently skipped.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO / "backend", REPO / "business-telemetry", REPO):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

BENCHMARKS = {
    "aw": "bench.bench_aw",
    "wwi": "bench.bench_wwi",
    "gateway": "bench.bench_gateway",
    "reports": "bench.bench_reports",
    "ingest": "bench.bench_ingest",
    "sinks": "bench.bench_sinks",
    "dashboard": "bench.bench_dashboard",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    failed = []
    for name in names:
        module_name = BENCHMARKS[name]
        print(f"\n=== {name} ({module_name}) ===", flush=True)
        if importlib.util.find_spec(module_name) is None:
            print("not available in this tree")
            failed.append(name)
            continue
        started = time.perf_counter()
        try:
            importlib.import_module(module_name).main()
        except Exception as error:  # one broken benchmark must not hide the others' figures
            print(f"FAILED: {type(error).__name__}: {error}")
            failed.append(name)
        print(f"({time.perf_counter() - started:.1f}s)", flush=True)
    if failed:
        print(f"\nnot measured: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
