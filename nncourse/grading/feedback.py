"""Feedback reports a student can use: tests named by their task, written answers that wait for the
instructor marked "not graded yet", math typeset offline by a local copy of MathJax.

nbgrader writes the HTML with its ``GenerateFeedback`` step; this module adds two preprocessors to
that step, the course's template (``templates/nncourse_feedback``) and the MathJax copy.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor

from ..authoring import hidden_test_kind

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "nncourse_feedback"
MATHJAX_DIR = "mathjax"  # WORK/feedback/mathjax, shared by every report
# Reports live in feedback/<student>/<module>/<notebook>.html, two folders below the copy.
MATHJAX_URL = f"../../{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*$", re.M)


class GetGradesWithStatus(GetGrades):
    """nbgrader's GetGrades, plus: which written answers still wait for manual grading."""

    def preprocess(self, nb, resources):
        self._pending = 0.0
        nb, resources = super().preprocess(nb, resources)
        resources["nbgrader"]["pending_points"] = self._pending
        return nb, resources

    def _get_score(self, cell, resources):
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        pending = grade.manual_score is None and grade.auto_score is None
        cell.metadata.nbgrader["pending"] = pending
        if pending:
            self._pending += float(grade.max_score or 0)


class LabelGradedCells(NbGraderPreprocessor):
    """Name every graded cell by the task it belongs to (the last Markdown heading before it) and
    by its kind: visible tests, hidden tests, or a written answer. Runs before ClearHiddenTests."""

    def preprocess(self, nb, resources):
        task = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown" and not utils.is_grade(cell):
                headings = _HEADING.findall(cell.source)
                if headings:
                    task = headings[-1].replace("`", "").rstrip(".")
            if utils.is_grade(cell):
                if cell.cell_type == "markdown" or utils.is_solution(cell):
                    kind = "written answer"
                else:
                    kind = "hidden tests" if hidden_test_kind(cell.source) == "hidden" else "visible tests"
                cell.metadata.nbgrader["nncourse_label"] = f"{task}: {kind}" if task else kind.capitalize()
        return nb, resources


def install_mathjax(feedback_dir: Path) -> Path:
    """Copy MathJax (from the jupyter-server-mathjax package) next to the reports, once."""
    import jupyter_server_mathjax
    target = Path(feedback_dir) / MATHJAX_DIR
    if not (target / "MathJax.js").is_file():
        source = Path(jupyter_server_mathjax.__file__).parent / "static"
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def generate_feedback(api, module: str, student: str) -> dict:
    """nbgrader's ``NbGraderAPI.generate_feedback`` without its forced template name: the same
    GenerateFeedback step, rendered with this course's template."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.utils import capture_log, temp_attrs
    with temp_attrs(api.coursedir, assignment_id=module, student_id=student):
        app = GenerateFeedback(coursedir=api.coursedir, parent=api)
        app.force = True
        return capture_log(app)
