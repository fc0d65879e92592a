"""Conda users and pip users get the same course: environment.yml mirrors pyproject.toml."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQ = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*$")


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = REQ.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    text = (ROOT / "pyproject.toml").read_text()
    reqs = []
    for block in re.findall(r"^(?:dependencies|test)\s*=\s*\[(.*?)\]", text, flags=re.S | re.M):
        reqs += re.findall(r'"([^"]+)"', block)
    return dict(_normalise(r) for r in reqs)


def _conda_requirements() -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text()
    section = text.split("dependencies:", 1)[1]
    deps = [l.strip()[2:] for l in section.splitlines() if l.startswith("  - ")]
    return dict(_normalise(d) for d in deps if _normalise(d)[0] not in ("python", "pip"))


def test_environment_yml_matches_pyproject():
    pip, conda = _pyproject_requirements(), _conda_requirements()
    assert "numpy" in pip and "nbgrader" in pip  # the parser found the lists
    assert pip == conda, f"only in pyproject: {set(pip.items()) - set(conda.items())}; " \
                         f"only in environment.yml: {set(conda.items()) - set(pip.items())}"
