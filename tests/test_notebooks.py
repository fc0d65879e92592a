"""Notebooks are source code: stripped, in sync, and each runs top to bottom in a fresh kernel
with no error and no warning."""
from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nncourse import release
from nncourse.course import ROOT, modules, notebook_path

LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
SOLUTION_NOTEBOOKS = [notebook_path(ROOT / "solutions", m) for m in modules()]
COMMITTED = LECTURES + SOLUTION_NOTEBOOKS + sorted((ROOT / "exercises").rglob("*.ipynb"))


def _execute(path: Path) -> tuple[list[str], float]:
    nb = nbformat.read(str(path), as_version=4)
    start = time.monotonic()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.monotonic() - start
    problems = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {i} wrote to stderr (a warning?): {out.text[:300]}")
    return problems, seconds


@pytest.mark.parametrize("path", LECTURES + SOLUTION_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_cleanly_in_a_fresh_kernel(path):
    problems, seconds = _execute(path)
    assert not problems, "\n".join(problems)
    assert seconds < 90, f"{path.name} took {seconds:.0f} s; keep notebooks well under a minute"


def test_there_is_a_lecture_for_every_module():
    lecture_ids = {p.stem for p in LECTURES}
    missing = [m for m in modules() if m not in lecture_ids]
    assert not missing, f"modules without a lecture in lectures/: {missing}"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_notebooks_have_no_outputs(path):
    nb = json.loads(path.read_text())
    stored = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
              and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not stored, f"{path} has outputs in cells {stored}: strip them"


@pytest.mark.parametrize("path", LECTURES + SOLUTION_NOTEBOOKS, ids=lambda p: p.name)
def test_headings_go_down_one_level_at_a_time(path):
    """One title, then sections and subsections without skipped levels: the site's table of
    contents and screen readers build the outline from them (WCAG 1.3.1)."""
    nb = nbformat.read(str(path), as_version=4)
    levels = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        in_code = False
        for line in cell.source.splitlines():
            in_code ^= line.lstrip().startswith("```")
            if not in_code and line.startswith("#"):
                levels.append((len(line) - len(line.lstrip("#")), line.strip()))
    assert levels and levels[0][0] == 1, f"{path.name} must open with one '# ' title"
    assert [h for level, h in levels if level == 1] == [levels[0][1]], f"{path.name} has more than one '# ' title"
    for (before, _), (level, heading) in zip(levels, levels[1:]):
        assert level <= before + 1, f"{path.name}: '{heading}' (level {level}) follows a level-{before} heading"


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.name)
def test_every_solution_cell_carries_nbgrader_metadata(path):
    # Grading restores the released layout by grade_id, so every cell needs one.
    nb = nbformat.read(str(path), as_version=4)
    bare = [i for i, c in enumerate(nb.cells) if not c.metadata.get("nbgrader", {}).get("grade_id")]
    assert not bare, f"cells {bare} of {path.name} have no nbgrader grade_id"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"


def test_exercises_are_in_sync_with_solutions():
    problems = release.check()
    assert not problems, "\n".join(problems) + "\nrun `nncourse release`"


def test_example_class_is_in_sync(tmp_path):
    from nncourse.example_class import build
    build(tmp_path / "class")
    fresh = {p.relative_to(tmp_path / "class"): p for p in (tmp_path / "class").rglob("*") if p.is_file()}
    committed_root = ROOT / "examples" / "class"
    committed = {p.relative_to(committed_root): p for p in committed_root.rglob("*") if p.is_file()}
    assert set(fresh) == set(committed), "run `make examples` to regenerate examples/class"
    stale = [str(rel) for rel, p in fresh.items() if p.read_bytes() != committed[rel].read_bytes()]
    assert not stale, f"stale example submissions {stale}: run `make examples`"
