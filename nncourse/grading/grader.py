"""Grade a class: ``SUBMISSIONS/<student>/<module>/<module>.ipynb`` -> records, gradebook, table, CSV.

Steps: (1) find the modules of this run (``--modules``, or every module that has a folder in the
submissions) and register them in the gradebook with nbgrader's generate_assignment, in the worker
processes in parallel; (2) take a snapshot of the gradebook before any student code runs; (3)
check each submission: missing or unreadable ones get score 0 and replace any earlier result of
that student and module; readable ones are put back into the released layout and staged in
nbgrader's ``submitted/`` folder (the instructor's SUBMISSIONS folder is never modified); (4)
autograde the staged notebooks in worker processes with nbgrader, our RefereeExecute doing the
execution and recording every cell's result; (5) check the gradebook against those records and the
snapshot, repair what differs (``gradebook_audit``); (6) save the records. Modules and students
that the run does not grade keep their stored grades.
"""
from __future__ import annotations

import contextlib
import copy
import multiprocessing as mp
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from ..course import EXERCISES, ROOT, SOLUTIONS, ensure_venv_on_path, modules as course_modules, notebook_path
from . import gradebook_audit
from .nbgrader_setup import open_gradebook, prepare_gradebook
from .records import CellRecord, GradeRow, format_table, load_records, save_record, write_csv  # noqa: F401
from .layout import restore_released_layout

# nbgrader 0.9's gradebook code triggers SQLAlchemy "not in session" warnings on deletes.
warnings.filterwarnings("ignore", message=".*not in session.*")

STATUSES = ("ok", "timeout", "crashed", "unreadable", "missing", "tampered", "error")


@dataclass
class GradingSettings:
    submissions: Path
    work_dir: Path
    root: Path = ROOT
    db_url: str | None = None
    cell_timeout: float = 30.0
    workers: int = 0
    modules: list[str] | None = None
    sandbox: bool = True  # student kernels under bubblewrap; False only with --no-sandbox

    @property
    def database(self) -> str:
        return self.db_url or f"sqlite:///{self.work_dir / 'gradebook.db'}"


def _config(settings: GradingSettings):
    from .nbgrader_setup import course_config
    return course_config(settings.root, work_dir=settings.work_dir, db_url=settings.database,
                         cell_timeout=settings.cell_timeout,
                         release_dir=settings.work_dir / "release", sandbox=settings.sandbox)


def _api(settings: GradingSettings):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    config = _config(settings)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _forget(settings: GradingSettings, student: str, module: str) -> None:
    """Delete every trace of an earlier grade of ``student`` on ``module``."""
    from nbgrader.api import MissingEntry
    with open_gradebook(settings.database) as gb:
        try:
            gb.remove_submission(module, student)
        except MissingEntry:
            pass
    for step in ("submitted", "autograded", "feedback"):
        shutil.rmtree(settings.work_dir / step / student / module, ignore_errors=True)


class _CourseNotebooks:
    """The released notebook and the instructor's locked cells of each module, read once per
    run (a class of 300 students would otherwise read them 600 times per module)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._released: dict[str, object] = {}
        self._locked: dict[str, dict[str, str]] = {}

    def released(self, module: str):
        if module not in self._released:
            self._released[module] = nbformat.read(str(notebook_path(self.root / EXERCISES, module)), as_version=4)
        return self._released[module]

    def instructor_locked(self, module: str) -> dict[str, str]:
        """grade_id -> source of every locked cell of ``solutions/<module>`` (empty without one)."""
        if module not in self._locked:
            path = notebook_path(self.root / SOLUTIONS, module)
            cells = nbformat.read(str(path), as_version=4).cells if path.is_file() else []
            self._locked[module] = {c.metadata["nbgrader"]["grade_id"]: c.source for c in cells
                                    if c.metadata.get("nbgrader", {}).get("locked")}
        return self._locked[module]


def _stage(settings: GradingSettings, student: str, module: str, course: _CourseNotebooks) -> GradeRow:
    """Check one submission and copy it, in the released layout, into ``submitted/``."""
    row = GradeRow(student, module)
    src = notebook_path(settings.submissions / student, module)
    if not src.is_file():
        row.status = "missing"
        folder = src.parent
        others = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        row.notes.append(f"wrong file name: found {', '.join(others)}, expected {src.name}" if others
                         else f"no {module}/{src.name} in the submission")
        return row
    try:
        with warnings.catch_warnings():  # old or hand-edited notebooks get repaired quietly
            warnings.simplefilter("ignore")
            nb = nbformat.read(str(src), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001
        row.status = "unreadable"
        row.notes.append(f"not a valid notebook: {str(exc).splitlines()[0][:200]}")
        return row
    restored, notes = restore_released_layout(nb, course.released(module))
    if _is_instructor_source(nb, course.instructor_locked(module)):
        # The source holds the hidden tests, so its test cells differ from the release: that is
        # not tampering. Graded as released, like any submission.
        notes = [n for n in notes if not n.endswith("was edited; the released version was used")]
        notes.append(f"this is the instructor's source notebook ({SOLUTIONS}/{module}), not a student's "
                     "copy: its solutions were graded against the released tests")
    row.notes.extend(notes)
    row.tampered = any(not n.startswith(("solution cell", "this is the instructor")) for n in notes)
    target = notebook_path(settings.work_dir / "submitted" / student, module)
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    nbformat.write(restored, str(target))
    for extra in src.parent.iterdir():  # data files the notebook may read
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy2(extra, target.parent / extra.name)
    return row


def _is_instructor_source(nb, instructor_locked: dict[str, str]) -> bool:
    """True if every locked cell of the instructor's source (grade_id -> source) appears
    unchanged in ``nb``."""
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
    return bool(instructor_locked) and all(by_id.get(gid) == src for gid, src in instructor_locked.items())


# --- worker processes ------------------------------------------------------------------------
_WORKER_API = None


def _worker_init(settings: GradingSettings, threads: int = 0) -> None:
    global _WORKER_API
    ensure_venv_on_path()
    if threads:
        # Parallel workers share the cores: each worker's referee (the reference implementation
        # the hidden tests call) gets its share of BLAS and update threads, as the kernels get one.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    _WORKER_API = _api(settings)


def _register(module: str, api=None) -> tuple[str, bool, str]:
    """Register a module in the gradebook (nbgrader's generate_assignment: the assignment, its
    test cells and their points), in a worker or, given an ``api``, in this process."""
    api = api or _WORKER_API
    result = api.generate_assignment(module, force=True, create=True)
    if result["success"]:
        return module, True, ""
    # As in _autograde: a busy database fails a step now and then; once more, keeping the log.
    first_failure = _failure_log(result)
    result = api.generate_assignment(module, force=True, create=True)
    if result["success"]:
        return module, True, ""
    return module, False, "\n".join([first_failure, "== second attempt ==", _failure_log(result)])


def _failure_log(result: dict) -> str:
    """nbgrader's log and error of a failed step."""
    return "\n".join(part for part in (result.get("log"), result.get("error")) if part)


def _autograde(job: tuple[str, str]) -> tuple[str, str, bool, str, object, float]:
    from .preprocessor import REPORTS
    student, module = job
    start = time.monotonic()
    REPORTS.clear()
    result = _WORKER_API.autograde(module, student, force=True, create=False)
    first_failure = ""
    if not result["success"]:
        # Our executor never fails because of student code, so this is the machine (a busy
        # database, a kernel that would not start): try once more, keeping the first log.
        first_failure = _failure_log(result)
        REPORTS.clear()
        result = _WORKER_API.autograde(module, student, force=True, create=False)
    report = REPORTS.get((student, module, module))
    error = "" if result["success"] else "\n".join(
        part for part in (first_failure, "== second attempt ==", _failure_log(result)) if part)
    summary = None
    if report is not None:
        messages = {t.grade_id: t.message for t in report.tests}
        cells = [CellRecord(gid, kind, float(points), auto, None, messages.get(gid, ""))
                 for gid, (auto, points, kind) in report.expected_auto.items()]
        summary = {"status": report.status, "warnings": report.warnings[:5], "cells": cells}
    if result["success"] and first_failure:
        summary = summary or {"status": "ok", "warnings": [], "cells": []}
        summary["retried"] = _root_cause(first_failure)
    return student, module, bool(result["success"]), error, summary, time.monotonic() - start


def _root_cause(log: str) -> str:
    """The most telling line of an nbgrader failure: the last exception that is not nbgrader's
    generic 'see the traceback above'."""
    lines = [l.strip() for l in log.splitlines()]
    causes = [l for l in lines if ("Error" in l or "Exception" in l) and ":" in l
              and "Please see the" not in l and not l.startswith("File ")]
    return (causes[-1] if causes else (lines[-1] if lines else "no log"))[:300]


def _run_modules(settings: GradingSettings, students: list[str]) -> list[str]:
    """The modules this run grades: ``--modules``, or those with a folder in the submissions."""
    course = course_modules(settings.root)
    if settings.modules:
        unknown = sorted(set(settings.modules) - set(course))
        if unknown:
            raise ValueError(f"unknown module(s) {unknown}; the course has {course}")
        return list(settings.modules)
    present = [m for m in course if any((settings.submissions / s / m).is_dir() for s in students)]
    if not present:
        raise ValueError(f"no module folder in {settings.submissions}: expected "
                         f"<student>/<module>/<module>.ipynb with a module among {course}")
    return present


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _row_from_snapshot(student: str, module: str, before: gradebook_audit.Snapshot) -> GradeRow:
    """A row for a grade found only in the gradebook (graded before the grader kept records)."""
    row = GradeRow(student, module, in_run=False,
                   notes=["kept from the gradebook (no grader record of it)"])
    for key, (auto, _manual, _extra) in before.values.items():
        if key[:2] == (student, module):
            kind, points = before.cells[key]
            row.cells.append(CellRecord(key[2], kind, points, auto))
    return row


class GradingBusy(RuntimeError):
    """Another grading command works on the same folder."""


@contextlib.contextmanager
def _exclusive(work_dir: Path):
    """One grading command per working folder at a time: a second one refuses at once, naming
    the first, so that two runs never interleave their writes to the gradebook and records."""
    import fcntl
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / ".grading.lock"
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise GradingBusy(f"{work_dir} is being graded by {holder}; wait until it finishes "
                              "(nothing was changed), or use another --work folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"`nncourse` (pid {os.getpid()}, started {_now()})")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def grade_class(settings: GradingSettings, progress: bool = True) -> list[GradeRow]:
    """Grade the submissions and return every row of the class: graded now or kept from before."""
    settings.work_dir = Path(settings.work_dir).resolve()
    with _exclusive(settings.work_dir):
        return _grade_class(settings, progress)


def _grade_class(settings: GradingSettings, progress: bool) -> list[GradeRow]:
    ensure_venv_on_path()
    settings.submissions = Path(settings.submissions).resolve()
    settings.work_dir = Path(settings.work_dir).resolve()
    if not settings.submissions.is_dir():
        raise FileNotFoundError(f"no submissions folder at {settings.submissions}")
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    if settings.sandbox:
        from .sandbox import check_bwrap
        check_bwrap()  # fail now, with what to do, never fall back to unsandboxed grading
    students = sorted(p.name for p in settings.submissions.iterdir()
                      if p.is_dir() and not p.name.startswith("."))
    module_ids = _run_modules(settings, students)
    # The workers start now: they import nbgrader and build their API (seconds) while this
    # process opens the gradebook; then they register the modules, and this process stages the
    # submissions.
    with _worker_pool(settings, len(students) * len(module_ids)) as pool:
        return _prepare_and_grade(settings, students, module_ids, pool, progress)


def _prepare_and_grade(settings: GradingSettings, students, module_ids, pool, progress: bool) -> list[GradeRow]:
    # Rows that every worker needs are created here, once: workers creating them in parallel
    # would collide. The modules are then registered by the workers, in parallel (each writes
    # only its own assignment's rows).
    prepare_gradebook(settings.database, students)
    if pool is None:  # nothing to grade (no student): no workers were started
        api = _api(settings)
        registered = (_register(module, api) for module in module_ids)
    else:
        registered = pool.imap_unordered(_register, module_ids)
    for module, ok, log in registered:
        if not ok:
            raise RuntimeError(f"nbgrader could not register '{module}':\n{log}")
    # Before any student code runs: what the gradebook and the grader's records hold.
    before = gradebook_audit.snapshot(settings.database)
    stored = load_records(settings.work_dir)
    graded_before = set(stored) | {key[:2] for key in before.values}

    rows: dict[tuple[str, str], GradeRow] = {}
    jobs = []
    course = _CourseNotebooks(settings.root)
    for student in students:
        for module in module_ids:
            if not (settings.submissions / student / module).is_dir() and (student, module) in graded_before:
                continue  # nothing handed in this time: the earlier grade stays
            row = _stage(settings, student, module, course)
            row.graded_at = _now()
            rows[(student, module)] = row
            if row.status in ("missing", "unreadable"):
                _forget(settings, student, module)
            else:
                jobs.append((student, module))

    _run_jobs(settings, pool, jobs, rows, stored, progress)
    return _finish(settings, rows, stored, before)


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity (``taskset``, a cgroup cpuset), which
    can be fewer than the machine's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _worker_pool(settings: GradingSettings, at_most_jobs: int):
    """``settings.workers`` processes (default: one per core, never more than the jobs)."""
    if at_most_jobs == 0:
        yield None
        return
    cores = usable_cores()
    workers = max(1, min(settings.workers or cores, at_most_jobs))
    threads = max(1, cores // workers) if workers > 1 else 0
    with mp.get_context("spawn").Pool(workers, initializer=_worker_init, initargs=(settings, threads)) as pool:
        yield pool


def _run_jobs(settings: GradingSettings, pool, jobs, rows, stored, progress: bool) -> None:
    if not jobs:
        return
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc="grading", unit="notebook", disable=not progress,
               file=sys.stderr, dynamic_ncols=True, mininterval=0.5)
    with bar:
        for student, module, ok, error, summary, seconds in pool.imap_unordered(_autograde, jobs):
            row = rows[(student, module)]
            row.seconds = seconds
            if not ok:
                row.status = "error"
                log = settings.work_dir / "logs" / f"{student}__{module}.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                log.write_text(error)
                row.notes.append(f"nbgrader failed: {_root_cause(error)} (full log: {log})")
                earlier = stored.get((student, module))
                if earlier is not None:  # the machine failed, not the student: keep the last grade
                    row.cells = copy.deepcopy(earlier.cells)
                    row.notes.append(f"the grade of {earlier.graded_at} is kept until this notebook is graded again")
            elif summary is not None:
                row.status = summary["status"]
                row.cells = summary["cells"]
                if row.status == "ok" and row.tampered:
                    row.status = "tampered"
                if summary["warnings"]:
                    row.notes.append(f"warnings from student code: {summary['warnings'][0]}")
                if summary.get("retried"):
                    row.notes.append(f"graded on the second attempt; the first failed: {summary['retried']}")
            bar.update(1)


def _finish(settings: GradingSettings, rows, stored, before, exporting: bool = False) -> list[GradeRow]:
    """Add the kept rows, audit and repair the gradebook, fill in scores, save the records."""
    expected = dict(before.values)
    for (student, module), row in rows.items():
        prefix = (student, module)
        if row.status in ("missing", "unreadable"):   # removed from the gradebook on purpose
            for key in [k for k in expected if k[:2] == prefix]:
                del expected[key]
            continue
        if row.status == "error":
            continue  # nbgrader left the gradebook as it was
        for cell in row.cells:
            key = (student, module, cell.grade_id)
            _, manual, extra = before.values.get(key, (None, None, None))
            expected[key] = (cell.auto, manual, extra)

    kept = set(stored) | {key[:2] for key in before.values}
    for pair in sorted(kept - set(rows)):
        row = copy.deepcopy(stored[pair]) if pair in stored else _row_from_snapshot(*pair, before)
        row.in_run = False
        if pair in stored:
            row.notes = [n for n in row.notes if not n.startswith("not graded in this run")]
            if not exporting:
                row.notes.insert(0, f"not graded in this run: kept from {row.graded_at}")
            for cell in row.cells:  # the record, not the gradebook, says what the autograder gave
                key = (*pair, cell.grade_id)
                if key in expected:
                    expected[key] = (cell.auto, *expected[key][1:])
        rows[pair] = row

    for mismatch in gradebook_audit.audit_and_repair(settings.database, expected):
        row = rows.get(mismatch.key[:2])
        if row is not None:
            row.notes.append(mismatch.describe())

    from nbgrader.api import MissingEntry
    with open_gradebook(settings.database) as gb:
        for (student, module), row in rows.items():
            try:
                assignment = gb.find_assignment(module)
                row.max_score = float(assignment.max_score)
                row.written_max = float(assignment.max_written_score or 0)
            except MissingEntry:
                pass
            for cell in row.cells:  # written answers: the instructor's score, as verified above
                if cell.kind == "written":
                    cell.manual = expected.get((student, module, cell.grade_id), (None, None, None))[1]
            row.score = 0.0 if row.status in ("missing", "unreadable") else row.total()
    for row in rows.values():
        if row.in_run and row.status != "error":
            save_record(settings.work_dir, row)
        if exporting:
            row.in_run = True  # an export shows every grade as it stands, none as "kept"
    return [rows[k] for k in sorted(rows)]


def export_grades(settings: GradingSettings) -> list[GradeRow]:
    """Every stored grade, with the written answers' scores as the gradebook holds them now
    (after manual grading), without grading anything."""
    settings.work_dir = Path(settings.work_dir).resolve()
    with _exclusive(settings.work_dir):
        before = gradebook_audit.snapshot(settings.database)
        return _finish(settings, {}, load_records(settings.work_dir), before, exporting=True)


def write_feedback(settings: GradingSettings) -> list[Path]:
    """nbgrader feedback (HTML) for every autograded notebook, hidden tests removed."""
    ensure_venv_on_path()
    settings.work_dir = Path(settings.work_dir).resolve()
    api = _api(settings)
    autograded = settings.work_dir / "autograded"
    written = []
    if not autograded.is_dir():
        return written
    from .feedback import generate_feedback, install_mathjax
    install_mathjax(settings.work_dir / "feedback")
    for student_dir in sorted(p for p in autograded.iterdir() if p.is_dir()):
        for module_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            result = generate_feedback(api, module_dir.name, student_dir.name)
            if not result["success"]:
                raise RuntimeError(f"feedback for {student_dir.name}/{module_dir.name} failed:\n"
                                   f"{result.get('error') or result.get('log')}")
            written += sorted((settings.work_dir / "feedback" / student_dir.name / module_dir.name).glob("*.html"))
    return written
