"""Put a submission back into the released layout before grading.

Students may delete, edit, duplicate or move cells. Grading uses the released notebook's cell
order: every locked cell (task text, setup, tests) comes from the release (nbgrader then adds the
hidden tests back from the gradebook), every solution cell is the student's cell with that
``grade_id``, and cells the student added keep their place after the released cell they followed.
What was changed is reported, so the status can say "tampered".
"""
from __future__ import annotations

import copy

import nbformat


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_solution(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def restore_released_layout(submitted, released):
    """Return ``(notebook, notes)``: the submission in the released order, and what was off."""
    notes: list[str] = []
    released_ids = [_grade_id(c) for c in released.cells]
    released_by_id = {gid: c for gid, c in zip(released_ids, released.cells) if gid}
    released_order = {gid: i for i, gid in enumerate(released_ids) if gid}

    student_by_id: dict[str, dict] = {}
    extras_after: dict[str | None, list] = {}  # released grade_id -> cells the student added after it
    anchor = None
    seen_order = []
    for cell in submitted.cells:
        gid = _grade_id(cell)
        if gid in released_by_id and gid not in student_by_id:
            student_by_id[gid] = cell
            seen_order.append(gid)
            anchor = gid
            continue
        if gid in released_by_id:  # a duplicate of a released cell
            if not _is_solution(released_by_id[gid]):
                notes.append(f"cell '{gid}' was duplicated; the copy was removed")
                continue
            notes.append(f"solution cell '{gid}' was duplicated; the copy runs as an ordinary cell")
        extra = copy.deepcopy(cell)
        extra.get("metadata", {}).pop("nbgrader", None)  # added cells cannot carry points
        extras_after.setdefault(anchor, []).append(extra)

    if [g for g in seen_order] != sorted(seen_order, key=released_order.get):
        notes.append("cells were moved; the released order was restored")

    cells = list(extras_after.get(None, []))
    for gid, rel in zip(released_ids, released.cells):
        if gid is None:
            cells.append(copy.deepcopy(rel))
        elif _is_solution(rel):
            if gid in student_by_id:
                cell = copy.deepcopy(student_by_id[gid])
                cell["metadata"]["nbgrader"] = copy.deepcopy(rel["metadata"]["nbgrader"])
                if cell.get("cell_type") != rel.get("cell_type"):
                    notes.append(f"solution cell '{gid}' changed type; the released type was restored")
                    cell = _retype(cell, rel)
                cells.append(cell)
            else:
                notes.append(f"solution cell '{gid}' was deleted; the empty stub was used")
                cells.append(copy.deepcopy(rel))
        else:
            if gid not in student_by_id:
                notes.append(f"cell '{gid}' was deleted; it was restored")
            elif student_by_id[gid].get("source") != rel.get("source") or \
                    student_by_id[gid].get("cell_type") != rel.get("cell_type"):
                notes.append(f"cell '{gid}' was edited; the released version was used")
            cells.append(copy.deepcopy(rel))
        if gid is not None:
            cells.extend(extras_after.get(gid, []))

    out = copy.deepcopy(released)
    out.cells = cells
    for cell in out.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nbformat.from_dict(out), notes


def _retype(cell, released_cell):
    new = copy.deepcopy(released_cell)
    new["source"] = cell.get("source", "")
    return new
