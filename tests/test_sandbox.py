"""Student code runs in a bubblewrap sandbox: from inside a graded notebook it cannot read the
solutions, the gradebook or another student's work, reach the network, leave a process behind or
write outside its working folder; and a grade never depends on such an attempt.

Each attack runs in a solution cell and writes what it managed into ``attack.json`` in its own
working folder, which the test reads after grading. Where an attack would gain points, the same
notebook is also graded with ``--no-sandbox`` to show that the test can fail.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

import toy_course as toy
from nncourse import release
from nncourse.grading.grader import GradingSettings, grade_class

MARKER = "nncourse-sandbox-test-4242"


def _ensure_bwrap():
    if shutil.which("bwrap") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq bubblewrap", shell=True,
                       capture_output=True, timeout=600)
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap (bwrap) is needed for grading and could not be installed: "
                    "apt-get install bubblewrap")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    _ensure_bwrap()
    root = tmp_path_factory.mktemp("course")
    toy.build(root)
    release.release(root=root)
    return root


@pytest.fixture(scope="module")
def listener():
    """A TCP server on 127.0.0.1 that counts connections (a sandboxed kernel must reach none)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            hits.append(1)
            conn.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


def _attack(body: str) -> str:
    """A solution cell that runs ``body`` (which fills ``found``), saves ``found``, then defines a
    WRONG sigmoid unless the attack put a right one into ``stolen``."""
    return ("import json, os, pathlib, sys\nfound = {}\nstolen = None\n"
            "try:\n" + "\n".join("    " + line for line in body.splitlines()) + "\n"
            "except Exception as exc:\n    found['error'] = f'{type(exc).__name__}: {exc}'\n"
            "pathlib.Path('attack.json').write_text(json.dumps(found))\n"
            "if stolen:\n    exec(stolen)\nelse:\n    def sigmoid(z):\n        return z\n")


def _steal_by_path(path_expr: str) -> str:
    return (f"nb = json.loads(pathlib.Path({path_expr}).read_text())\n"
            "cells = [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']\n"
            "stolen = next(c for c in cells if 'def sigmoid' in c)\n"
            "found['read'] = True\n")


def _attacks(root: Path, work: Path, port: int) -> dict[str, str]:
    solution = root / "solutions" / toy.MODULE / f"{toy.MODULE}.ipynb"
    return {
        "read_solution_by_path": _attack(_steal_by_path(repr(str(solution)))),
        "read_solution_walking_up": _attack(
            "for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:\n"
            f"    candidate = folder / 'solutions' / '{toy.MODULE}' / '{toy.MODULE}.ipynb'\n"
            "    if candidate.is_file():\n"
            "        " + _steal_by_path("candidate").replace("\n", "\n        ").rstrip() + "\n"
            "        break\n"),
        "open_gradebook": _attack(
            f"import sqlite3\ndb = sqlite3.connect('file:{work / 'gradebook.db'}?mode=ro', uri=True)\n"
            "found['rows'] = db.execute('SELECT count(*) FROM grade').fetchone()[0]\n"),
        "list_other_students": _attack(
            "found['listing'] = sorted(os.listdir(pathlib.Path.cwd().parent.parent))\n"),
        "socket_to_localhost": _attack(
            "import socket\ns = socket.create_connection(('127.0.0.1', %d), timeout=2)\n"
            "found['connected'] = True\n" % port),
        "process_outlives_kernel": _attack(
            "import subprocess\n"
            f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)  # {MARKER}'], "
            "start_new_session=True)\nfound['started'] = True\n"),
        "write_outside": _attack(
            "written = []\n"
            f"for target in [{str(root / 'PWNED.txt')!r}, {str(work / 'PWNED.txt')!r}, '/tmp/{MARKER}', "
            "str(pathlib.Path.cwd().parent / 'PWNED.txt')]:\n"
            "    try:\n        pathlib.Path(target).write_text('pwned')\n        written.append(target)\n"
            "    except OSError:\n        pass\n"
            "found['written'] = written\n"),
    }


def _grade(course, tmp_path, attacks, sandbox=True, name="class"):
    class_dir, work = tmp_path / name, tmp_path / f"work_{name}"
    work.mkdir()
    toy.submit(class_dir, "honest", toy.answered(course))
    for student, source in attacks(work).items():
        toy.submit(class_dir, student, toy.answered(course, sigmoid=source))
    settings = GradingSettings(submissions=class_dir, work_dir=work, root=course, cell_timeout=10,
                               workers=2, sandbox=sandbox)
    rows = {r.student: r for r in grade_class(settings, progress=False)}
    found = {}
    for student in attacks(work):
        path = work / "autograded" / student / toy.MODULE / "attack.json"
        found[student] = json.loads(path.read_text()) if path.is_file() else {"error": "no attack.json"}
    return rows, found, work


def _outliving_processes() -> list[str]:
    out = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if MARKER in cmdline and "pytest" not in cmdline:
            out.append(f"{proc.name}: {cmdline}")
    return out


@pytest.fixture(scope="module")
def sandboxed(course, tmp_path_factory, listener):
    port, hits = listener
    tmp = tmp_path_factory.mktemp("sandboxed")
    rows, found, work = _grade(course, tmp, lambda work: _attacks(course, work, port))
    return {"rows": rows, "found": found, "work": work, "hits": hits}


WRONG_SIGMOID_SCORE = 1.0  # only the Scaled task: what `return z` as sigmoid earns


@pytest.mark.parametrize("student", ["read_solution_by_path", "read_solution_walking_up", "open_gradebook",
                                     "list_other_students", "socket_to_localhost",
                                     "process_outlives_kernel", "write_outside"])
def test_attack_gains_nothing_and_the_honest_grade_is_unchanged(sandboxed, student):
    rows = sandboxed["rows"]
    assert rows["honest"].score == toy.AUTO_POINTS and rows["honest"].status == "ok", rows["honest"].notes
    assert not any(n.startswith("gradebook changed") for n in rows["honest"].notes)
    assert rows[student].score == WRONG_SIGMOID_SCORE, (rows[student].notes, sandboxed["found"][student])


def test_solutions_and_gradebook_are_out_of_reach(sandboxed):
    found = sandboxed["found"]
    for student in ("read_solution_by_path", "read_solution_walking_up"):
        assert "read" not in found[student], found[student]
        assert "error" in found[student] or found[student] == {}
    assert "rows" not in found["open_gradebook"] and "error" in found["open_gradebook"]


def test_other_students_folders_are_invisible(sandboxed):
    listing = sandboxed["found"]["list_other_students"].get("listing", [])
    assert listing in ([], ["list_other_students"]), listing  # at most its own folder
    assert "honest" not in listing


def test_no_network(sandboxed):
    assert "connected" not in sandboxed["found"]["socket_to_localhost"]
    assert sandboxed["hits"] == []


def test_no_process_outlives_the_kernel(sandboxed):
    assert _outliving_processes() == []


def test_nothing_is_written_outside_the_working_folder(sandboxed, course):
    work = sandboxed["work"]
    written = sandboxed["found"]["write_outside"].get("written", [])
    on_host = [p for p in (course / "PWNED.txt", work / "PWNED.txt", Path(f"/tmp/{MARKER}"),
                           work / "autograded" / "write_outside" / "PWNED.txt") if p.exists()]
    assert on_host == [], (on_host, written)


def test_without_the_sandbox_the_same_attack_gains_points(course, tmp_path):
    """The attack tests can fail: unsandboxed, reading the solution notebook earns full marks."""
    solution = course / "solutions" / toy.MODULE / f"{toy.MODULE}.ipynb"
    attacks = lambda work: {"read_solution_by_path": _attack(_steal_by_path(repr(str(solution))))}  # noqa: E731
    rows, found, _ = _grade(course, tmp_path, attacks, sandbox=False, name="unsandboxed")
    assert found["read_solution_by_path"].get("read") is True
    assert rows["read_solution_by_path"].score == toy.AUTO_POINTS


def test_grading_refuses_to_run_unsandboxed_silently(course, tmp_path, monkeypatch):
    from nncourse.grading import sandbox
    sandbox.check_bwrap.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    toy.submit(tmp_path / "class", "amy", toy.answered(course))
    settings = GradingSettings(submissions=tmp_path / "class", work_dir=tmp_path / "work", root=course)
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="--no-sandbox"):
            grade_class(settings, progress=False)
    finally:
        sandbox.check_bwrap.cache_clear()


def test_paths_under_tmp_stay_visible_in_the_sandbox(tmp_path):
    """bwrap mounts in order: the private /tmp must come before the binds, or a course or a
    virtual environment that lives under /tmp (as CI's clone may) disappears from the kernel."""
    _ensure_bwrap()
    from nncourse.grading.sandbox import sandboxed_argv
    inner = tmp_path / "venv-like"
    inner.mkdir()
    (inner / "marker.txt").write_text("visible")
    work, sockets = tmp_path / "work", tmp_path / "sockets"
    work.mkdir()
    sockets.mkdir()
    argv = sandboxed_argv(["cat", str(inner / "marker.txt")], workdir=str(work), socket_dir=str(sockets),
                          package_dir=str(inner))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert out.stdout == "visible", out.stderr
