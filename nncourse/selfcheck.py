"""``nncourse check NOTEBOOK``: a student's self-check, with no course folder or gradebook.

Runs the notebook in a fresh guarded kernel exactly as the grader does (tests in the referee,
the reference implementation blocked) and prints each task's result.
"""
from __future__ import annotations

from pathlib import Path
import warnings

import nbformat

from .grading.runner import DEFAULT_CELL_TIMEOUT, RunReport, run_notebook


class NotebookUnreadable(ValueError):
    pass


def read_notebook(path: Path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    try:
        with warnings.catch_warnings():  # old or hand-edited notebooks get repaired quietly
            warnings.simplefilter("ignore")
            nb = nbformat.read(str(path), as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - any parse problem means unreadable
        raise NotebookUnreadable(f"{path} is not a readable notebook: {str(exc).splitlines()[0][:300]}") from None
    return nb


def written_points(nb) -> float:
    """Points of the written answers (Markdown cells graded by hand)."""
    return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))


def check_notebook(path: Path, cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> RunReport:
    path = Path(path).resolve()
    nb = read_notebook(path)
    report = run_notebook(nb, str(path.parent), cell_timeout=cell_timeout)
    report.written_max = written_points(nb)
    return report


def format_report(report: RunReport, name: str) -> str:
    lines = [f"Self-check of {name}", ""]
    width = max([len(t.grade_id) for t in report.tests] + [10])
    for t in report.tests:
        if t.hidden_only:
            lines.append(f"  {t.grade_id:<{width}}  hidden  {t.points:g} point(s), checked when your work is graded")
            continue
        mark = "passed" if t.passed else "FAILED"
        lines.append(f"  {t.grade_id:<{width}}  {mark}  {t.points:g} point(s)")
        if not t.passed:
            for i, line in enumerate(t.message.strip().splitlines()[:6]):
                lines.append(f"  {'':<{width}}    {'-> ' if i == 0 else '   '}{line}")
    if not report.tests:
        lines.append("  (this notebook has no test cells)")
    lines.append("")
    visible = [t for t in report.tests if not t.hidden_only]
    hidden_max = sum(t.points for t in report.tests if t.hidden_only)
    written_max = getattr(report, "written_max", 0.0)
    total = report.visible_max + hidden_max + written_max
    lines.append(f"Visible tests: {report.visible_score:g} / {report.visible_max:g} points "
                 f"({sum(t.passed for t in visible)} of {len(visible)} passed)")
    lines.append(f"Hidden tests:  {hidden_max:g} points, run only when your instructor grades the notebook "
                 "(other inputs, large magnitudes, edge cases)")
    lines.append(f"Written answers: {written_max:g} points, graded by your instructor")
    lines.append(f"Notebook total: {total:g} points = {report.visible_max:g} visible + {hidden_max:g} hidden "
                 f"+ {written_max:g} written. Passing every visible test does not guarantee the hidden ones.")
    if report.status != "ok":
        lines.append(f"Status: {report.status}")
    if report.warnings:
        lines.append(f"Warnings from your code: {len(report.warnings)}, first: {report.warnings[0]}")
    return "\n".join(lines)
