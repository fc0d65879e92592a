"""Every module's exercise grades correctly: the solution gets every autograded point, the
untouched student version gets none, and each typical mistake (examples/typical_mistakes)
loses exactly the points of the tests written to catch it."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from examples.typical_mistakes import mistakes_for
from nncourse.authoring import filled_exercise
from nncourse.course import EXERCISES, ROOT, SOLUTIONS, modules, notebook_path
from nncourse.grading.grader import GradingSettings, grade_class

MODULES = modules()


def _auto_test_ids(nb) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


@pytest.fixture(scope="module", params=MODULES)
def graded_module(request, tmp_path_factory):
    module = request.param
    exercise = nbformat.read(str(notebook_path(ROOT / EXERCISES, module)), as_version=4)
    solution = nbformat.read(str(notebook_path(ROOT / SOLUTIONS, module)), as_version=4)
    mistakes = mistakes_for(module)
    class_dir = tmp_path_factory.mktemp(f"class_{module}")
    students = {"full": filled_exercise(exercise, solution), "untouched": exercise}
    for name, mistake in mistakes.items():
        students[f"mistake_{name}"] = filled_exercise(exercise, solution, mistake.sources(solution))
    for student, nb in students.items():
        path = notebook_path(class_dir / student, module)
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    work = tmp_path_factory.mktemp(f"work_{module}")
    settings = GradingSettings(submissions=class_dir, work_dir=work, cell_timeout=10, workers=2,
                               modules=[module])
    rows = {r.student: r for r in grade_class(settings, progress=False)}
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(settings.database) as gb:
        for student in students:
            nb = gb.find_submission_notebook(module, module, student)
            scores[student] = {g.name: g.score for g in nb.grades if g.cell_type == "code"}
    return {"module": module, "rows": rows, "scores": scores, "mistakes": mistakes,
            "tests": _auto_test_ids(solution)}


def test_solution_gets_every_autograded_point(graded_module):
    scores = graded_module["scores"]["full"]
    failed = [t for t in graded_module["tests"] if not scores[t]]
    assert not failed, f"{graded_module['module']}: the solution fails {failed}"
    assert graded_module["rows"]["full"].status == "ok"


def test_untouched_student_version_gets_zero(graded_module):
    scores = graded_module["scores"]["untouched"]
    passed = [t for t in graded_module["tests"] if scores[t]]
    assert not passed, f"{graded_module['module']}: the untouched notebook passes {passed}"
    assert graded_module["rows"]["untouched"].score == 0


def test_module_has_typical_mistakes_written_down(graded_module):
    assert len(graded_module["mistakes"]) >= 5, "list at least five typical wrong answers per module"


def test_each_typical_mistake_loses_its_points(graded_module):
    full = graded_module["rows"]["full"].score
    problems = []
    for name, mistake in graded_module["mistakes"].items():
        scores = graded_module["scores"][f"mistake_{name}"]
        for t in mistake.fails:
            if scores[t]:
                problems.append(f"{name}: {t} should fail but scored {scores[t]}")
        for t in mistake.passes:
            if not scores[t]:
                problems.append(f"{name}: {t} should still pass but scored 0")
        if not graded_module["rows"][f"mistake_{name}"].score < full:
            problems.append(f"{name}: lost no points")
    assert not problems, "\n".join(problems)
