"""Notebook execution times: every lecture and every solution notebook, top to bottom, fresh kernel.

    python benchmarks/notebook_times.py [--repeats 1] [--only lectures|solutions]

Each notebook runs in a new Jupyter kernel (start-up included, as a student or the grader sees
it) with nbclient, from its own folder. The goals of issue 13: every lecture under 60 s and every
solution notebook under 20 s on 2 cores. With ``--repeats N`` the median of N runs is printed.
The figures are wall time on a shared machine: the load average is printed beside them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncourse.course import SOLUTIONS, ensure_venv_on_path, modules, notebook_path  # noqa: E402

LIMITS = {"lecture": 60.0, "solution": 20.0}


def run_seconds(path: Path) -> float:
    """Wall time of one top-to-bottom run of ``path`` in a fresh kernel; raises on a cell error."""
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def notebooks(only: str) -> list[tuple[str, Path]]:
    found = []
    if only in ("", "lectures"):
        found += [("lecture", p) for p in sorted((ROOT / "lectures").glob("*.ipynb"))]
    if only in ("", "solutions"):
        found += [("solution", notebook_path(ROOT / SOLUTIONS, m)) for m in modules()]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1, help="runs per notebook, median printed")
    parser.add_argument("--only", choices=["lectures", "solutions"], default="")
    args = parser.parse_args()
    ensure_venv_on_path()
    os.environ.setdefault("MPLBACKEND", "Agg")
    print(f"Notebook execution time, fresh kernel each, median of {args.repeats}; "
          f"load average before {' '.join(f'{x:.2f}' for x in os.getloadavg())} (cores: {os.cpu_count()})")
    print(f"{'kind':9s} {'notebook':45s} {'seconds':>8s} {'limit':>6s}  verdict")
    worst = {}
    missed = 0
    for kind, path in notebooks(args.only):
        limit = LIMITS[kind]
        try:
            seconds = statistics.median(run_seconds(path) for _ in range(args.repeats))
        except Exception as exc:  # noqa: BLE001 - a failing notebook is reported, the others still run
            missed += 1
            reason = str(exc).strip().splitlines()[-1][:120] if str(exc).strip() else type(exc).__name__
            print(f"{kind:9s} {path.relative_to(ROOT).as_posix():45s} {'-':>8s} {limit:6.0f}  "
                  f"FAILED: {reason}", flush=True)
            continue
        ok = seconds <= limit
        missed += not ok
        worst[kind] = max(worst.get(kind, 0.0), seconds)
        print(f"{kind:9s} {path.relative_to(ROOT).as_posix():45s} {seconds:8.1f} {limit:6.0f}  "
              f"{'met' if ok else 'MISSED'}", flush=True)
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind, seconds in worst.items():
        print(f"slowest {kind}: {seconds:.1f} s (limit {LIMITS[kind]:.0f} s)")
    print("all within their limits" if not missed else f"{missed} notebook(s) over their limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
