"""A one-module course used to test the grading pipeline independently of the real modules.

Task: a numerically stable sigmoid (visible test 1 point, hidden test 2 points) and a scalar
class ``Scaled`` (1 point, exercises remote objects), plus a 1-point written answer.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from nncourse.authoring import (filled_exercise, new_notebook, setup_cell, solution_cell, task_text,
                                test_cell, written_answer)

MODULE = "01_toy"
MODULE2 = "02_toy"  # a second, one-task module: grading week by week
AUTO_POINTS = 4.0   # 1 + 2 + 1 autograded
MAX_POINTS = 5.0    # plus the written answer

SIGMOID_GOOD = """def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"""
SCALED_GOOD = """class Scaled:
    def __init__(self, x):
        self.x = x
    def __mul__(self, other):
        return Scaled(self.x * (other.x if isinstance(other, Scaled) else other))"""


def build(root: Path) -> None:
    nb = new_notebook([
        task_text("intro", "# Toy module\nImplement `sigmoid` and `Scaled`."),
        setup_cell("imports", "import numpy as np"),
        solution_cell("sigmoid", "def sigmoid(z):\n    ### BEGIN SOLUTION\n"
                      + "\n".join(SIGMOID_GOOD.splitlines()[1:]) + "\n    ### END SOLUTION"),
        test_cell("test_sigmoid_visible", 1,
                  "from nncourse.testing import check_close\n"
                  "check_close(sigmoid(np.array([0.0, 2.0])), [0.5, 1 / (1 + np.exp(-2.0))], 'sigmoid(z)')"),
        test_cell("test_sigmoid_hidden", 2,
                  "from nncourse.testing import check_close, expect_no_overflow\n"
                  "### BEGIN HIDDEN TESTS\n"
                  "z = np.array([-1000.0, 3.0, 1000.0])\n"
                  "with expect_no_overflow('sigmoid(z) at |z| = 1000'):\n"
                  "    out = sigmoid(z)\n"
                  "check_close(out, [0.0, 1 / (1 + np.exp(-3.0)), 1.0], 'sigmoid(z)')  # SECRET-HIDDEN-LINE\n"
                  "### END HIDDEN TESTS"),
        solution_cell("scaled", "### BEGIN SOLUTION\n" + SCALED_GOOD + "\n### END SOLUTION"),
        test_cell("test_scaled", 1, "v = Scaled(3) * Scaled(4) * 2\nassert v.x == 24, f'expected 24, got {v.x}'"),
        written_answer("why", 1, "Why is the stable form needed?\n\n### BEGIN SOLUTION\nexp overflows.\n### END SOLUTION"),
    ])
    folder = root / "solutions" / MODULE
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{MODULE}.ipynb"))
    second = new_notebook([
        task_text("intro", "# Toy module 2\n\n## Task 1. Doubling\nImplement `double`."),
        solution_cell("double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        test_cell("test_double", 2, "assert double(3) == 6, f'double(3) should be 6, got {double(3)}'"),
    ])
    folder = root / "solutions" / MODULE2
    folder.mkdir(parents=True)
    nbformat.write(second, str(folder / f"{MODULE2}.ipynb"))


def read(root: Path, kind: str, module: str = MODULE):
    return nbformat.read(str(root / kind / module / f"{module}.ipynb"), as_version=4)


def submit(class_dir: Path, student: str, nb=None, raw: str | None = None, name: str | None = None,
           module: str = MODULE) -> Path:
    folder = class_dir / student / module
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{module}.ipynb")
    if raw is not None:
        path.write_text(raw)
    else:
        nbformat.write(nb, str(path))
    return path


def answered(root: Path, module: str = MODULE, **replace):
    return filled_exercise(read(root, "exercises", module), read(root, "solutions", module), replace)


def cell_index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def truncated_json(nb) -> str:
    return json.dumps(nb)[:700]
