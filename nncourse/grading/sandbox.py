"""An operating-system sandbox for the student kernel, with bubblewrap (``bwrap``).

The kernel sees a private file system: the Python installation read-only, the course's grading
package read-only (``nncourse/``, nothing else of the course folder), its own working folder
(the one submission being graded) read-write, the folder of its IPC sockets, and a private /tmp.
It has no network, its own PID namespace (every process it starts dies with it), and runs with
no capabilities. ``solutions/``, the gradebook, the release, other students' submissions, the
course's ``.git`` and the grader's home do not exist inside it.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

INSTALL_HINT = ("install it with `apt-get install bubblewrap` (Debian/Ubuntu; `make demo` and the test "
                "suite do this when they run as root), or pass --no-sandbox to run student code without "
                "an OS sandbox (only for submissions you trust)")

# Files of /etc that Python, NumPy and matplotlib read; the rest of /etc stays out of view.
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "passwd", "group", "localtime",
        "fonts", "ssl", "mime.types")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


@functools.lru_cache(maxsize=1)
def check_bwrap() -> str:
    """Path of a working ``bwrap``; raises SandboxUnavailable with what to do otherwise."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(f"grading runs student code in a bubblewrap sandbox, but `bwrap` is not "
                                 f"on PATH: {INSTALL_HINT}")
    probe = subprocess.run([path, *_system_args(), "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(f"`bwrap` cannot create a sandbox here ({probe.stderr.strip()[:300]}): "
                                 "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone) "
                                 f"or the container forbids them; {INSTALL_HINT}")
    return path


def _system_args() -> list[str]:
    """Namespaces, no capabilities, and the read-only system files (/usr and a few of /etc)."""
    args = ["--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        target = f"/{link}"
        if os.path.islink(target):
            args += ["--symlink", os.readlink(target), target]
        elif os.path.isdir(target):
            args += ["--ro-bind", target, target]
    for name in _ETC:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _python_paths() -> list[str]:
    """The folders a Python process of this environment needs, read-only."""
    paths = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(p for p in paths if p and os.path.isdir(p))


def sandboxed_argv(argv: list[str], *, workdir: str, socket_dir: str, package_dir: str) -> list[str]:
    """``argv`` wrapped in bwrap: see the module docstring for what the process can see."""
    # The private /tmp first: bwrap applies mounts in order, and a later tmpfs on /tmp would hide
    # whatever was bound below it (a course or a virtual environment that lives under /tmp).
    cmd = [check_bwrap(), *_system_args(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in _python_paths():
        cmd += ["--ro-bind", path, path]
    cache = matplotlib_cache()
    if cache:
        cmd += ["--ro-bind", cache, SEED_MPL_DIR, "--setenv", "NNCOURSE_MPL_SEED", SEED_MPL_DIR]
    cmd += ["--ro-bind", package_dir, package_dir,
            "--bind", socket_dir, socket_dir,
            "--bind", workdir, workdir, "--chdir", workdir,
            "--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
            "--setenv", "IPYTHONDIR", "/tmp/ipython",
            # ipykernel polls this PID to notice that the grader died; in the kernel's own PID
            # namespace it does not exist (--die-with-parent does that job instead)
            "--unsetenv", "JPY_PARENT_PID", "--"]
    return cmd + list(argv)


SEED_MPL_DIR = "/opt/nncourse-matplotlib"  # inside the sandbox: a read-only, pre-built font cache


@functools.lru_cache(maxsize=1)
def matplotlib_cache() -> str | None:
    """A matplotlib config folder with its font cache built, made once per grader process.

    A sandboxed kernel starts with an empty /tmp, and building the font cache there costs about a
    second per notebook; the kernel launcher copies this one in instead (see kernel_launcher)."""
    import tempfile
    folder = os.path.join(tempfile.gettempdir(), f"nncourse-mplcache-{os.getuid()}")
    os.makedirs(folder, exist_ok=True)
    if not any(name.startswith("fontlist") for name in os.listdir(folder)):
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], capture_output=True,
                       env=dict(os.environ, MPLCONFIGDIR=folder), timeout=120)
    return folder if any(name.startswith("fontlist") for name in os.listdir(folder)) else None


def package_dir() -> str:
    """The ``nncourse`` package folder (the kernel imports its launcher and agent from it)."""
    return str(Path(__file__).resolve().parents[1])


def minimal_environment(env: dict) -> dict:
    """Only the variables the kernel needs: the grader's own environment (tokens, paths to the
    course) does not reach student code."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "MPLBACKEND", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    out = {k: v for k, v in env.items() if k in keep or k.startswith(("NNCOURSE_", "OMP_", "OPENBLAS_",
                                                                       "MKL_", "PYDEVD_", "JPY_"))}
    out["PATH"] = os.pathsep.join(p for p in env.get("PATH", "/usr/bin").split(os.pathsep)
                                  if p.startswith(("/usr", "/bin")) or p in _python_paths()
                                  or any(p.startswith(q) for q in _python_paths()))
    return out
