"""nbgrader on a real PostgreSQL server: the example class graded into it gets exactly the grades
of the SQLite run, the audit and repair work there too, and an export reads them back."""
from __future__ import annotations

import pytest

from nncourse.course import ROOT
from nncourse.grading.grader import GradingSettings, export_grades, grade_class
from postgres_server import PostgresServer, PostgresUnavailable

MODULE = "01_neurons_and_logic_gates"


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        pytest.fail(f"could not start a PostgreSQL server for the test: {exc}")
    yield server
    server.stop()


FAST_STUDENTS = ("alice_full", "bob_untouched", "carol_mistakes", "grace_crash", "heidi_tamper",
                 "judy_truncated", "leo_absent")  # one of each kind of row, without the slow floods


@pytest.fixture(scope="module")
def fast_class(tmp_path_factory):
    import shutil
    folder = tmp_path_factory.mktemp("class")
    for student in FAST_STUDENTS:
        shutil.copytree(ROOT / "examples" / "class" / student / MODULE, folder / student / MODULE)
    return folder


def _grade(work, db_url=None, modules=(MODULE,), submissions=ROOT / "examples" / "class"):
    settings = GradingSettings(submissions=submissions, work_dir=work, db_url=db_url,
                               cell_timeout=5, workers=2, modules=list(modules))
    return settings, {(r.student, r.module): (r.score, r.max_score, r.status) for r in grade_class(settings, progress=False)}


def _gradebook_scores(settings):
    from nbgrader.api import Gradebook
    with Gradebook(settings.database) as gb:
        return sorted((s.student.id, s.assignment.name, round(float(s.score), 6))
                      for a in gb.assignments for s in a.submissions)


def _compare(tmp_path, postgres, modules, name, submissions=ROOT / "examples" / "class"):
    sqlite_settings, sqlite_rows = _grade(tmp_path / "sqlite", modules=modules, submissions=submissions)
    pg_settings, pg_rows = _grade(tmp_path / "pg", postgres.create_database(name), modules=modules,
                                  submissions=submissions)
    assert pg_settings.database.startswith("postgresql")
    assert pg_rows == sqlite_rows
    assert _gradebook_scores(pg_settings) == _gradebook_scores(sqlite_settings)
    exported = {(r.student, r.module): (r.score, r.max_score, r.status) for r in export_grades(pg_settings)}
    assert exported == pg_rows
    return pg_rows


def test_example_class_grades_match_sqlite_exactly(tmp_path, postgres, fast_class):
    rows = _compare(tmp_path, postgres, (MODULE,), "course_fast", submissions=fast_class)
    assert rows[("alice_full", MODULE)][0] == rows[("alice_full", MODULE)][1] - 3  # all but the written answer
    assert rows[("judy_truncated", MODULE)][2] == "unreadable"


@pytest.mark.slow  # every student and module of the example class: a few minutes
def test_whole_example_class_grades_match_sqlite_exactly(tmp_path, postgres):
    from nncourse.course import modules
    _compare(tmp_path, postgres, tuple(modules()), "course_all")
