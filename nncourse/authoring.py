"""Build nbgrader notebooks from Python: cells with the metadata nbgrader's toolbar writes.

    nb = new_notebook([
        task_text("intro", "# Module 1 ..."),
        setup_cell("imports", "import numpy as np"),
        solution_cell("sigmoid", "def sigmoid(z):\\n    ### BEGIN SOLUTION\\n    ...\\n    ### END SOLUTION"),
        visible_test("test_sigmoid", 2, "check_close(sigmoid(0.0), 0.5, 'sigmoid(0)')"),
        hidden_test("test_sigmoid_hidden", 2, "check_close(sigmoid(-1000.0), 0.0, 'sigmoid(-1000)')"),
        written_answer("why_depth", 2, "Explain ..."),
    ])
"""
from __future__ import annotations

import nbformat


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _source(text: str) -> str:
    return text.strip("\n")


def task_text(grade_id: str, markdown: str):
    """Read-only Markdown (task statements, explanations)."""
    return nbformat.v4.new_markdown_cell(_source(markdown), metadata=_meta(grade_id, locked=True))


def setup_cell(grade_id: str, code: str):
    """Read-only code run before the student's code (imports, data); runs in the referee too."""
    return nbformat.v4.new_code_cell(_source(code), metadata=_meta(grade_id, locked=True))


def solution_cell(grade_id: str, code: str):
    """Code the student writes; the part between BEGIN/END SOLUTION becomes a stub."""
    return nbformat.v4.new_code_cell(_source(code), metadata=_meta(grade_id, solution=True))


HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _outside_hidden_region(code: str) -> list[str]:
    """The code lines of a test cell outside its hidden region, imports and comments excluded."""
    keep, inside = [], False
    for line in code.splitlines():
        stripped = line.strip()
        if stripped == HIDDEN_BEGIN:
            inside = True
        elif stripped == HIDDEN_END:
            inside = False
        elif not inside and stripped and not stripped.startswith(("#", "import ", "from ")):
            keep.append(line)
    return keep


def hidden_test_kind(code: str) -> str:
    """``"visible"``, ``"hidden"`` or ``"mixed"``: what a test cell's source holds.

    A hidden cell may keep import lines outside its hidden region (so the student's copy still
    runs); anything else outside it makes the cell mixed, which the course does not allow: the
    self-check would count the visible part as the cell's whole result.
    """
    if HIDDEN_BEGIN not in code:
        return "visible"
    return "mixed" if _outside_hidden_region(code) else "hidden"


def test_cell(grade_id: str, points: float, code: str):
    """Autograded, locked tests: either all visible or all hidden (see :func:`visible_test` and
    :func:`hidden_test`); a cell that mixes both is refused."""
    code = _source(code)
    if hidden_test_kind(code) == "mixed":
        raise ValueError(f"test cell {grade_id!r} mixes visible and hidden tests: put them in two cells "
                         "(visible_test and hidden_test), so that the self-check's numbers are true")
    return nbformat.v4.new_code_cell(code, metadata=_meta(grade_id, grade=True, locked=True, points=points))


def visible_test(grade_id: str, points: float, code: str):
    """A test cell the student sees and can run."""
    if HIDDEN_BEGIN in code or HIDDEN_END in code:
        raise ValueError(f"visible test {grade_id!r} contains hidden-test markers: use hidden_test")
    return test_cell(grade_id, points, code)


def hidden_test(grade_id: str, points: float, code: str,
                imports: str = "from nncourse.testing import check_close"):
    """A test cell whose checks are all hidden: the student's copy keeps only ``imports``."""
    if HIDDEN_BEGIN in code or HIDDEN_END in code:
        raise ValueError(f"hidden test {grade_id!r}: give the code without markers, hidden_test adds them")
    return test_cell(grade_id, points, f"{_source(imports)}\n{HIDDEN_BEGIN}\n{_source(code)}\n{HIDDEN_END}")


def written_answer(grade_id: str, points: float, markdown: str):
    """A manually graded Markdown answer."""
    return nbformat.v4.new_markdown_cell(_source(markdown),
                                         metadata=_meta(grade_id, grade=True, solution=True, points=points))


def new_notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = list(cells)
    for i, cell in enumerate(nb.cells):  # stable ids keep diffs small
        cell["id"] = cell["metadata"]["nbgrader"]["grade_id"].replace("_", "-")[:64] if "nbgrader" in cell["metadata"] else f"cell-{i}"
    return nb


_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def strip_markers(source: str) -> str:
    """The solution text without nbgrader's region markers (what a student would have typed)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in _MARKERS)


def filled_exercise(exercise, solution, replace: dict[str, str] | None = None):
    """The student version with every solution cell answered as in ``solution``.

    ``replace`` maps a solution cell's grade_id to other source (a partial or wrong answer).
    """
    import copy
    answers = {c.metadata["nbgrader"]["grade_id"]: strip_markers(c.source)
               for c in solution.cells if c.metadata.get("nbgrader", {}).get("solution")}
    answers.update(replace or {})
    nb = copy.deepcopy(exercise)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta["grade_id"] in answers:
            cell.source = answers[meta["grade_id"]]
    return nb
