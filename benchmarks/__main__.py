"""Run the benchmarks: ``python -m benchmarks [WORKLOAD ...]`` (``make bench``).

Every workload runs against the emulator started as a separate process on
127.0.0.1, side by side with its baselines in the same run. Results go to
``benchmarks/results/<workload>.json``, the plot to
``docs/assets/performance.png``, and each number is printed beside its target.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from datetime import datetime, timezone
from typing import Any

from . import report
from .support import machine

# name -> (module, results file stem, whether the module belongs to this suite)
WORKLOADS: dict[str, tuple[str, str, bool]] = {
    "R": ("benchmarks.response_reading", "response_reading", True),
    "W1": ("benchmarks.w1_requests", "w1_requests", True),
    "CACHE": ("benchmarks.cache_reuse", "cache", True),
    "CACHEHIT": ("benchmarks.cache_hit", "cache_hit", True),
    "W2": ("benchmarks.w2_cpu", "w2_cpu", True),
    "W3": ("benchmarks.w3_memory", "w3_memory", True),
    "W4": ("benchmarks.w4_text", "w4_text", True),
    "HOSTILE": ("benchmarks.hostile_corpus", "hostile_corpus", True),
    "COHERE": ("benchmarks.cohere_route", "cohere_route", True),
    # Written by others; included when present (they write their own JSON).
    "PREP": ("benchmarks.bench_image_preparation", "image_preparation", False),
    "RATE": ("benchmarks.bench_rate_limit", "rate_limit", False),
}


def _run_one(name: str, host: dict[str, Any]) -> dict[str, Any]:
    module_name, stem, ours = WORKLOADS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return {"name": name, "skipped": f"{module_name} is not present"}
        raise
    run = getattr(module, "run", None)
    if run is None:
        return {"name": name, "skipped": f"{module_name} has no run() yet"}
    started = time.perf_counter()
    result = run()
    result = dict(result) if isinstance(result, dict) else {"value": result}
    result.setdefault("name", name)
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    result["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if ours:
        report.save(stem, result, host)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "workloads",
        nargs="*",
        metavar="WORKLOAD",
        help=f"any of {', '.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument("--no-plot", action="store_true", help="do not redraw the plot")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed (not only on errors)"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print the table in Markdown (for the docs)"
    )
    args = parser.parse_args(argv)
    names = [name.upper() for name in args.workloads] or list(WORKLOADS)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {', '.join(WORKLOADS)}")

    host = machine()
    print(
        f"machine: {host['nproc']} CPUs, {host['cpu_model']}, {host['implementation']} "
        f"{host['python']}, {host['platform']}"
    )
    print("packages: " + ", ".join(f"{k} {v}" for k, v in host["packages"].items() if v))
    results = []
    started = time.perf_counter()
    for name in names:
        print(f"\n== {name} ({WORKLOADS[name][0]}) ...", flush=True)
        try:
            result = _run_one(name, host)
        except Exception as error:
            traceback.print_exc()
            result = {"name": name, "error": f"{type(error).__name__}: {error}"}
        results.append(result)
        print(report.table([result]), flush=True)
    print(f"\n== Summary ({time.perf_counter() - started:.0f} s)\n")
    print(report.table(results))
    if args.markdown:
        print("\n" + report.markdown(results))
    if not args.no_plot:
        path = report.plot()
        if path is not None:
            print(f"\nplot: {path.relative_to(report.PLOT.parent.parent.parent)}")
    print(f"results: {report.RESULTS.relative_to(report.PLOT.parent.parent.parent)}/")
    errors = any("error" in result for result in results)
    missed = any(row.get("ok") is False for result in results for row in result.get("rows", []))
    return 1 if errors or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
