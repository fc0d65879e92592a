"""``RefereeExecute``: nbgrader's Execute step, replaced by the guarded kernel + referee run."""
from __future__ import annotations

from traitlets import Bool, Integer

from nbgrader import utils
from nbgrader.preprocessors import Execute

from .runner import DEFAULT_MEMORY_MB, run_notebook

# Reports of the notebooks executed in this process, keyed by (student, assignment, notebook);
# the class grader reads them after each autograde call.
REPORTS: dict[tuple[str, str, str], object] = {}


def expected_auto_scores(nb) -> dict[str, tuple[float | None, float, str]]:
    """grade_id -> (auto_score, points, kind) of every grade cell of this executed notebook:
    the auto_score is what nbgrader's SaveAutoGrades will store (None for a written answer that
    waits for manual grading), kind is "test" or "written". The grader keeps this as its own
    record and checks the gradebook against it after the run."""
    out = {}
    for cell in nb.cells:
        if utils.is_grade(cell):
            auto, points = utils.determine_grade(cell)
            kind = "written" if utils.is_solution(cell) else "test"
            out[cell.metadata["nbgrader"]["grade_id"]] = (auto, points, kind)
    return out


class RefereeExecute(Execute):
    memory_mb = Integer(DEFAULT_MEMORY_MB, help="Memory cap of the student kernel (MB).").tag(config=True)
    notebook_timeout = Integer(600, help="Time budget of a whole notebook (s).").tag(config=True)
    sandbox = Bool(True, help="Run the student kernel in a bubblewrap sandbox.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources or {}
        path = resources.get("metadata", {}).get("path") or "."
        report = run_notebook(nb, path, cell_timeout=float(self.timeout or 30),
                              memory_mb=self.memory_mb, notebook_timeout=float(self.notebook_timeout),
                              sandbox=self.sandbox)
        report.expected_auto = expected_auto_scores(nb)
        info = resources.get("nbgrader", {})
        REPORTS[(info.get("student"), info.get("assignment"), info.get("notebook"))] = report
        return nb, resources
