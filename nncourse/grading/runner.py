"""Run a whole notebook for grading: student cells in the guarded kernel, tests in the referee.

Cell roles come from nbgrader's metadata:
  * autograded test cell (grade, not solution, code)   -> referee only
  * read-only setup cell (locked, not grade/solution)   -> kernel and referee
  * everything else (solutions, student scratch cells) -> kernel only
"""
from __future__ import annotations

import contextlib
import time
import warnings

import nbformat
import numpy as np
from dataclasses import dataclass, field

from .kernel_session import KernelSession
from .referee import Referee

DEFAULT_CELL_TIMEOUT = 30.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_NOTEBOOK_TIMEOUT = 600.0


def cell_role(cell) -> str:
    if cell.get("cell_type") != "code":
        return "text"
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("locked") and not meta.get("grade") and not meta.get("solution"):
        return "setup"
    return "student"


@dataclass
class TestResult:
    grade_id: str
    points: float
    passed: bool
    message: str
    timed_out: bool = False
    hidden_only: bool = False  # nothing but imports: its tests were removed from the student copy


def has_checks(source: str) -> bool:
    """True if a test cell does more than import (a released cell whose tests are all hidden
    keeps only its import lines)."""
    import ast
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    return any(not isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass))
               and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
               for node in tree.body)


@dataclass
class RunReport:
    tests: list[TestResult] = field(default_factory=list)
    timed_out: bool = False
    crashed: bool = False
    agent_broken: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    expected_auto: dict = field(default_factory=dict)  # grade_id -> auto_score nbgrader stores
    written_max: float = 0.0  # points of written answers (filled in by the self-check)

    @property
    def status(self) -> str:
        if self.crashed:
            return "crashed"
        if self.timed_out:
            return "timeout"
        if self.agent_broken:
            return "tampered"
        return "ok"

    @property
    def score(self) -> float:
        return sum(t.points for t in self.tests if t.passed)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def visible_score(self) -> float:
        return sum(t.points for t in self.tests if t.passed and not t.hidden_only)

    @property
    def visible_max(self) -> float:
        return sum(t.points for t in self.tests if not t.hidden_only)


def _replay(session: KernelSession, sources: list[str]) -> None:
    """After a restart, run again the cells that had succeeded, so later tasks can be graded
    (as a student would after "Restart kernel and run up to here"). Outputs are discarded."""
    restarts = session.restarts
    for source in sources:
        run = session.run_cell(source)
        if run.status in ("crashed", "timeout") or session.restarts != restarts:
            return  # the replay itself broke the kernel: grade the rest as it stands


@contextlib.contextmanager
def referee_process_state():
    """Put back, after a notebook, the process-wide settings its setup and test cells may change
    in the referee (a grading worker grades many notebooks in one process): BLAS thread limits
    (the capstone's setup cell sets one thread), NumPy's error handling, print options and global
    random state, and the warning filters. A grade never depends on the notebook graded before."""
    from threadpoolctl import threadpool_limits
    errors, printing = np.geterr(), np.get_printoptions()
    random_state = np.random.get_state()
    with threadpool_limits(limits=None), warnings.catch_warnings():  # both restore on exit
        try:
            yield
        finally:
            np.seterr(**errors)
            np.set_printoptions(**printing)
            np.random.set_state(random_state)


def run_notebook(nb, cwd: str, *, cell_timeout: float = DEFAULT_CELL_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB,
                 notebook_timeout: float = DEFAULT_NOTEBOOK_TIMEOUT, sandbox: bool = False) -> RunReport:
    """Execute ``nb`` (an nbformat notebook, changed in place: outputs are filled in).

    Each cell has ``cell_timeout`` seconds; once the whole notebook has used
    ``notebook_timeout`` seconds the remaining cells are not run (their tests fail). ``sandbox``
    runs the kernel under bubblewrap (grading); the self-check runs it as the student's own process.
    The kernel's CPU time is capped at 1.5 times the notebook's time budget.
    """
    report = RunReport()
    start = time.monotonic()
    with referee_process_state(), \
            KernelSession(cwd, timeout=cell_timeout, memory_mb=memory_mb, sandbox=sandbox,
                          cpu_seconds=int(1.5 * notebook_timeout)) as session:
        referee = Referee(session, call_timeout=cell_timeout)
        completed: list[str] = []   # kernel cells that ran without error, to replay after a restart
        restarts_seen = 0
        for index, cell in enumerate(nb.cells):
            if session.restarts > restarts_seen:
                _replay(session, completed)
                restarts_seen = session.restarts
            role = cell_role(cell)
            if role == "text":
                continue
            cell["outputs"] = []
            cell["execution_count"] = None
            if time.monotonic() - start > notebook_timeout:
                report.timed_out = True
                message = (f"not run: the notebook used up its time budget of {notebook_timeout:g} s")
                cell["outputs"] = [nbformat.from_dict({"output_type": "error", "ename": "NotebookTimeout",
                                                       "evalue": message, "traceback": [message]})]
                if role == "test":
                    meta = cell["metadata"]["nbgrader"]
                    report.tests.append(TestResult(meta.get("grade_id", f"cell-{index}"),
                                                   float(meta.get("points", 0)), False, message, True))
                continue
            if role in ("student", "setup"):
                run = session.run_cell(cell["source"])
                cell["outputs"] = [nbformat.from_dict(o) for o in run.outputs]
                if run.status == "ok":
                    completed.append(cell["source"])
                if run.status == "timeout":
                    report.timed_out = True
                if run.status == "crashed":
                    report.crashed = True
                if role == "setup":
                    try:
                        referee.run_setup(cell["source"])
                    except Exception as exc:  # a broken setup cell is the course's bug
                        raise RuntimeError(f"setup cell {index} fails in the referee: {exc}") from exc
                continue
            meta = cell["metadata"]["nbgrader"]
            label = meta.get("grade_id", f"cell-{index}")
            result = referee.run_test(cell["source"], label)
            cell["outputs"] = [nbformat.from_dict(o) for o in result["outputs"]]
            report.tests.append(TestResult(label, float(meta.get("points", 0)), result["passed"],
                                           result["message"], result["timed_out"],
                                           hidden_only=not has_checks(cell["source"])))
            report.timed_out |= result["timed_out"]
            if session.died:
                report.crashed = True
        report.agent_broken = referee.agent_broken
        report.warnings = referee.warnings
    report.seconds = time.monotonic() - start
    return report
