"""The ``nncourse`` command: release, self-check, grade, feedback, demo."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import DEFAULT_WORK_DIR, ROOT, ensure_venv_on_path, modules


def cmd_release(args) -> int:
    from . import release
    if args.check:
        problems = release.check(args.modules or None)
        for p in problems:
            print(p)
        if problems:
            print("exercises/ is out of sync with solutions/: run `nncourse release`", file=sys.stderr)
            return 1
        print(f"exercises/ is in sync with solutions/ ({', '.join(args.modules or modules())})")
        return 0
    done = release.release(args.modules or None)
    print(f"released {', '.join(done)} into exercises/")
    return 0


def cmd_check(args) -> int:
    from .selfcheck import NotebookUnreadable, check_notebook, format_report
    try:
        report = check_notebook(Path(args.notebook), cell_timeout=args.timeout)
    except (FileNotFoundError, NotebookUnreadable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(report, args.notebook))
    visible = [t for t in report.tests if not t.hidden_only]
    return 0 if visible and all(t.passed for t in visible) and report.status == "ok" else 1


def _settings(args):
    from .grading.grader import GradingSettings
    return GradingSettings(submissions=Path(getattr(args, "submissions", ".") or "."),
                           work_dir=Path(args.work), db_url=args.db,
                           cell_timeout=getattr(args, "timeout", 30.0),
                           workers=getattr(args, "workers", 0) or 0,
                           modules=getattr(args, "modules", None) or None,
                           sandbox=not getattr(args, "no_sandbox", False))


def cmd_grade(args) -> int:
    from .grading.grader import format_table, grade_class, write_csv
    settings = _settings(args)
    rows = grade_class(settings, progress=not args.quiet)
    print(format_table(rows))
    csv_path = Path(args.csv) if args.csv else Path(settings.work_dir) / "grades.csv"
    write_csv(rows, csv_path)
    print(f"grades written to {csv_path}")
    return 0


def cmd_feedback(args) -> int:
    from .grading.grader import write_feedback
    written = write_feedback(_settings(args))
    print(f"{len(written)} feedback report(s) written under {Path(args.work) / 'feedback'}")
    return 0


def cmd_export(args) -> int:
    from .grading.grader import export_grades, format_table, write_csv
    settings = _settings(args)
    rows = export_grades(settings)
    if not rows:
        print(f"no grades stored under {settings.work_dir}", file=sys.stderr)
        return 1
    print(format_table(rows))
    csv_path = Path(args.csv) if args.csv else Path(settings.work_dir) / "grades.csv"
    write_csv(rows, csv_path)
    print(f"grades written to {csv_path}")
    return 0


def cmd_demo(args) -> int:
    from . import release
    from .grading.grader import format_table, grade_class, write_csv, write_feedback
    print("== 1. Release: generate the student versions from solutions/ with nbgrader")
    print(f"   released {', '.join(release.release())} into exercises/")
    print(f"== 2. Grade the example class in {args.submissions}")
    settings = _settings(args)
    rows = grade_class(settings, progress=True)
    print(format_table(rows))
    write_csv(rows, Path(settings.work_dir) / "grades.csv")
    print(f"   grades written to {Path(settings.work_dir) / 'grades.csv'}")
    print("== 3. Feedback")
    written = write_feedback(settings)
    print(f"   {len(written)} HTML report(s) under {Path(settings.work_dir) / 'feedback'}")
    return 0


def cmd_build_examples(args) -> int:
    from .example_class import build
    written = build(Path(args.out))
    print(f"example class written to {args.out} ({len(written)} notebooks)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nncourse", description="Course tooling: release, check, grade, feedback.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate the student versions into exercises/")
    p.add_argument("modules", nargs="*", help="module ids (default: all)")
    p.add_argument("--check", action="store_true", help="exit 1 if exercises/ differs from a fresh release")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check", help="self-check a notebook: run it and report the visible tests")
    p.add_argument("notebook")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    p.set_defaults(func=cmd_check)

    def grading_options(p, submissions=True):
        if submissions:
            p.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core)")
            p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
            p.add_argument("--modules", nargs="+", help="grade only these modules")
            p.add_argument("--no-sandbox", action="store_true",
                           help="run student code without the bubblewrap sandbox (trusted submissions only)")
        p.add_argument("--work", default=str(ROOT / DEFAULT_WORK_DIR),
                       help="working folder for submissions, autograded copies, feedback and gradebook")
        p.add_argument("--db", default=None, help="gradebook database URL (default: SQLite in the working folder)")

    p = sub.add_parser("grade", help="autograde SUBMISSIONS/<student>/<module>/<module>.ipynb")
    p.add_argument("submissions")
    grading_options(p)
    p.add_argument("--csv", help="where to write the grades (default: WORK/grades.csv)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="write an HTML report per student and module")
    grading_options(p, submissions=False)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="table and CSV of every stored grade, with the written answers "
                                      "graded by hand so far (grades nothing)")
    grading_options(p, submissions=False)
    p.add_argument("--csv", help="where to write the grades (default: WORK/grades.csv)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("build-examples", help="regenerate the example class from solutions/ and exercises/")
    p.add_argument("--out", default=str(ROOT / "examples" / "class"))
    p.set_defaults(func=cmd_build_examples)

    p = sub.add_parser("demo", help="release, grade the example class, write feedback")
    p.add_argument("--submissions", default=str(ROOT / "examples" / "class"))
    grading_options(p)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None) -> int:
    ensure_venv_on_path()
    args = build_parser().parse_args(argv)
    from .grading.grader import GradingBusy
    from .grading.sandbox import SandboxUnavailable
    try:
        return args.func(args)
    except (SandboxUnavailable, GradingBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
