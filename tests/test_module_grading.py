"""Every module's exercise grades correctly: the solution gets every autograded point, the
untouched student version gets none, and each typical mistake (examples/typical_mistakes)
loses exactly the points of the tests written to catch it."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from examples.typical_mistakes import mistakes_for
from nncourse.authoring import filled_exercise, hidden_test_kind
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
    visible = {c.metadata["nbgrader"]["grade_id"] for c in solution.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
               and hidden_test_kind(c.source) == "visible"}
    from nbgrader.api import Gradebook
    scores = {}
    with Gradebook(settings.database) as gb:
        for student in students:
            nb = gb.find_submission_notebook(module, module, student)
            scores[student] = {g.name: g.score for g in nb.grades if g.cell_type == "code"}
    return {"module": module, "rows": rows, "scores": scores, "mistakes": mistakes,
            "tests": _auto_test_ids(solution), "visible": visible}


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


def test_each_typical_mistake_fails_a_visible_test_that_names_it(graded_module):
    """A student finds every typical mistake before submitting, told what it is: at least one
    VISIBLE test fails with a message containing the mistake's ``visible_message``."""
    problems = []
    for name, mistake in graded_module["mistakes"].items():
        if not mistake.visible_message:
            problems.append(f"{name}: no visible_message (the phrase a failing visible test must show)")
            continue
        row = graded_module["rows"][f"mistake_{name}"]
        failing = [c for c in row.cells if c.kind == "test" and c.grade_id in graded_module["visible"] and not c.auto]
        if not failing:
            problems.append(f"{name}: passes every visible test (it is found only at grading)")
        elif not any(mistake.visible_message.lower() in c.message.lower() for c in failing):
            problems.append(f"{name}: the failing visible tests {[c.grade_id for c in failing]} do not say "
                            f"{mistake.visible_message!r}: {[c.message[:200] for c in failing]}")
    assert not problems, "\n".join(problems)


def test_no_test_cell_mixes_visible_and_hidden_tests():
    """The self-check counts a visible cell's result as the cell's points: a cell that also holds
    hidden tests would over-report."""
    mixed = []
    for module in MODULES:
        solution = nbformat.read(str(notebook_path(ROOT / SOLUTIONS, module)), as_version=4)
        mixed += [f"{module}: {c.metadata['nbgrader']['grade_id']}" for c in solution.cells
                  if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
                  and hidden_test_kind(c.source) == "mixed"]
    assert not mixed, f"split these test cells into a visible and a hidden one: {mixed}"
