"""The grader's own record of every grade: one row per student and module, one entry per graded cell.

The table and the CSV come from these records, never from nbgrader's gradebook alone: student
code that reaches the gradebook could rewrite it, so the gradebook is checked against the records
after every run (``gradebook_audit``). A record is written to ``WORK/records/<student>/<module>.json``
when its module is graded, and read back in later runs that do not grade that module again, so a
grade is never lost or lowered by a run that did not re-grade it.
"""
from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

RECORDS_DIR = "records"


@dataclass
class CellRecord:
    """One graded cell: an autograded test (``kind="test"``) or a written answer (``"written"``).

    ``auto`` is the autograder's score (for a written answer: 0 when left unanswered, None when it
    waits for manual grading); ``manual`` is the instructor's score of a written answer.
    """
    grade_id: str
    kind: str
    points: float
    auto: float | None = None
    manual: float | None = None
    message: str = ""

    @property
    def score(self) -> float:
        if self.kind == "written" and self.manual is not None:
            return float(self.manual)
        return float(self.auto or 0.0)

    @property
    def pending(self) -> bool:
        """A written answer that waits for the instructor."""
        return self.kind == "written" and self.manual is None and self.auto is None


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
    cells: list[CellRecord] = field(default_factory=list)
    graded_at: str = ""       # when this record was made (ISO time)
    in_run: bool = True       # graded by this run (False: kept from an earlier run)

    def total(self) -> float:
        """Autograded points from the record plus the instructor's points for written answers."""
        return sum(c.score for c in self.cells)

    @property
    def written_pending(self) -> float:
        return sum(c.points for c in self.cells if c.pending)


def record_path(work_dir: Path, student: str, module: str) -> Path:
    return Path(work_dir) / RECORDS_DIR / student / f"{module}.json"


def save_record(work_dir: Path, row: GradeRow) -> None:
    path = record_path(work_dir, row.student, row.module)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(row)
    data.pop("in_run")
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)  # atomic: a crash never leaves half a record


def load_records(work_dir: Path) -> dict[tuple[str, str], GradeRow]:
    """Every stored record, keyed by (student, module); unreadable files are skipped."""
    out: dict[tuple[str, str], GradeRow] = {}
    root = Path(work_dir) / RECORDS_DIR
    if not root.is_dir():
        return out
    for path in sorted(root.glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
            cells = [CellRecord(**c) for c in data.pop("cells", [])]
            row = GradeRow(**data, cells=cells, in_run=False)
        except (ValueError, TypeError):
            continue
        out[(row.student, row.module)] = row
    return out


# No timestamp column: grading the same class twice writes the same file (kept rows say in
# their notes when they were graded).
CSV_COLUMNS = ["student", "module", "score", "max_score", "written_max", "written_pending", "status", "notes"]


def write_csv(rows: list[GradeRow], path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow([r.student, r.module, f"{r.score:g}", f"{r.max_score:g}", f"{r.written_max:g}",
                             f"{r.written_pending:g}", r.status, "; ".join(r.notes)])


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
            r = cell.get((s, m))
            if r is None:
                parts.append(f"{'-':<{colw}}")
                continue
            total += r.score
            maxtotal += r.max_score
            mark = "" if r.in_run else "*"
            parts.append(f"{f'{r.score:g}/{r.max_score:g} {r.status}{mark}':<{colw}}")
        parts.append(f"{total:g}/{maxtotal:g}")
        lines.append("  ".join(parts))
    legend = ", ".join(f"{short[m]} = {m}" for m in module_ids)
    lines.append("")
    lines.append(f"modules: {legend}")
    if any(not r.in_run for r in rows):
        lines.append("* not graded in this run: the grade of an earlier run, kept")
    written = {r.module: r.written_max for r in rows if r.written_max}
    if written:
        parts = ", ".join(f"{short[m]}: {p:g}" for m, p in sorted(written.items()))
        lines.append(f"the maximum includes written answers graded by hand in nbgrader's formgrader ({parts} points)")
    pending = sum(1 for r in rows if r.written_pending)
    if pending:
        lines.append(f"{pending} notebook(s) have written answers not graded yet (counted as 0 until graded; "
                     "run `nncourse export` after grading them in formgrader)")
    tampering = [r for r in rows if any(n.startswith("gradebook changed") for n in r.notes)]
    if tampering:
        lines.append(f"WARNING: nbgrader's gradebook did not match the grader's record for {len(tampering)} "
                     "notebook(s) (tampering?): the grader's record was kept and the gradebook repaired; "
                     "see the notes in the CSV")
    return "\n".join(lines)
