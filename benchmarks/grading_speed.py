"""Grading speed: seconds per notebook with one worker and with all cores.

    python benchmarks/grading_speed.py [--copies N]

Grades N copies of every module's solution (as a student would submit it) twice, with one
worker and with one worker per core, and compares with the notebook's own run time: the
solution notebook run top to bottom in a plain Jupyter kernel, which executes the same code and
the same tests (hidden ones included) that grading does. Goal (issue 3): at most 1.5 s per notebook on top of the notebook's own run
time on one core, and near-linear scaling with workers.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncourse.authoring import filled_exercise  # noqa: E402
from nncourse.course import EXERCISES, SOLUTIONS, ensure_venv_on_path, modules, notebook_path  # noqa: E402
from nncourse.grading.grader import GradingSettings, grade_class  # noqa: E402


def own_run_time(nb, cwd: Path, repeats: int = 3) -> float:
    """Median wall time of executing the notebook in a fresh plain kernel (start included)."""
    times = []
    for _ in range(repeats):
        copy = nbformat.from_dict(nb)
        start = time.monotonic()
        NotebookClient(copy, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(cwd)}}).execute()
        times.append(time.monotonic() - start)
    return sorted(times)[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=6, help="submissions per module (default 6)")
    args = parser.parse_args()
    ensure_venv_on_path()
    cores = os.cpu_count() or 1
    module_ids = modules()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        class_dir = tmp / "class"
        own = {}
        for module in module_ids:
            nb = filled_exercise(nbformat.read(str(notebook_path(ROOT / EXERCISES, module)), as_version=4),
                                 nbformat.read(str(notebook_path(ROOT / SOLUTIONS, module)), as_version=4))
            for i in range(args.copies):
                path = notebook_path(class_dir / f"student{i:03d}", module)
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(path))
            as_graded = nbformat.read(str(notebook_path(ROOT / SOLUTIONS, module)), as_version=4)
            own[module] = own_run_time(as_graded, path.parent)
        n = args.copies * len(module_ids)
        mean_own = sum(own.values()) / len(own)
        print(f"{n} notebooks ({args.copies} copies of {len(module_ids)} modules) on {cores} cores")
        print(f"own run time with hidden tests, plain kernel (median of 3, kernel start included): "
              + ", ".join(f"{m.split('_')[0]} {t:.2f} s" for m, t in own.items()))
        results = {}
        for workers in sorted({1, cores}):
            settings = GradingSettings(submissions=class_dir, work_dir=tmp / f"work{workers}", workers=workers)
            start = time.monotonic()
            rows = grade_class(settings, progress=False)
            elapsed = time.monotonic() - start
            bad = [r for r in rows if r.status != "ok"]
            if bad:
                print(f"warning: {len(bad)} notebooks not ok: {bad[0]}")
            results[workers] = elapsed
            print(f"workers={workers}: {elapsed:.1f} s in all, {elapsed / n:.2f} s per notebook "
                  f"({elapsed / n - mean_own:+.2f} s over the notebook's own run time)")
        if cores > 1:
            speedup = results[1] / results[cores]
            print(f"speed-up with {cores} workers: {speedup:.2f}x (ideal {cores}x, "
                  f"efficiency {speedup / cores:.0%})")
        print("reference: plain `nbgrader autograde` run once per student costs about 4.5 s per "
              "notebook on this kind of machine (shared/measured-notes.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
