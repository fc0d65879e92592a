"""Where the course's pieces live on disk."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("NNCOURSE_ROOT", Path(__file__).resolve().parents[1]))
SOLUTIONS = "solutions"
EXERCISES = "exercises"
DEFAULT_WORK_DIR = "grading"


def modules(root: Path = ROOT) -> list[str]:
    """Module ids: the folders of ``solutions/`` that hold ``<id>/<id>.ipynb``."""
    src = Path(root) / SOLUTIONS
    if not src.is_dir():
        return []
    return sorted(p.name for p in src.iterdir() if (p / f"{p.name}.ipynb").is_file())


def notebook_path(base: Path, module: str) -> Path:
    return Path(base) / module / f"{module}.ipynb"


def ensure_venv_on_path() -> None:
    """nbgrader creates its gradebook by running the ``alembic`` executable from PATH."""
    bindir = os.path.dirname(os.path.abspath(os.sys.executable))
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])
