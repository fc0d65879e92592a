"""The grading pipeline end to end on a toy course: release, self-check, class grading under
hostile and broken submissions, regrading, feedback."""
from __future__ import annotations

import copy
import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import toy_course as toy
from nncourse import release
from nncourse.grading.grader import GradingSettings, format_table, grade_class, write_csv, write_feedback
from nncourse.selfcheck import check_notebook

GOOD_SIG = toy.SIGMOID_GOOD


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    toy.build(root)
    release.release(root=root)
    return root


def _cases(root: Path) -> dict[str, tuple]:
    """student -> (notebook or raw text or None, expected autograded score, expected status)."""
    full = toy.answered(root)
    cases = {
        # 1. correct gets everything autograded; untouched gets 0
        "full": (full, 4, "ok"),
        "untouched": (toy.read(root, "exercises"), 0, "ok"),
        # 2. prints and warns but is right: graded on values
        "chatty": (toy.answered(root, sigmoid="import warnings\n" + GOOD_SIG.replace(
            "    z = np.asarray", "    print('computing'); warnings.warn('just saying')\n    z = np.asarray")), 4, "ok"),
        # typical wrong answer: naive sigmoid overflows at -1000 and loses the hidden test
        "naive": (toy.answered(root, sigmoid="def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"), 2, "ok"),
        # 3. infinite loops: inside the function, and at top level
        "loop_in_function": (toy.answered(root, sigmoid="def sigmoid(z):\n    while True:\n        pass"), 1, "timeout"),
        "loop_top_level": (toy.answered(root, sigmoid="while True:\n    pass\n" + GOOD_SIG), 1, "timeout"),
        # 4. the kernel dies
        "os_exit": (toy.answered(root, sigmoid="import os\nos._exit(3)"), 1, "crashed"),
        "segfault": (toy.answered(root, sigmoid="import ctypes\nctypes.string_at(0)"), 1, "crashed"),
        "sys_exit": (toy.answered(root, sigmoid=GOOD_SIG + "\nimport sys\nsys.exit(0)"), 4, "ok"),
        "memory": (toy.answered(root, sigmoid="blob = []\nwhile True:\n    blob.append(np.empty(10**8))"), 1, "ok"),
        # 7. tampering with the test machinery
        # (sigmoid is wrong or missing in these; the separate Scaled task still earns its point)
        "patch_numpy": (toy.answered(root, sigmoid="np.testing.assert_allclose = lambda *a, **k: None\n"
                                                  "np.allclose = lambda *a, **k: True\n"
                                                  "def sigmoid(z):\n    return z"), 1, "ok"),
        "input_transformer": (toy.answered(root, sigmoid="get_ipython().input_transformers_cleanup.append("
                                                        "lambda lines: ['pass\\n'])"), 0, "ok"),
        "showtraceback": (toy.answered(root, sigmoid="get_ipython().showtraceback = lambda *a, **k: None\n"
                                                    "def sigmoid(z):\n    return z"), 1, "ok"),
        "redefine_helpers": (toy.answered(root, sigmoid="import nncourse.testing as t\n"
                                                       "t.check_close = lambda *a, **k: None\n"
                                                       "def check_close(*a, **k): pass\n"
                                                       "def sigmoid(z):\n    return z"), 1, "ok"),
        "fake_reference_module": (toy.answered(root, sigmoid="import sys, types\n"
                                                            "fake = types.ModuleType('reference_impl')\n"
                                                            "fake.sigmoid = lambda z: z\n"
                                                            "sys.modules['reference_impl'] = fake\n"
                                                            "def sigmoid(z):\n    return z"), 1, "ok"),
        "kill_agent": (toy.answered(root, sigmoid=GOOD_SIG + "\nget_ipython().kernel.comm_manager.targets.clear()"),
                       0, "tampered"),
        # 8. calling the reference implementation
        "uses_reference": (toy.answered(root, sigmoid="from reference_impl.activations import sigmoid"), 1, "ok"),
        "uses_reference_importlib": (toy.answered(root, sigmoid="import importlib\n"
                                                               "sigmoid = importlib.import_module('reference_impl').sigmoid"), 1, "ok"),
        # 9. prints 30 MB, far beyond what is kept (100 MB once ran into the 4 s cell timeout
        #    when another test suite shared the 2 cores)
        "print_flood": (toy.answered(root, sigmoid=GOOD_SIG + "\nprint('x' * 30_000_000)"), 4, "ok"),
        # 5. unreadable and missing
        "truncated": (toy.truncated_json(full), 0, "unreadable"),
        "not_json": ("this is not a notebook", 0, "unreadable"),
        "no_notebook": (None, 0, "missing"),
        "absent": ("ABSENT", 0, "missing"),
    }
    # 6. test cells deleted, edited, duplicated or moved: restored and run as released
    deleted = toy.answered(root, sigmoid="def sigmoid(z):\n    return z")
    del deleted.cells[toy.cell_index(deleted, "test_sigmoid_visible")]
    cases["tests_deleted"] = (deleted, 1, "tampered")  # 1: the Scaled task is right
    edited = toy.answered(root, sigmoid="def sigmoid(z):\n    return z")
    edited.cells[toy.cell_index(edited, "test_sigmoid_visible")].source = "pass"
    cases["tests_edited"] = (edited, 1, "tampered")
    duplicated = toy.answered(root)
    i = toy.cell_index(duplicated, "test_scaled")
    twin = copy.deepcopy(duplicated.cells[i])
    twin["id"] = "copy-of-test-scaled"  # Jupyter gives a copied cell a new id
    duplicated.cells.insert(i, twin)
    cases["tests_duplicated"] = (duplicated, 4, "tampered")
    moved = toy.answered(root)
    j = toy.cell_index(moved, "test_scaled")
    moved.cells.insert(0, moved.cells.pop(j))  # test now before the class it tests
    cases["tests_moved"] = (moved, 4, "tampered")
    return cases


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    class_dir = tmp_path_factory.mktemp("class")
    work = tmp_path_factory.mktemp("work")
    cases = _cases(course)
    for student, (content, _, _) in cases.items():
        if content == "ABSENT":
            (class_dir / student).mkdir()  # enrolled, but nothing for this module
        elif content is None:
            (class_dir / student / toy.MODULE).mkdir(parents=True)
            toy.submit(class_dir, student, toy.answered(course), name="Untitled.ipynb")
        elif isinstance(content, str):
            toy.submit(class_dir, student, raw=content)
        else:
            toy.submit(class_dir, student, content)
    settings = GradingSettings(submissions=class_dir, work_dir=work, root=course, cell_timeout=4, workers=2)
    rows = grade_class(settings, progress=False)
    return {"rows": {r.student: r for r in rows}, "cases": cases, "settings": settings,
            "class_dir": class_dir}


CASE_NAMES = ["full", "untouched", "chatty", "naive", "loop_in_function", "loop_top_level", "os_exit",
              "segfault", "sys_exit", "memory", "patch_numpy", "input_transformer", "showtraceback",
              "redefine_helpers", "fake_reference_module", "kill_agent", "uses_reference", "uses_reference_importlib",
              "print_flood", "truncated", "not_json", "no_notebook", "absent", "tests_deleted", "tests_edited",
              "tests_duplicated", "tests_moved"]


@pytest.mark.parametrize("student", CASE_NAMES)
def test_each_case_gets_the_right_score_and_status(graded, student):
    row = graded["rows"][student]
    _, score, status = graded["cases"][student]
    assert (row.score, row.status) == (score, status), row.notes
    assert row.max_score == toy.MAX_POINTS


def test_notes_explain_the_status(graded):
    rows = graded["rows"]
    assert any("wrong file name: found Untitled.ipynb" in n for n in rows["no_notebook"].notes)
    assert any("not a valid notebook" in n for n in rows["truncated"].notes)
    assert any("test_sigmoid_visible' was deleted" in n for n in rows["tests_deleted"].notes)
    assert any("was edited" in n for n in rows["tests_edited"].notes)
    assert any("duplicated" in n for n in rows["tests_duplicated"].notes)
    assert any("moved" in n for n in rows["tests_moved"].notes)
    assert any("UserWarning: just saying" in n for n in rows["chatty"].notes)


def test_stored_output_of_a_flood_is_truncated(graded):
    path = graded["settings"].work_dir / "autograded" / "print_flood" / toy.MODULE / f"{toy.MODULE}.ipynb"
    assert path.stat().st_size < 200_000


def test_table_and_csv(graded, tmp_path):
    rows = list(graded["rows"].values())
    table = format_table(rows)
    assert "full" in table and "4/5 ok" in table and "0/5 missing" in table
    assert "written answers graded by hand in nbgrader's formgrader (01: 1 points)" in table
    write_csv(rows, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv") as fh:
        records = {r["student"]: r for r in csv.DictReader(fh)}
    assert records["os_exit"]["status"] == "crashed" and records["full"]["score"] == "4"
    assert records["full"]["written_max"] == "1"


def test_feedback_hides_hidden_tests_and_shows_messages(graded):
    written = write_feedback(graded["settings"])
    naive = [p for p in written if "/naive/" in str(p)]
    assert naive, written
    html = naive[0].read_text()
    assert "SECRET-HIDDEN-LINE" not in html
    assert "raised a warning" in html  # the failing hidden test's message reaches the student


def test_regrading_replaces_the_old_result(graded, course):
    settings = graded["settings"]
    class_dir = graded["class_dir"]
    # naive resubmits a correct notebook, full resubmits a corrupt one
    toy.submit(class_dir, "naive", toy.answered(course))
    toy.submit(class_dir, "full", raw="{ broken")
    for student in list(graded["rows"]):
        if student not in ("naive", "full", "untouched"):
            import shutil
            shutil.rmtree(class_dir / student)
    rows = {r.student: r for r in grade_class(settings, progress=False)}
    assert (rows["naive"].score, rows["naive"].status) == (4, "ok")
    assert (rows["full"].score, rows["full"].status) == (0, "unreadable")
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(settings.database) as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission(toy.MODULE, "full")  # no old grade survives
    assert not (settings.work_dir / "autograded" / "full" / toy.MODULE).exists()


def test_self_check_reports_visible_tests(course, tmp_path):
    good = tmp_path / "good.ipynb"
    nbformat.write(toy.answered(course), str(good))
    report = check_notebook(good)
    assert [t.passed for t in report.tests] == [True, True, True]
    # the hidden-test cell is empty in a student copy: it is listed, not counted as visible points
    assert [t.hidden_only for t in report.tests] == [False, True, False]
    assert report.visible_score == 2 and report.visible_max == 2
    blank = tmp_path / "blank.ipynb"
    nbformat.write(toy.read(course, "exercises"), str(blank))
    assert check_notebook(blank).visible_score == 0


def test_self_check_command_exit_codes(course, tmp_path):
    good = tmp_path / "good.ipynb"
    nbformat.write(toy.answered(course), str(good))
    blank = tmp_path / "blank.ipynb"
    nbformat.write(toy.read(course, "exercises"), str(blank))
    cmd = [sys.executable, "-m", "nncourse.cli", "check"]
    ok = subprocess.run(cmd + [str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Visible tests: 2 / 2 points" in ok.stdout
    # visible 2 (sigmoid 1 + Scaled 1) + hidden 2 + written 1 = the notebook's 5 points
    assert "Hidden tests:  2 points" in ok.stdout and "Written answers: 1 points" in ok.stdout
    assert "Notebook total: 5 points = 2 visible + 2 hidden + 1 written" in ok.stdout
    bad = subprocess.run(cmd + [str(blank)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "FAILED" in bad.stdout and "NotImplementedError" in bad.stdout
    missing = subprocess.run(cmd + [str(tmp_path / "nope.ipynb")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no notebook at" in missing.stderr


def test_release_check_detects_drift(course):
    assert release.check(root=course) == []
    path = course / "exercises" / toy.MODULE / f"{toy.MODULE}.ipynb"
    original = path.read_text()
    try:
        path.write_text(original.replace("Toy module", "Toy modul"))
        problems = release.check(root=course)
        assert problems and "differs from what solutions/01_toy generates" in problems[0]
    finally:
        path.write_text(original)


def test_after_a_crash_the_kernel_is_rebuilt_and_later_tasks_are_graded(tmp_path):
    from nncourse.authoring import new_notebook, setup_cell, solution_cell, test_cell
    from nncourse.grading.runner import run_notebook
    nb = new_notebook([
        setup_cell("setup", "import numpy as np"),
        solution_cell("a", "def double(x):\n    return np.asarray(x) * 2"),
        solution_cell("b", "import os\nos._exit(1)"),
        test_cell("test_after_crash", 1, "assert double(3) == 6"),
        test_cell("test_numpy_in_kernel", 1, "assert list(double([1, 2])) == [2, 4]"),
    ])
    report = run_notebook(nb, str(tmp_path), cell_timeout=10)
    assert report.status == "crashed"
    assert [t.passed for t in report.tests] == [True, True], [t.message for t in report.tests]


def test_test_cells_do_not_shadow_student_names(tmp_path):
    from nncourse.authoring import new_notebook, setup_cell, solution_cell, test_cell
    from nncourse.grading.runner import run_notebook
    nb = new_notebook([
        setup_cell("setup", "import numpy as np"),
        solution_cell("a", "def f(x):\n    return x + 1"),
        test_cell("t1", 1, "f = lambda x: 'own'\nassert f(1) == 'own'"),
        test_cell("t2", 1, "assert f(1) == 2, 'the student f must be used here'"),
    ])
    report = run_notebook(nb, str(tmp_path), cell_timeout=10)
    assert [t.passed for t in report.tests] == [True, True], [t.message for t in report.tests]


def test_call_each_is_one_request_and_names_the_input_that_failed(tmp_path, monkeypatch):
    from nncourse.authoring import new_notebook, setup_cell, solution_cell, test_cell
    from nncourse.grading import kernel_session
    from nncourse.grading.runner import run_notebook
    from nncourse.testing import call_each

    ops = []
    real_request = kernel_session.KernelSession.request
    monkeypatch.setattr(kernel_session.KernelSession, "request",
                        lambda self, payload, **kw: ops.append(payload["op"]) or real_request(self, payload, **kw))
    nb = new_notebook([
        setup_cell("setup", "import numpy as np"),
        solution_cell("a", "calls = []\ndef f(x):\n    calls.append(x)\n    if x == 7:\n"
                           "        raise ValueError('seven is not allowed')\n    return 2 * x"),
        test_cell("t_batch", 1, "from nncourse.testing import call_each\n"
                                "assert call_each(f, range(5)) == [0, 2, 4, 6, 8]"),
        test_cell("t_error", 1, "from nncourse.testing import call_each\ntry:\n    call_each(f, [1, 7, 3])\n"
                                "except ValueError as exc:\n    assert 'seven' in str(exc) and 'input number 1' in str(exc), str(exc)\n"
                                "else:\n    raise AssertionError('no error')"),
        test_cell("t_calls", 1, "assert calls == [0, 1, 2, 3, 4, 1, 7], calls  # in order; stopped at the error"),
    ])
    report = run_notebook(nb, str(tmp_path), cell_timeout=10)
    assert [t.passed for t in report.tests] == [True, True, True], [t.message for t in report.tests]
    assert ops.count("map") == 2 and "call" not in ops, ops
    # Outside the grader (a student running the test cell) it is a plain loop.
    assert call_each(lambda x: x + 1, (1, 2)) == [2, 3]


def test_a_notebook_leaves_no_process_settings_behind_in_the_referee(tmp_path):
    """A worker grades many notebooks in one process, and setup cells run in the referee too:
    what one notebook sets process-wide (the capstone sets one BLAS thread) must not reach the
    next notebook's tests."""
    import warnings

    import numpy as np
    from threadpoolctl import threadpool_info

    from nncourse.authoring import new_notebook, setup_cell, test_cell
    from nncourse.grading.runner import run_notebook

    def state():
        return ([lib["num_threads"] for lib in threadpool_info()], np.geterr(), np.get_printoptions(),
                len(warnings.filters), np.random.get_state()[1][:4].tolist())

    before = state()
    assert before[0] and max(before[0]) >= 1
    nb = new_notebook([
        setup_cell("setup", "import warnings\nimport numpy as np\nfrom threadpoolctl import threadpool_limits\n"
                            "threadpool_limits(limits=1)\nnp.seterr(all='raise')\nnp.set_printoptions(precision=2)\n"
                            "np.random.seed(5)\nwarnings.simplefilter('ignore')"),
        test_cell("t_inside", 1, "from threadpoolctl import threadpool_info\n"
                                 "assert all(lib['num_threads'] == 1 for lib in threadpool_info())\n"
                                 "assert np.geterr()['over'] == 'raise'"),
    ])
    report = run_notebook(nb, str(tmp_path), cell_timeout=10)
    assert [t.passed for t in report.tests] == [True], [t.message for t in report.tests]  # it did apply
    assert state() == before


def _cli(args, root: Path, **kw):
    import os
    env = dict(os.environ, NNCOURSE_ROOT=str(root))
    return subprocess.run([sys.executable, "-m", "nncourse.cli", *args], capture_output=True, text=True,
                          env=env, **kw)


def test_grade_command_with_database_url_csv_and_progress(course, tmp_path):
    class_dir = tmp_path / "class"
    toy.submit(class_dir, "amy", toy.answered(course))
    toy.submit(class_dir, "ben", toy.read(course, "exercises"))
    db = tmp_path / "elsewhere" / "book.db"
    db.parent.mkdir()
    out = _cli(["grade", str(class_dir), "--work", str(tmp_path / "work"), "--db", f"sqlite:///{db}",
                "--csv", str(tmp_path / "g.csv"), "--workers", "2"], course)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "grading: 100%" in out.stderr and "2/2" in out.stderr  # tqdm's progress bar
    assert "amy" in out.stdout and "4/5 ok" in out.stdout
    assert db.stat().st_size > 0 and not (tmp_path / "work" / "gradebook.db").exists()
    with open(tmp_path / "g.csv") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["amy"]["score"] == "4" and rows["ben"]["score"] == "0"
    fb = _cli(["feedback", "--work", str(tmp_path / "work"), "--db", f"sqlite:///{db}"], course)
    assert fb.returncode == 0 and "2 feedback report(s)" in fb.stdout, fb.stderr[-2000:]


def test_release_check_command_exit_codes(course):
    ok = _cli(["release", "--check"], course)
    assert ok.returncode == 0 and "in sync" in ok.stdout, ok.stderr[-2000:]
    path = course / "exercises" / toy.MODULE / f"{toy.MODULE}.ipynb"
    original = path.read_text()
    try:
        path.write_text(original.replace("Toy module", "Edited by hand"))
        bad = _cli(["release", "--check"], course)
        assert bad.returncode == 1 and "out of sync" in bad.stderr
    finally:
        path.write_text(original)
