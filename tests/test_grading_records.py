"""Grades are never lost: weekly grading keeps what a run does not re-grade, the table comes from
the grader's own record and survives a submission that rewrites the gradebook, written answers
graded by hand reach the totals, and the instructor's source notebook is recognized."""
from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path

import nbformat
import pytest

import toy_course as toy
from nncourse import release
from nncourse.grading.grader import GradingSettings, export_grades, grade_class, write_csv, write_feedback

FULL_01 = toy.AUTO_POINTS          # 4 autograded points of module 01 (plus a 1-point written answer)
FULL_02 = 2.0


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    toy.build(root)
    release.release(root=root)
    return root


def _grade(course, class_dir, work, **kw):
    settings = GradingSettings(submissions=class_dir, work_dir=work, root=course, cell_timeout=10,
                               workers=kw.pop("workers", 2), **kw)
    return {(r.student, r.module): r for r in grade_class(settings, progress=False)}, settings


def _gradebook_scores(settings) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook
    with Gradebook(settings.database) as gb:
        return {(s.student.id, s.assignment.name): float(s.score)
                for a in gb.assignments for s in a.submissions}


def test_weekly_grading_never_deletes_or_lowers_an_earlier_grade(course, tmp_path):
    work = tmp_path / "work"
    week1 = tmp_path / "week1"
    toy.submit(week1, "amy", toy.answered(course))
    toy.submit(week1, "ben", toy.answered(course, sigmoid="def sigmoid(z):\n    return z"))
    rows, _ = _grade(course, week1, work)
    assert rows[("amy", toy.MODULE)].score == FULL_01
    ben_01 = rows[("ben", toy.MODULE)].score
    assert 0 < ben_01 < FULL_01

    # Week 2: a folder with module 02 only, and only amy handed in (ben's folder is absent).
    week2 = tmp_path / "week2"
    toy.submit(week2, "amy", toy.answered(course, toy.MODULE2), module=toy.MODULE2)
    rows, settings = _grade(course, week2, work)
    assert rows[("amy", toy.MODULE2)].score == FULL_02 and rows[("amy", toy.MODULE2)].in_run
    for who, score in (("amy", FULL_01), ("ben", ben_01)):
        kept = rows[(who, toy.MODULE)]
        assert (kept.score, kept.status, kept.in_run) == (score, "ok", False), kept.notes
        assert any("not graded in this run" in n for n in kept.notes)
    assert _gradebook_scores(settings)[("amy", toy.MODULE)] == FULL_01
    assert ("ben", toy.MODULE2) not in rows  # never handed in, never graded: no row invented

    # Week 3: both modules for amy, ben hands in module 02 only: every grade survives.
    week3 = tmp_path / "week3"
    toy.submit(week3, "amy", toy.answered(course))
    toy.submit(week3, "amy", toy.answered(course, toy.MODULE2), module=toy.MODULE2)
    toy.submit(week3, "ben", toy.answered(course, toy.MODULE2), module=toy.MODULE2)
    rows, settings = _grade(course, week3, work)
    assert rows[("amy", toy.MODULE)].score == FULL_01 and rows[("amy", toy.MODULE2)].score == FULL_02
    assert rows[("ben", toy.MODULE)].score == ben_01 and not rows[("ben", toy.MODULE)].in_run
    assert rows[("ben", toy.MODULE2)].score == FULL_02
    book = _gradebook_scores(settings)
    assert book[("ben", toy.MODULE)] == ben_01 and book[("ben", toy.MODULE2)] == FULL_02

    # The CSV lists every grade of the class, kept ones included.
    write_csv(list(rows.values()), tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv") as fh:
        records = {(r["student"], r["module"]): r for r in csv.DictReader(fh)}
    assert set(records) == {("amy", toy.MODULE), ("amy", toy.MODULE2), ("ben", toy.MODULE), ("ben", toy.MODULE2)}
    assert float(records[("ben", toy.MODULE)]["score"]) == ben_01


def test_a_handed_in_folder_without_the_notebook_replaces_the_old_grade(course, tmp_path):
    work = tmp_path / "work"
    first = tmp_path / "first"
    toy.submit(first, "cat", toy.answered(course))
    _grade(course, first, work)
    second = tmp_path / "second"
    toy.submit(second, "cat", toy.answered(course), name="Untitled.ipynb")  # resubmitted, wrongly named
    rows, _ = _grade(course, second, work)
    assert (rows[("cat", toy.MODULE)].score, rows[("cat", toy.MODULE)].status) == (0, "missing")


GRADEBOOK_ATTACK = '''import pathlib, sqlite3
here = pathlib.Path.cwd()
for folder in [here, *here.parents]:
    if (folder / "gradebook.db").is_file():
        db = sqlite3.connect(str(folder / "gradebook.db"))
        db.execute("UPDATE grade SET {assignment}")
        db.commit()
        db.close()
        break
else:
    raise RuntimeError("the attack did not find the gradebook")
''' + toy.SIGMOID_GOOD


@pytest.mark.parametrize("attack", ["auto_score = 0, manual_score = 0",
                                    "auto_score = 100, manual_score = 100, extra_credit = 100"],
                         ids=["zeroes", "maximizes"])
def test_a_submission_that_rewrites_the_gradebook_changes_no_other_grade(course, tmp_path, attack):
    class_dir = tmp_path / "class"
    toy.submit(class_dir, "a_full", toy.answered(course))
    toy.submit(class_dir, "b_partial", toy.answered(course, sigmoid="def sigmoid(z):\n    return z"))
    toy.submit(class_dir, "z_mallory", toy.answered(course, sigmoid=GRADEBOOK_ATTACK.format(assignment=attack)))
    # One worker, students in order: the attack runs after the others were graded. Without the
    # sandbox (which hides the gradebook: tests/test_sandbox.py), so that the attack lands.
    rows, settings = _grade(course, class_dir, tmp_path / "work", workers=1, sandbox=False)
    partial = rows[("b_partial", toy.MODULE)].score
    assert rows[("a_full", toy.MODULE)].score == FULL_01
    assert 0 < partial < FULL_01
    for victim in ("a_full", "b_partial"):
        notes = rows[(victim, toy.MODULE)].notes
        assert any(n.startswith("gradebook changed") for n in notes), notes
    book = _gradebook_scores(settings)  # and the gradebook was repaired
    assert book[("a_full", toy.MODULE)] == FULL_01 and book[("b_partial", toy.MODULE)] == partial
    mallory = rows[("z_mallory", toy.MODULE)]
    assert mallory.score <= FULL_01  # the attacker's own row is what the grader measured


def test_written_answers_graded_by_hand_reach_the_totals_and_the_feedback(course, tmp_path):
    class_dir = tmp_path / "class"
    answered = toy.answered(course)
    written = next(c for c in answered.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "why")
    written.source = "Because exp(1000) overflows in float64."
    toy.submit(class_dir, "dan", answered)
    rows, settings = _grade(course, class_dir, tmp_path / "work")
    row = rows[("dan", toy.MODULE)]
    assert (row.score, row.written_pending) == (FULL_01, 1.0)

    html = write_feedback(settings)[0].read_text()
    assert "written answer: not graded yet" in html
    assert "Toy module: visible tests" in html and "Toy module: hidden tests" in html
    assert "Test cell" not in html
    assert "cdn" not in html.lower() and "../../mathjax/MathJax.js" in html
    assert (settings.work_dir / "feedback" / "mathjax" / "MathJax.js").is_file()

    from nbgrader.api import Gradebook
    with Gradebook(settings.database) as gb:  # the instructor grades it, as formgrader does
        grade = gb.find_grade("why", toy.MODULE, toy.MODULE, "dan")
        grade.manual_score = 1.0
        gb.db.commit()
    exported = {(r.student, r.module): r for r in export_grades(settings)}
    assert exported[("dan", toy.MODULE)].score == FULL_01 + 1
    assert exported[("dan", toy.MODULE)].written_pending == 0
    html = write_feedback(settings)[0].read_text()
    assert "not graded yet" not in html


def test_the_instructor_source_notebook_is_recognized_not_called_tampered(course, tmp_path):
    class_dir = tmp_path / "class"
    toy.submit(class_dir, "instructor", toy.read(course, "solutions"))
    rows, _ = _grade(course, class_dir, tmp_path / "work")
    row = rows[("instructor", toy.MODULE)]
    assert row.status == "ok" and row.score == FULL_01, row.notes
    assert any("instructor's source notebook" in n for n in row.notes)


def test_records_survive_a_lost_work_folder_copy(course, tmp_path):
    """The records are plain JSON next to the gradebook: an export after the run needs nothing else."""
    class_dir = tmp_path / "class"
    toy.submit(class_dir, "eve", toy.answered(course))
    _, settings = _grade(course, class_dir, tmp_path / "work")
    copy = tmp_path / "copy"
    shutil.copytree(settings.work_dir, copy)
    settings2 = GradingSettings(submissions=class_dir, work_dir=copy, root=course,
                                db_url=f"sqlite:///{copy / 'gradebook.db'}")
    rows = {(r.student, r.module): r for r in export_grades(settings2)}
    assert rows[("eve", toy.MODULE)].score == FULL_01


def test_grading_the_same_class_twice_gives_the_same_table_and_csv(course, tmp_path):
    from nncourse.grading.grader import format_table
    class_dir = tmp_path / "class"
    toy.submit(class_dir, "amy", toy.answered(course))
    toy.submit(class_dir, "ben", toy.answered(course, sigmoid="def sigmoid(z):\n    return z"))
    toy.submit(class_dir, "cat", toy.read(course, "exercises"))
    outputs = []
    for run in range(2):
        rows, settings = _grade(course, class_dir, tmp_path / "work")
        write_csv(list(rows.values()), tmp_path / f"grades{run}.csv")
        outputs.append((format_table(list(rows.values())), (tmp_path / f"grades{run}.csv").read_bytes()))
    assert outputs[0] == outputs[1]
    from nbgrader.api import Gradebook
    with Gradebook(settings.database) as gb:
        submissions = [s for a in gb.assignments for s in a.submissions]
        assert sorted(s.student.id for s in submissions) == ["amy", "ben", "cat"]  # no duplicate rows
        for s in submissions:
            names = [g.name for nb in s.notebooks for g in nb.grades]
            assert len(names) == len(set(names)) == 4  # three tests and one written answer


def test_a_second_grading_run_on_the_same_folder_refuses_and_changes_nothing(course, tmp_path):
    import subprocess
    import sys
    from nncourse.grading.grader import _exclusive
    class_dir, work = tmp_path / "class", tmp_path / "work"
    toy.submit(class_dir, "amy", toy.answered(course))
    _grade(course, class_dir, work)
    records_before = {p: p.read_bytes() for p in (work / "records").rglob("*.json")}
    toy.submit(class_dir, "amy", toy.read(course, "exercises"))  # a resubmission waits for the next run
    env = dict(__import__("os").environ, NNCOURSE_ROOT=str(course))
    with _exclusive(work):  # a grading run that is still going
        out = subprocess.run([sys.executable, "-m", "nncourse.cli", "grade", str(class_dir), "--work", str(work),
                              "--quiet"], capture_output=True, text=True, env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "is being graded by" in out.stderr and "nothing was changed" in out.stderr
    assert {p: p.read_bytes() for p in (work / "records").rglob("*.json")} == records_before
    rows, _ = _grade(course, class_dir, work)  # once the first run is over, the second one goes through
    assert rows[("amy", toy.MODULE)].score == 0


def test_a_new_gradebook_is_stamped_without_the_alembic_executable(tmp_path):
    """nbgrader finds the schema revision for a new gradebook by running ``alembic heads``; the
    grader reads it in-process instead (3 s less per new gradebook, and no dependence on PATH).
    The stamp must still be what alembic's own command line reports."""
    import os
    import sqlite3
    import subprocess
    import sys

    alembic = Path(sys.executable).parent / "alembic"
    from nbgrader.dbutil import _temp_alembic_ini
    with _temp_alembic_ini(f"sqlite:///{tmp_path / 'unused.db'}") as ini:
        heads = subprocess.run([str(alembic), "-c", ini, "heads"], capture_output=True, text=True, check=True)
    expected = heads.stdout.split()[0]

    db = tmp_path / "gradebook.db"
    code = ("from nncourse.grading.nbgrader_setup import open_gradebook\n"
            f"with open_gradebook('sqlite:///{db}') as gb:\n    gb.update_or_create_student('s1')\n")
    env = dict(os.environ, PATH="/usr/bin:/bin")  # no alembic executable to be found
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=Path(__file__).parents[1])
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(expected,)]
        assert con.execute("SELECT id FROM student").fetchall() == [("s1",)]


def test_the_default_worker_count_follows_the_cpu_affinity_not_the_machine():
    """Under ``taskset`` (or a cgroup cpuset) the grader may use fewer cores than the machine has;
    one worker per usable core, not per installed core."""
    import subprocess
    import sys
    if shutil.which("taskset") is None:
        pytest.skip("taskset (util-linux) is not installed")
    code = "from nncourse.grading.grader import usable_cores; print(usable_cores())"
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "1"


def test_the_compiled_metadata_check_rejects_exactly_what_nbgrader_rejects():
    """nbgrader's per-cell ``jsonschema.validate`` rebuilt the schema's validator for every cell;
    the grader builds it once. Valid cells of a real exercise still pass, and every kind of
    broken metadata gets the error jsonschema itself gives."""
    import jsonschema
    from nbgrader.nbgraderformat import MetadataValidator, common
    from nncourse.course import SOLUTIONS, modules, notebook_path
    from nncourse.grading.nbgrader_setup import _CompiledSchemaValidation, use_compiled_metadata_schema

    use_compiled_metadata_schema()
    use_compiled_metadata_schema()  # twice is once
    assert isinstance(common.jsonschema, _CompiledSchemaValidation)
    assert not isinstance(common.jsonschema._jsonschema, _CompiledSchemaValidation)
    schema = MetadataValidator().schema
    nb = nbformat.read(str(notebook_path(Path(__file__).parents[1] / SOLUTIONS, modules()[0])), as_version=4)
    valid = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(valid) > 5
    for meta in valid:
        common.jsonschema.validate(meta, schema)
    # nbgrader loads the schema again for every notebook: the same validator, none piling up.
    built = common.jsonschema._validator
    common.jsonschema.validate(valid[0], MetadataValidator().schema)
    assert common.jsonschema._validator is built
    base = dict(valid[0])
    broken = [dict(base, points="two"), dict(base, points=-1), dict(base, grade="yes"),
              dict(base, grade_id="has space"), dict(base, checksum="short"), dict(base, cell_type="sql"),
              dict(base, unexpected=True), {k: v for k, v in base.items() if k != "locked"},
              dict(base, schema_version=4, points="two", grade_id="a b")]
    for meta in broken:
        with pytest.raises(jsonschema.ValidationError) as theirs:
            jsonschema.validate(meta, schema)
        with pytest.raises(jsonschema.ValidationError) as ours:
            common.jsonschema.validate(meta, schema)
        assert str(ours.value) == str(theirs.value)
    # The notebook-level check that autograde and generate_assignment call, end to end.
    cell = copy.deepcopy(next(c for c in nb.cells if "nbgrader" in c.metadata))
    cell.metadata["nbgrader"]["points"] = "two"
    with pytest.raises(jsonschema.ValidationError, match="'two' is not of type 'number'"):
        MetadataValidator().validate_cell(cell)


def test_grading_processes_start_without_the_iri_grammar_and_still_validate_notebooks():
    """rfc3987-syntax builds a parser at import (1.1 s of every grader and worker start); the
    grading package keeps jsonschema from importing it. nbformat's validation still works there."""
    import subprocess
    import sys
    code = ("import sys, nncourse.grading.grader, nbformat, jsonschema\n"
            "assert sys.modules.get('rfc3987_syntax') is None, 'rfc3987_syntax was imported'\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
            "nbformat.validate(nb)\n"
            "nb.cells[0]['execution_count'] = 'one'\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('rejected')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["rejected"]


def test_the_grader_creates_every_shared_row_before_the_workers_start(tmp_path):
    """Workers register modules and grade in parallel. nbgrader's own steps open the gradebook
    without a course id, which inserts a ``default_course`` row on first use: two workers doing
    that at once failed registration with a UNIQUE constraint error. The grader creates that row,
    its own course row and the students before any worker writes."""
    import sqlite3
    from nncourse.grading.nbgrader_setup import COURSE_ID, prepare_gradebook
    db = tmp_path / "gradebook.db"
    prepare_gradebook(f"sqlite:///{db}", ["s2", "s1"])
    prepare_gradebook(f"sqlite:///{db}", ["s1", "s3"])  # again, as on the next week's run
    with sqlite3.connect(db) as con:
        assert sorted(r[0] for r in con.execute("SELECT id FROM course")) == sorted([COURSE_ID, "default_course"])
        assert sorted(r[0] for r in con.execute("SELECT id FROM student")) == ["s1", "s2", "s3"]
