"""Entry point of the grading kernel: ``python -m nncourse.grading.kernel_launcher -f CONN``.

Before any student code runs it caps the process's memory, blocks imports of the reference
implementation and opens the referee's agent to comm messages; then it is an ordinary
IPython kernel.
"""
from __future__ import annotations

import os
import sys


def _cap_memory() -> None:
    megabytes = int(os.environ.get("NNCOURSE_KERNEL_MEMORY_MB", "0") or 0)
    if megabytes <= 0:
        return
    import resource
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _cap_cpu_time() -> None:
    seconds = int(os.environ.get("NNCOURSE_KERNEL_CPU_SECONDS", "0") or 0)
    if seconds > 0:
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def _seed_matplotlib_cache() -> None:
    """In the sandbox: copy the grader's pre-built font cache into the private MPLCONFIGDIR."""
    seed, target = os.environ.get("NNCOURSE_MPL_SEED"), os.environ.get("MPLCONFIGDIR")
    if seed and target and os.path.isdir(seed):
        import shutil
        shutil.copytree(seed, target, dirs_exist_ok=True)


def main() -> None:
    _cap_memory()
    _cap_cpu_time()
    _seed_matplotlib_cache()
    from nncourse.grading import kernel_agent
    from ipykernel.kernelapp import IPKernelApp

    kernel_agent.install_import_blocker()
    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    kernel_agent.serve_over_comm(app.kernel, kernel_agent.Agent(app.shell))
    app.start()


if __name__ == "__main__":
    main()
