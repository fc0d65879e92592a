"""Build the course website: ``python site/build.py`` (``make site``) writes ``build/site/``.

    python site/build.py                         # every module, lectures executed (cached)
    python site/build.py --only 01_neurons_and_logic_gates --no-execute   # a quick look

The staging source tree and Sphinx's doctrees go to ``<out>-work/`` next to the output folder;
executed lectures are cached in ``build/site-work/jupyter_cache``, so a second build re-executes
only the lectures that changed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent
ROOT = SITE_DIR.parent
sys.path[:0] = [str(SITE_DIR), str(ROOT)]

import coursepages  # noqa: E402


def work_dir(out: Path) -> Path:
    return out.parent / f"{out.name}-work"


DEFAULT_CACHE = ROOT / "build" / "site-work" / "jupyter_cache"


def build(out: Path, only: list[str] | None = None, execute: bool = True,
          quiet: bool = False, jobs: int = 1, cache: Path | None = None) -> int:
    """Generate the sources, run Sphinx, return its exit status (0: built).

    Executed lectures are cached in ``cache`` (by default ``build/site-work/jupyter_cache``,
    shared by every output folder under ``build/``): a lecture runs again only when its code
    changes. MyST-NB writes the outputs' images to ``<out>/../jupyter_execute``.
    """
    from sphinx.cmd.build import build_main
    out = Path(out).resolve()
    work = work_dir(out)
    src = work / "src"
    coursepages.generate(src, only=only)
    os.environ["NNCOURSE_SITE_CACHE"] = str(Path(cache or DEFAULT_CACHE).resolve())
    os.environ["NNCOURSE_SITE_EXECUTE"] = "cache" if execute else "off"
    # ipykernel keeps a MPLBACKEND it inherits; the lectures ask for inline figures themselves.
    os.environ.pop("MPLBACKEND", None)
    args = ["-b", "html", "-c", str(SITE_DIR), "-d", str(work / "doctrees"), "--keep-going",
            "-j", str(jobs), str(src), str(out)]
    if not execute:
        args[0:0] = ["-E"]          # a build without outputs must not reuse executed doctrees
    if quiet:
        args[0:0] = ["-q"]
    return build_main(args)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--only", nargs="+", metavar="MODULE", help="build only these modules")
    parser.add_argument("--no-execute", action="store_true", help="do not run the lectures")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    start = time.monotonic()
    status = build(args.out, args.only, not args.no_execute, args.quiet)
    if status == 0:
        out = args.out.resolve()
        print(f"\nsite built in {time.monotonic() - start:.0f} s: open {out / 'index.html'}\n"
              f"or serve it: python -m http.server -d {os.path.relpath(out)} 8000  "
              f"(then http://127.0.0.1:8000/)")
    return status


if __name__ == "__main__":
    sys.exit(main())
