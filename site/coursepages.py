"""Lay out the website's Sphinx source tree from the course files.

The site has, for every module (``nncourse.course.modules()`` plus any lecture or exercise that is
already there), one overview page, the lecture notebook (executed during the build) and the
student version of the exercise (task text, stubs and visible tests; rendered, never executed).
``api/`` has one page per ``reference_impl`` file, built by autodoc from its docstrings, and
sphinx.ext.viewcode makes a highlighted source page for each file.

Only ``lectures/``, ``exercises/`` and ``reference_impl/`` are read: never ``solutions/``, whose
hidden tests must not be published. The tree is written to a staging folder under ``build/``;
files are rewritten only when their content changes, so Sphinx rebuilds only what changed.
"""
from __future__ import annotations

import ast
import importlib
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent
ROOT = SITE_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAP_FILE = "_course_map.json"          # read by conf.py for the navigation bar


@dataclass
class Module:
    id: str
    number: int | None
    title: str
    lecture: Path | None
    exercise: Path | None
    reference: list[str] = field(default_factory=list)   # reference_impl.<name> modules

    @property
    def label(self) -> str:
        return f"Module {self.number}" if self.number is not None else self.id


def _notebook_cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _first_heading(path: Path) -> str | None:
    for cell in _notebook_cells(path):
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", _source(cell), flags=re.M)
            if m:
                return m.group(1)
    return None


def _title(module_id: str, lecture: Path | None, exercise: Path | None) -> tuple[int | None, str]:
    m = re.match(r"(\d+)_(.*)", module_id)
    number = int(m.group(1)) if m else None
    words = (m.group(2) if m else module_id).replace("_", " ")
    title = words[:1].upper() + words[1:]
    if lecture is not None:
        heading = _first_heading(lecture) or ""
        # "Module 1. Neurons and logic gates" -> "Neurons and logic gates"
        h = re.match(r"Module\s+\d+\s*[.:]\s*(.+)", heading)
        if h:
            title = h.group(1).strip()
    return number, title


def reference_modules(notebook: Path) -> list[str]:
    """The ``reference_impl`` files a notebook imports from, in first-use order."""
    import reference_impl
    found: list[str] = []

    def add(name: str) -> None:
        if name.startswith("reference_impl.") and name not in found \
                and not name.rsplit(".", 1)[1].startswith("_"):
            found.append(name)

    for cell in _notebook_cells(notebook):
        if cell["cell_type"] != "code":
            continue
        code = "\n".join(l for l in _source(cell).splitlines() if not l.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "reference_impl":
                    for alias in node.names:
                        obj = getattr(reference_impl, alias.name, None)
                        owner = getattr(obj, "__module__", None) or ""
                        if owner.startswith("reference_impl."):
                            add(owner)
                        elif f"reference_impl.{alias.name}" in sys.modules or \
                                (ROOT / "reference_impl" / f"{alias.name}.py").is_file():
                            add(f"reference_impl.{alias.name}")
                elif node.module.startswith("reference_impl."):
                    add(".".join(node.module.split(".")[:2]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("reference_impl."):
                        add(".".join(alias.name.split(".")[:2]))
    return found


def course_modules(root: Path = ROOT, only: list[str] | None = None) -> list[Module]:
    from nncourse.course import modules as graded_modules
    lectures = {p.stem: p for p in (root / "lectures").glob("*.ipynb")}
    exercises = {p.parent.name: p for p in (root / "exercises").glob("*/*.ipynb")
                 if p.stem == p.parent.name}
    ids = sorted(set(graded_modules(root)) | set(lectures) | set(exercises))
    if only:
        ids = [i for i in ids if i in only]
    result = []
    for module_id in ids:
        lecture, exercise = lectures.get(module_id), exercises.get(module_id)
        number, title = _title(module_id, lecture, exercise)
        result.append(Module(module_id, number, title, lecture, exercise,
                             reference_modules(lecture) if lecture else []))
    return result


def api_modules(root: Path = ROOT) -> list[str]:
    return sorted(f"reference_impl.{p.stem}" for p in (root / "reference_impl").glob("*.py")
                  if not p.stem.startswith("_"))


def _docstring_summary(module: str, root: Path) -> str:
    path = root / "reference_impl" / f"{module.split('.')[-1]}.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    return first


# ---------------------------------------------------------------------------------------------
# page text

def _module_page(mod: Module, modules: list[Module]) -> str:
    lines = [f"# {mod.label}: {mod.title}", ""]
    lines += ["```{toctree}", ":hidden:", ""]
    if mod.lecture:
        lines.append(f"../lectures/{mod.id}")
    if mod.exercise:
        lines.append(f"../exercises/{mod.id}")
    lines += ["```", ""]
    if mod.lecture:
        lines += [f"**Lecture:** {{doc}}`../lectures/{mod.id}`, executed when this site was built, "
                  "so every number, figure and animation is a real output of the reference "
                  f"implementation. Download the notebook: {{download}}`{mod.id}.ipynb "
                  f"<../lectures/{mod.id}.ipynb>`.", ""]
    else:
        lines += ["**Lecture:** not written yet.", ""]
    if mod.exercise:
        lines += [f"**Exercise:** {{doc}}`../exercises/{mod.id}`: the task text with the stubs you "
                  "fill in and the visible tests (shown here without running them). Download the "
                  f"student notebook: {{download}}`{mod.id}.ipynb <../exercises/{mod.id}.ipynb>`, "
                  "then check your work with "
                  f"`nncourse check exercises/{mod.id}/{mod.id}.ipynb`.", ""]
    else:
        lines += ["**Exercise:** not released yet.", ""]
    if mod.reference:
        lines += ["**Reference implementation** used by the lecture (documentation and source):", ""]
        for name in mod.reference:
            lines.append(f"- {{mod}}`{name}` ({{doc}}`API <../api/{name}>`, "
                         f"<a href=\"../_modules/{name.replace('.', '/')}.html\">source</a>)")
        lines.append("")
    return "\n".join(lines)


def _index_page(modules: list[Module], template: str) -> str:
    rows = ["| # | module | lecture | exercise |", "|---|---|---|---|"]
    for m in modules:
        lecture = f"{{doc}}`lecture <lectures/{m.id}>`" if m.lecture else "planned"
        exercise = f"{{doc}}`exercise <exercises/{m.id}>`" if m.exercise else "planned"
        rows.append(f"| {m.number if m.number is not None else ''} | {{doc}}`modules/{m.id}` "
                    f"| {lecture} | {exercise} |")
    toc = ["```{toctree}", ":maxdepth: 2", ":caption: Modules", ":hidden:", ""]
    toc += [f"modules/{m.id}" for m in modules] + ["```", "",
            "```{toctree}", ":maxdepth: 1", ":caption: Reference implementation", ":hidden:", "",
            "api/index", "```", ""]
    return template.replace("<!-- MODULE TABLE -->", "\n".join(rows)) \
                   .replace("<!-- TOCTREE -->", "\n".join(toc))


def _api_index(names: list[str], modules: list[Module], root: Path) -> str:
    used_by = {n: [m for m in modules if n in m.reference] for n in names}
    lines = ["# Reference implementation", "",
             "The course's NumPy reference implementation, one file per topic. Each page is built "
             "from the file's docstrings; the *[source]* links show the code.", "",
             "```{toctree}", ":maxdepth: 1", ":hidden:", ""] + names + ["```", "",
             "| file | what it is | lectures |", "|---|---|---|"]
    for n in names:
        summary = _docstring_summary(n, root).replace("|", "\\|")
        lectures = ", ".join(f"{{doc}}`{m.number} <modules/{m.id}>`" for m in used_by[n]) or ""
        lectures = lectures.replace("modules/", "../modules/")
        lines.append(f"| {{doc}}`{n.split('.')[-1]}.py <{n}>` | {summary} | {lectures} |")
    return "\n".join(lines) + "\n"


def _api_page(name: str) -> str:
    return (f"# `{name.split('.')[-1]}.py`\n\n"
            "```{eval-rst}\n"
            f".. automodule:: {name}\n"
            "   :members:\n"
            "   :show-inheritance:\n"
            "```\n")


# ---------------------------------------------------------------------------------------------

def _write(path: Path, data: bytes, wanted: set[Path]) -> None:
    wanted.add(path)
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def generate(src: Path, root: Path = ROOT, only: list[str] | None = None) -> list[Module]:
    """Write the Sphinx source tree into ``src`` and return the modules it holds."""
    src = Path(src)
    src.mkdir(parents=True, exist_ok=True)
    modules = course_modules(root, only)
    wanted: set[Path] = set()
    template = (SITE_DIR / "index.md").read_text(encoding="utf-8")
    _write(src / "index.md", _index_page(modules, template).encode(), wanted)
    for mod in modules:
        _write(src / "modules" / f"{mod.id}.md", _module_page(mod, modules).encode(), wanted)
        if mod.lecture:
            _write(src / "lectures" / f"{mod.id}.ipynb", mod.lecture.read_bytes(), wanted)
        if mod.exercise:
            _write(src / "exercises" / f"{mod.id}.ipynb", mod.exercise.read_bytes(), wanted)
    names = api_modules(root)
    _write(src / "api" / "index.md", _api_index(names, modules, root).encode(), wanted)
    for name in names:
        _write(src / "api" / f"{name}.md", _api_page(name).encode(), wanted)
    course_map = {
        "modules": [{"id": m.id, "label": m.label, "title": m.title,
                     "lecture": bool(m.lecture), "exercise": bool(m.exercise),
                     "reference": m.reference} for m in modules],
    }
    _write(src / MAP_FILE, json.dumps(course_map, indent=1).encode(), wanted)
    # Drop what the course no longer has (a renamed module, a removed file).
    for path in sorted(src.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return modules
