"""Build the example class that ``make demo`` grades: ``examples/class/<student>/<module>/``.

Each student shows one situation an instructor meets, for every module:

===================  ===================================================================
alice_full           the reference solution: full marks
bob_untouched        the released notebook, untouched: 0
carol_mistakes       typical wrong answers (examples/typical_mistakes): partial credit
dave_halfway         the first half of the tasks done, the rest left as stubs
erin_chatty          correct, but prints, warns and floods 100 MB of output: full marks
frank_loop           an infinite loop at top level in one task: status timeout
grace_crash          os._exit in one task: status crashed, other tasks still graded
heidi_tamper         deletes, edits and moves test cells and patches np.testing: tampered
ivan_reference       imports the reference implementation in one task: no points for it
judy_truncated       a truncated (invalid JSON) notebook: unreadable
ken_wrong_name       the notebook saved as Untitled.ipynb: missing
leo_absent           nothing submitted: missing
===================  ===================================================================
"""
from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

import nbformat

from .authoring import filled_exercise
from .course import EXERCISES, ROOT, SOLUTIONS, modules, notebook_path


def _solution_ids(nb) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _mistakes(module: str, root: Path):
    sys.path.insert(0, str(root))
    try:
        from examples.typical_mistakes import mistakes_for
        return mistakes_for(module)
    finally:
        sys.path.remove(str(root))


def submissions_for(module: str, root: Path = ROOT) -> dict[str, object]:
    """student -> notebook (or raw text, or None for nothing submitted, or (name, notebook))."""
    exercise = nbformat.read(str(notebook_path(root / EXERCISES, module)), as_version=4)
    solution = nbformat.read(str(notebook_path(root / SOLUTIONS, module)), as_version=4)
    ids = _solution_ids(solution)
    middle = ids[len(ids) // 2]
    full = filled_exercise(exercise, solution)
    subs: dict[str, object] = {"alice_full": full, "bob_untouched": exercise}

    mistakes = list(_mistakes(module, root).values())
    wrong: dict[str, str] = {}
    for m in mistakes:  # one mistake per task, up to three tasks
        src = m.sources(solution)
        if not set(src) & set(wrong) and len(wrong) < 3:
            wrong.update(src)
    subs["carol_mistakes"] = filled_exercise(exercise, solution, wrong)

    halfway = filled_exercise(exercise, solution)
    for gid in ids[len(ids) // 2:]:
        _cell(halfway, gid).source = _cell(exercise, gid).source
    subs["dave_halfway"] = halfway

    chatty = filled_exercise(exercise, solution)
    first = _cell(chatty, ids[0])
    first.source = ("import warnings\nprint('Starting the exercise!')\n"
                    "warnings.warn('I am not sure about this one')\n" + first.source
                    + "\nprint('x' * 100_000_000)  # an accidental print of a huge string")
    subs["erin_chatty"] = chatty

    loop = filled_exercise(exercise, solution)
    _cell(loop, middle).source = "while True:  # forgot to update the loop variable\n    pass\n" + _cell(loop, middle).source
    subs["frank_loop"] = loop

    crash = filled_exercise(exercise, solution)
    _cell(crash, middle).source = "import os\nos._exit(1)\n" + _cell(crash, middle).source
    subs["grace_crash"] = crash

    tamper = filled_exercise(exercise, solution)
    tests = [c for c in tamper.cells if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    tests[1].source = "print('all good')"               # edited
    tamper.cells.remove(tests[0])                       # deleted
    tamper.cells.remove(tests[-1])                      # moved to the top
    tamper.cells.insert(0, tests[-1])
    _cell(tamper, ids[0]).source = ("np.testing.assert_allclose = lambda *args, **kwargs: None\n"
                                    + _cell(tamper, ids[0]).source)
    subs["heidi_tamper"] = tamper

    cheat = filled_exercise(exercise, solution)
    _cell(cheat, ids[0]).source = "import reference_impl\n" + _cell(cheat, ids[0]).source
    subs["ivan_reference"] = cheat

    subs["judy_truncated"] = json.dumps(full)[: len(json.dumps(full)) // 3]
    subs["ken_wrong_name"] = ("Untitled.ipynb", full)
    subs["leo_absent"] = None
    return subs


def build(out_dir: Path, root: Path = ROOT) -> list[Path]:
    """(Re)write the example class for every module into ``out_dir``."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    written = []
    for module in modules(root):
        for student, sub in submissions_for(module, root).items():
            folder = out_dir / student / module
            folder.mkdir(parents=True, exist_ok=True)
            if sub is None:
                (folder / "NOTHING_SUBMITTED.txt").write_text("This student submitted nothing.\n")
                continue
            name, content = (sub if isinstance(sub, tuple) else (f"{module}.ipynb", sub))
            path = folder / name
            if isinstance(content, str):
                path.write_text(content)
            else:
                nb = copy.deepcopy(content)
                nbformat.write(nb, str(path))
            written.append(path)
    return written
