"""Typical wrong answers per module, used by the tests (each must lose points) and by the
example class of `make demo`. One file per module: ``MISTAKES = {name: Mistake(...)}``."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mistake:
    """A wrong answer and the test cells that must then score 0 (``fails``) or still pass.

    ``replace`` maps a solution cell's grade_id to new code; ``edit`` maps it to
    ``(old, new)``, a change made to the reference solution's code (read from ``solutions/``).
    ``visible_message`` is a phrase (case-insensitive) that the message of at least one failing
    VISIBLE test must contain: a student finds every typical mistake before submitting, told
    what it is.
    """
    description: str
    fails: tuple[str, ...]
    visible_message: str = ""
    passes: tuple[str, ...] = field(default=())
    replace: dict[str, str] = field(default_factory=dict)
    edit: dict[str, tuple[str, str]] = field(default_factory=dict)

    def sources(self, solution_nb) -> dict[str, str]:
        """grade_id -> the wrong answer's code, given the solution notebook."""
        from nncourse.authoring import strip_markers
        answers = {c.metadata["nbgrader"]["grade_id"]: strip_markers(c.source)
                   for c in solution_nb.cells if c.metadata.get("nbgrader", {}).get("solution")}
        out = dict(self.replace)
        for grade_id, (old, new) in self.edit.items():
            if old not in answers[grade_id]:
                raise ValueError(f"mistake {self.description!r}: {old!r} is not in the solution of {grade_id!r}")
            out[grade_id] = answers[grade_id].replace(old, new)
        return out


def mistakes_for(module: str) -> dict[str, Mistake]:
    name = "m" + module.split("_")[0]
    try:
        return importlib.import_module(f"{__name__}.{name}").MISTAKES
    except ModuleNotFoundError:
        return {}
