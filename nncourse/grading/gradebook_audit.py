"""Check nbgrader's gradebook against the grader's own record, and repair it.

Student code runs while the gradebook is on disk; without an OS sandbox it can open the SQLite file
and rewrite other students' rows. So before any student code runs the grader takes a snapshot of
every grade, and after the run it compares each row with what it should be: for a notebook graded
in this run, the auto score the grader computed itself; for every other row, the snapshot. A row
that differs is reported as tampering and set back to the grader's value.
"""
from __future__ import annotations

from dataclasses import dataclass

from .nbgrader_setup import open_gradebook

Key = tuple[str, str, str]          # (student, module, grade_id)
Values = tuple[float | None, float | None, float | None]  # auto_score, manual_score, extra_credit


def _all_grades(gb):
    from nbgrader.api import Grade
    return gb.db.query(Grade).all()


def _key(grade) -> Key:
    return (grade.student.id, grade.assignment.name, grade.name)


@dataclass
class Snapshot:
    values: dict[Key, Values]
    cells: dict[Key, tuple[str, float]]   # (kind "test" or "written", max_score) of each row


def snapshot(db_url: str) -> Snapshot:
    """Every grade row of the gradebook, as plain values."""
    values, cells = {}, {}
    with open_gradebook(db_url) as gb:
        for g in _all_grades(gb):
            key = _key(g)
            values[key] = (g.auto_score, g.manual_score, g.extra_credit)
            cells[key] = ("written" if g.cell_type == "markdown" else "test", float(g.max_score or 0))
    return Snapshot(values, cells)


@dataclass
class Mismatch:
    key: Key
    found: Values | None     # None: the row was deleted
    expected: Values

    def describe(self) -> str:
        names = ("auto_score", "manual_score", "extra_credit")
        if self.found is None:
            return f"gradebook changed: the row of '{self.key[2]}' was deleted"
        diffs = [f"{n} {f!r} instead of {e!r}" for n, f, e in zip(names, self.found, self.expected) if f != e]
        return f"gradebook changed: '{self.key[2]}' had {', '.join(diffs)}; the grader's record was kept"


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-9


def audit_and_repair(db_url: str, expected: dict[Key, Values]) -> list[Mismatch]:
    """Compare the gradebook with ``expected`` and set every differing row back to it."""
    found: list[Mismatch] = []
    with open_gradebook(db_url) as gb:
        present = {}
        for grade in _all_grades(gb):
            key = _key(grade)
            present[key] = True
            if key not in expected:
                continue
            want = expected[key]
            have = (grade.auto_score, grade.manual_score, grade.extra_credit)
            if not all(_same(h, w) for h, w in zip(have, want)):
                found.append(Mismatch(key, have, want))
                grade.auto_score, grade.manual_score, grade.extra_credit = want
                grade.needs_manual_grade = grade.auto_score is None or grade.manual_score is not None
        if found:
            gb.db.commit()
        for key, want in expected.items():
            if key not in present:
                found.append(Mismatch(key, None, want))
    return found
