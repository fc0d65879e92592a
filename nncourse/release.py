"""``nncourse release``: generate the student versions in ``exercises/`` with nbgrader."""
from __future__ import annotations

import filecmp
import json
import shutil
import tempfile
from pathlib import Path

from .course import EXERCISES, ROOT, ensure_venv_on_path, modules, notebook_path


def _api(config):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def generate(module_ids: list[str], release_dir: Path, db_url: str, root: Path = ROOT) -> None:
    """Run nbgrader's generate_assignment for each module into ``release_dir``."""
    from .grading.nbgrader_setup import course_config
    ensure_venv_on_path()
    config = course_config(root, work_dir=Path(release_dir).parent / "work", db_url=db_url,
                           release_dir=release_dir)
    api = _api(config)
    for module in module_ids:
        result = api.generate_assignment(module, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not generate '{module}':\n{result.get('error') or result.get('log')}")


def _normalised(path: Path):
    return json.loads(path.read_text())


def release(module_ids: list[str] | None = None, root: Path = ROOT) -> list[str]:
    """Regenerate ``exercises/<module>/`` for the given modules (default: all)."""
    module_ids = module_ids or modules(root)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "release"
        generate(module_ids, out, f"sqlite:///{tmp}/gradebook.db", root)
        for module in module_ids:
            target = Path(root) / EXERCISES / module
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(out / module, target)
    return module_ids


def check(module_ids: list[str] | None = None, root: Path = ROOT) -> list[str]:
    """Differences between ``exercises/`` and a fresh release; empty when in sync."""
    module_ids = module_ids or modules(root)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "release"
        generate(module_ids, out, f"sqlite:///{tmp}/gradebook.db", root)
        for module in module_ids:
            fresh, committed = out / module, Path(root) / EXERCISES / module
            if not committed.is_dir():
                problems.append(f"{EXERCISES}/{module}/ is missing: run `nncourse release {module}`")
                continue
            fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
            committed_files = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
            for rel in sorted(fresh_files ^ committed_files):
                where = "not generated" if rel in committed_files else "missing"
                problems.append(f"{EXERCISES}/{module}/{rel}: {where}")
            for rel in sorted(fresh_files & committed_files):
                a, b = fresh / rel, committed / rel
                same = (_normalised(a) == _normalised(b)) if rel.suffix == ".ipynb" else filecmp.cmp(a, b, shallow=False)
                if not same:
                    problems.append(f"{EXERCISES}/{module}/{rel} differs from what solutions/{module} generates")
    return problems
