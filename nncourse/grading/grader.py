"""Grade a class: ``SUBMISSIONS/<student>/<module>/<module>.ipynb`` -> gradebook, table, CSV.

Steps: (1) register every module in the gradebook with nbgrader's generate_assignment;
(2) check each submission: missing or unreadable ones get score 0 and any earlier result of that
student and module is deleted; readable ones are put back into the released layout and staged
in nbgrader's ``submitted/`` folder (the instructor's SUBMISSIONS folder is never modified);
(3) autograde the staged notebooks in worker processes with nbgrader, our RefereeExecute doing
the execution; (4) read the scores back from the gradebook.
"""
from __future__ import annotations

import csv
import multiprocessing as mp
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..course import EXERCISES, ROOT, ensure_venv_on_path, modules as course_modules, notebook_path
from .layout import restore_released_layout

# nbgrader 0.9's gradebook code triggers SQLAlchemy "not in session" warnings on deletes.
warnings.filterwarnings("ignore", message=".*not in session.*")

STATUSES = ("ok", "timeout", "crashed", "unreadable", "missing", "tampered", "error")


@dataclass
class GradeRow:
    student: str
    module: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    tampered: bool = False  # test or task cells were edited, deleted, duplicated or moved
    written_max: float = 0.0  # points of written answers, graded by hand (part of max_score)


@dataclass
class GradingSettings:
    submissions: Path
    work_dir: Path
    root: Path = ROOT
    db_url: str | None = None
    cell_timeout: float = 30.0
    workers: int = 0
    modules: list[str] | None = None

    @property
    def database(self) -> str:
        return self.db_url or f"sqlite:///{self.work_dir / 'gradebook.db'}"


def _config(settings: GradingSettings):
    from .nbgrader_setup import course_config
    return course_config(settings.root, work_dir=settings.work_dir, db_url=settings.database,
                         cell_timeout=settings.cell_timeout,
                         release_dir=settings.work_dir / "release")


def _api(settings: GradingSettings):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    config = _config(settings)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _forget(settings: GradingSettings, student: str, module: str) -> None:
    """Delete every trace of an earlier grade of ``student`` on ``module``."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(settings.database) as gb:
        try:
            gb.remove_submission(module, student)
        except MissingEntry:
            pass
    for step in ("submitted", "autograded", "feedback"):
        shutil.rmtree(settings.work_dir / step / student / module, ignore_errors=True)


def _stage(settings: GradingSettings, student: str, module: str) -> GradeRow:
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
    released = nbformat.read(str(notebook_path(settings.root / EXERCISES, module)), as_version=4)
    restored, notes = restore_released_layout(nb, released)
    row.notes.extend(notes)
    row.tampered = any(not n.startswith("solution cell") for n in notes)
    target = notebook_path(settings.work_dir / "submitted" / student, module)
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    nbformat.write(restored, str(target))
    for extra in src.parent.iterdir():  # data files the notebook may read
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy2(extra, target.parent / extra.name)
    return row


# --- worker processes ------------------------------------------------------------------------
_WORKER_API = None


def _worker_init(settings: GradingSettings) -> None:
    global _WORKER_API
    ensure_venv_on_path()
    _WORKER_API = _api(settings)


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
        first_failure = "\n".join(part for part in (result.get("log"), result.get("error")) if part)
        REPORTS.clear()
        result = _WORKER_API.autograde(module, student, force=True, create=False)
    report = REPORTS.get((student, module, module))
    error = "" if result["success"] else "\n".join(
        part for part in (first_failure, "== second attempt ==", result.get("log"), result.get("error")) if part)
    summary = None
    if report is not None:
        summary = {"status": report.status, "warnings": report.warnings[:5],
                   "failed": [t.grade_id for t in report.tests if not t.passed]}
    if result["success"] and first_failure:
        summary = summary or {"status": "ok", "warnings": [], "failed": []}
        summary["retried"] = _root_cause(first_failure)
    return student, module, bool(result["success"]), error, summary, time.monotonic() - start


def _root_cause(log: str) -> str:
    """The most telling line of an nbgrader failure: the last exception that is not nbgrader's
    generic 'see the traceback above'."""
    lines = [l.strip() for l in log.splitlines()]
    causes = [l for l in lines if ("Error" in l or "Exception" in l) and ":" in l
              and "Please see the" not in l and not l.startswith("File ")]
    return (causes[-1] if causes else (lines[-1] if lines else "no log"))[:300]


def _progress(done: int, total: int, start: float) -> None:
    if not sys.stderr.isatty() and done not in (total,) and done % max(1, total // 10):
        return
    width = 30
    filled = int(width * done / max(total, 1))
    rate = (time.monotonic() - start) / max(done, 1)
    eta = rate * (total - done)
    sys.stderr.write(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total} notebooks"
                     f"  {rate:.1f} s each, {eta:.0f} s left ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def grade_class(settings: GradingSettings, progress: bool = True) -> list[GradeRow]:
    ensure_venv_on_path()
    settings.submissions = Path(settings.submissions).resolve()
    settings.work_dir = Path(settings.work_dir).resolve()
    if not settings.submissions.is_dir():
        raise FileNotFoundError(f"no submissions folder at {settings.submissions}")
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    module_ids = settings.modules or course_modules(settings.root)
    unknown = set(module_ids) - set(course_modules(settings.root))
    if unknown:
        raise ValueError(f"unknown module(s) {sorted(unknown)}; the course has {course_modules(settings.root)}")

    api = _api(settings)
    for module in module_ids:  # registers the assignment and its test cells in the gradebook
        result = api.generate_assignment(module, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not register '{module}':\n{result.get('error') or result.get('log')}")

    students = sorted(p.name for p in settings.submissions.iterdir()
                      if p.is_dir() and not p.name.startswith("."))
    from nbgrader.api import Gradebook
    with Gradebook(settings.database) as gb:
        for student in students:  # created here, once: parallel creation would collide
            gb.update_or_create_student(student)

    rows: dict[tuple[str, str], GradeRow] = {}
    jobs = []
    for student in students:
        for module in module_ids:
            row = _stage(settings, student, module)
            rows[(student, module)] = row
            if row.status in ("missing", "unreadable"):
                _forget(settings, student, module)
            else:
                jobs.append((student, module))

    workers = settings.workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(jobs) or 1))
    start = time.monotonic()
    done = 0
    ctx = mp.get_context("spawn")
    if jobs:
        with ctx.Pool(workers, initializer=_worker_init, initargs=(settings,)) as pool:
            for student, module, ok, error, summary, seconds in pool.imap_unordered(_autograde, jobs):
                row = rows[(student, module)]
                row.seconds = seconds
                if not ok:
                    row.status = "error"
                    log = settings.work_dir / "logs" / f"{student}__{module}.log"
                    log.parent.mkdir(parents=True, exist_ok=True)
                    log.write_text(error)
                    row.notes.append(f"nbgrader failed: {_root_cause(error)} (full log: {log})")
                    _forget(settings, student, module)
                elif summary is not None:
                    row.status = summary["status"]
                    if row.status == "ok" and row.tampered:
                        row.status = "tampered"
                    if summary["warnings"]:
                        row.notes.append(f"warnings from student code: {summary['warnings'][0]}")
                    if summary.get("retried"):
                        row.notes.append(f"graded on the second attempt; the first failed: {summary['retried']}")
                done += 1
                if progress:
                    _progress(done, len(jobs), start)

    with Gradebook(settings.database) as gb:
        for (student, module), row in rows.items():
            assignment = gb.find_assignment(module)
            row.max_score = float(assignment.max_score)
            row.written_max = float(assignment.max_written_score or 0)
            if row.status in ("missing", "unreadable", "error"):
                row.score = 0.0
                continue
            submission = gb.find_submission(module, student)
            row.score = float(submission.score)
    return [rows[k] for k in sorted(rows)]


def write_csv(rows: list[GradeRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "module", "score", "max_score", "written_max", "status", "notes"])
        for r in rows:
            writer.writerow([r.student, r.module, f"{r.score:g}", f"{r.max_score:g}", f"{r.written_max:g}",
                             r.status, "; ".join(r.notes)])


def format_table(rows: list[GradeRow]) -> str:
    students = sorted({r.student for r in rows})
    module_ids = sorted({r.module for r in rows})
    cell = {(r.student, r.module): r for r in rows}
    short = {m: m.split("_")[0] for m in module_ids}
    width = max([len(s) for s in students] + [7])
    colw = 22
    lines = ["  ".join([f"{'student':<{width}}"] + [f"{short[m]:<{colw}}" for m in module_ids] + ["total"])]
    for s in students:
        parts = [f"{s:<{width}}"]
        total = maxtotal = 0.0
        for m in module_ids:
            r = cell[(s, m)]
            total += r.score
            maxtotal += r.max_score
            parts.append(f"{f'{r.score:g}/{r.max_score:g} {r.status}':<{colw}}")
        parts.append(f"{total:g}/{maxtotal:g}")
        lines.append("  ".join(parts))
    legend = ", ".join(f"{short[m]} = {m}" for m in module_ids)
    lines.append("")
    lines.append(f"modules: {legend}")
    written = {r.module: r.written_max for r in rows if r.written_max}
    if written:
        parts = ", ".join(f"{short[m]}: {p:g}" for m, p in sorted(written.items()))
        lines.append(f"the maximum includes written answers graded by hand in nbgrader's formgrader ({parts} points)")
    return "\n".join(lines)


def write_feedback(settings: GradingSettings) -> list[Path]:
    """nbgrader feedback (HTML) for every autograded notebook, hidden tests removed."""
    ensure_venv_on_path()
    settings.work_dir = Path(settings.work_dir).resolve()
    api = _api(settings)
    autograded = settings.work_dir / "autograded"
    written = []
    if not autograded.is_dir():
        return written
    for student_dir in sorted(p for p in autograded.iterdir() if p.is_dir()):
        for module_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            result = api.generate_feedback(module_dir.name, student_dir.name, force=True)
            if not result["success"]:
                raise RuntimeError(f"feedback for {student_dir.name}/{module_dir.name} failed:\n"
                                   f"{result.get('error') or result.get('log')}")
            written += sorted((settings.work_dir / "feedback" / student_dir.name / module_dir.name).glob("*.html"))
    return written
