"""Grading speed: seconds per notebook, workers' speed-up, the sandbox's cost, the grader's memory.

    python benchmarks/grading_speed.py [--copies N] [--rounds N] [--class-size N] [--skip-copies]

Part 1 grades N copies of every module's solution with one worker and with one worker per core,
in alternating rounds (``--rounds``), and compares with the notebook's own run time: the solution
notebook run top to bottom in a plain Jupyter kernel, which executes the same code and the same
tests (hidden ones included) that grading does. It also grades the copies of one module with and
without the sandbox.
Part 2 grades a generated class of ``--class-size`` students x every module (a seeded mix of full,
half-done, typical-mistake and broken notebooks) with one worker and with one per core, and prints
the time, notebooks per second and the speed-up. Goals (issue 15): at most 1.5 s per notebook over
its own run time with one worker, at least 1.8x with 2 workers, the sandbox at most 0.2 s per
notebook.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nncourse.grading  # noqa: E402,F401  first: it keeps nbformat's import light (see there)
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

from examples.typical_mistakes import mistakes_for  # noqa: E402
from nncourse.authoring import filled_exercise  # noqa: E402
from nncourse.course import EXERCISES, SOLUTIONS, ensure_venv_on_path, modules, notebook_path  # noqa: E402
from nncourse.grading.grader import GradingSettings, grade_class, usable_cores  # noqa: E402


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


def _read(kind: str, module: str):
    return nbformat.read(str(notebook_path(ROOT / kind, module)), as_version=4)


def _write(class_dir: Path, student: str, module: str, content) -> None:
    path = notebook_path(class_dir / student, module)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        nbformat.write(content, str(path))


def generated_class(class_dir: Path, size: int, seed: int = 0) -> dict[str, int]:
    """``size`` students x every module: 40 % full, 20 % half done, 30 % one typical mistake,
    10 % broken (truncated file or a crashing kernel). Returns how many of each."""
    rng = np.random.default_rng(seed)
    counts = {"full": 0, "half": 0, "mistake": 0, "broken": 0}
    for module in modules():
        exercise, solution = _read(EXERCISES, module), _read(SOLUTIONS, module)
        full = filled_exercise(exercise, solution)
        mistakes = list(mistakes_for(module).values())
        ids = [c.metadata["nbgrader"]["grade_id"] for c in solution.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
        stubs = {c.metadata["nbgrader"]["grade_id"]: c.source for c in exercise.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id") in ids}
        for i in range(size):
            kind = rng.choice(list(counts), p=[0.4, 0.2, 0.3, 0.1])
            counts[kind] += 1
            if kind == "full":
                nb = full
            elif kind == "half":
                nb = filled_exercise(exercise, solution, {g: stubs[g] for g in ids[len(ids) // 2:]})
            elif kind == "mistake" and mistakes:
                nb = filled_exercise(exercise, solution, mistakes[rng.integers(len(mistakes))].sources(solution))
            elif rng.random() < 0.5:
                nb = json.dumps(full)[:2000]
            else:
                nb = filled_exercise(exercise, solution, {ids[len(ids) // 2]: "import os\nos._exit(1)"})
            _write(class_dir, f"student{i:03d}", module, nb)
    return counts


def timed_grade(class_dir: Path, work: Path, workers: int, sandbox: bool = True):
    settings = GradingSettings(submissions=class_dir, work_dir=work, workers=workers, sandbox=sandbox,
                               cell_timeout=30)
    start = time.monotonic()
    rows = grade_class(settings, progress=False)
    return time.monotonic() - start, rows


def peak_memory_mb() -> tuple[float, float]:
    """Peak resident memory of the grader itself and of its largest child (a worker or a kernel)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, children


def part_copies(tmp: Path, copies: int, cores: int, rounds: int = 2) -> None:
    module_ids = modules()
    class_dir = tmp / "copies"
    own = {}
    for module in module_ids:
        nb = filled_exercise(_read(EXERCISES, module), _read(SOLUTIONS, module))
        for i in range(copies):
            _write(class_dir, f"student{i:03d}", module, nb)
        own[module] = own_run_time(_read(SOLUTIONS, module), notebook_path(class_dir / "student000", module).parent)
    n = copies * len(module_ids)
    mean_own = sum(own.values()) / len(own)
    print(f"== Part 1: {n} solution notebooks ({copies} copies of {len(module_ids)} modules) on {cores} cores")
    print("own run time with hidden tests, plain kernel (median of 3, kernel start included): "
          + ", ".join(f"{m.split('_')[0]} {t:.2f} s" for m, t in own.items()))
    results = {workers: [] for workers in sorted({1, cores})}
    for round_ in range(rounds):  # alternating, so that a slow phase of the machine hits both
        for workers in results:
            elapsed, rows = timed_grade(class_dir, tmp / f"work_copies{workers}_{round_}", workers)
            bad = [r for r in rows if r.status != "ok"]
            if bad:
                print(f"warning: {len(bad)} notebooks not ok: {bad[0]}")
            results[workers].append(elapsed)
            print(f"workers={workers} (round {round_ + 1} of {rounds}): {elapsed:.1f} s in all, "
                  f"{elapsed / n:.2f} s per notebook ({elapsed / n - mean_own:+.2f} s over the notebook's "
                  "own run time)")
    if cores > 1:
        speedup = sum(results[1]) / sum(results[cores])
        print(f"speed-up with {cores} workers: {speedup:.2f}x over {rounds} round(s) (goal 1.8x; ideal {cores}x)")
    sandbox_cost(tmp, module_ids[0], max(copies, 8))


def sandbox_cost(tmp: Path, module: str, copies: int, rounds: int = 3) -> None:
    """The same notebooks graded by one worker with and without bubblewrap, in alternating
    rounds so that a slow phase of the machine hits both sides. Compared: each notebook's own
    grading time (what a worker spends on it), so the run's fixed costs add no noise."""
    folder = tmp / "one_module"
    nb = filled_exercise(_read(EXERCISES, module), _read(SOLUTIONS, module))
    for i in range(copies):
        _write(folder, f"student{i:03d}", module, nb)
    times = {False: [], True: []}
    for round_ in range(rounds):
        for sandbox in (False, True):
            _, rows = timed_grade(folder, tmp / f"work_sandbox_{sandbox}_{round_}", 1, sandbox)
            times[sandbox] += [r.seconds for r in rows]
    median = {k: float(np.median(v)) for k, v in times.items()}
    quartiles = {k: np.percentile(v, [25, 75]) for k, v in times.items()}
    print(f"sandbox cost: {median[True] - median[False]:+.3f} s per notebook (module {module}, median of "
          f"{len(times[True])} notebooks each way, {rounds} alternating rounds: "
          f"{median[False]:.2f} s without, {median[True]:.2f} s with; quartiles "
          f"{quartiles[False][0]:.2f}-{quartiles[False][1]:.2f} and {quartiles[True][0]:.2f}-{quartiles[True][1]:.2f} s; "
          "goal <= 0.2 s)")


def part_class(tmp: Path, size: int, cores: int, worker_counts: list[int]) -> None:
    class_dir = tmp / "class"
    counts = generated_class(class_dir, size)
    n = sum(counts.values())
    print(f"== Part 2: a generated class of {size} students x {len(modules())} modules = {n} notebooks "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
    results = {}
    for workers in worker_counts:
        elapsed, rows = timed_grade(class_dir, tmp / f"work_class{workers}", workers)
        statuses = {}
        for r in rows:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        results[workers] = elapsed
        print(f"workers={workers}: {elapsed:.0f} s in all, {elapsed / n:.2f} s per notebook, "
              f"{n / elapsed:.2f} notebooks per second (statuses: {statuses})")
    if 1 in results and cores in results and cores > 1:
        print(f"speed-up with {cores} workers: {results[1] / results[cores]:.2f}x (goal 1.8x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=6, help="solution copies per module in part 1 (default 6)")
    parser.add_argument("--class-size", type=int, default=300,
                        help="students in the generated class of part 2 (default 300; 0 skips part 2)")
    parser.add_argument("--skip-copies", action="store_true", help="skip part 1")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating rounds of 1 worker and one per core in part 1 (default 2)")
    parser.add_argument("--class-workers", type=int, nargs="+", default=None, metavar="N",
                        help="worker counts for part 2 (default: 1 and one per core; a class of 300 "
                             "takes about 2 h with 1 worker and 1 h with 2 on 2 cores)")
    args = parser.parse_args()
    ensure_venv_on_path()
    cores = usable_cores()  # what the grader itself counts: CPU affinity, not the whole machine
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_copies:
            part_copies(tmp, args.copies, cores, args.rounds)
        if args.class_size:
            part_class(tmp, args.class_size, cores, args.class_workers or sorted({1, cores}))
    me, child = peak_memory_mb()
    print(f"peak memory: grader {me:.0f} MB, largest worker or kernel {child:.0f} MB")
    print("reference: plain `nbgrader autograde` run once per student costs about 4.5 s per "
          "notebook on this kind of machine (shared/measured-notes.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
