"""``RefereeExecute``: nbgrader's Execute step, replaced by the guarded kernel + referee run."""
from __future__ import annotations

from traitlets import Integer

from nbgrader.preprocessors import Execute

from .runner import DEFAULT_MEMORY_MB, run_notebook

# Reports of the notebooks executed in this process, keyed by (student, assignment, notebook);
# the class grader reads them after each autograde call.
REPORTS: dict[tuple[str, str, str], object] = {}


class RefereeExecute(Execute):
    memory_mb = Integer(DEFAULT_MEMORY_MB, help="Memory cap of the student kernel (MB).").tag(config=True)
    notebook_timeout = Integer(600, help="Time budget of a whole notebook (s).").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        resources = resources or {}
        path = resources.get("metadata", {}).get("path") or "."
        report = run_notebook(nb, path, cell_timeout=float(self.timeout or 30),
                              memory_mb=self.memory_mb, notebook_timeout=float(self.notebook_timeout))
        info = resources.get("nbgrader", {})
        REPORTS[(info.get("student"), info.get("assignment"), info.get("notebook"))] = report
        return nb, resources
