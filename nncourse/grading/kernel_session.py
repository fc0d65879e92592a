"""A guarded student kernel: run cells with a time limit and capped output, answer RPCs.

Outputs are collected as nbformat output dicts. A cell that runs past its time limit is
interrupted (and the kernel restarted if the interrupt does not help); a kernel that dies is
noted and restarted, so the rest of the notebook can still run.
"""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec

from . import wire
from .kernel_agent import COMM_TARGET

MAX_OUTPUT_CHARS = 20_000   # per cell, stored; the rest is counted and dropped
INTERRUPT_GRACE = 5.0       # seconds to wait for an interrupted cell to stop


class KernelDied(RuntimeError):
    pass


class CellTimeout(RuntimeError):
    pass


@dataclass
class CellRun:
    outputs: list = field(default_factory=list)
    status: str = "ok"      # ok | error | timeout | crashed
    error: dict | None = None
    dropped_chars: int = 0


class _OutputCollector:
    def __init__(self, limit: int = MAX_OUTPUT_CHARS):
        self.outputs: list[dict] = []
        self.room = limit
        self.dropped = 0

    def stream(self, name: str, text: str) -> None:
        keep = text[:max(self.room, 0)]
        self.dropped += len(text) - len(keep)
        self.room -= len(keep)
        if not keep:
            return
        if self.outputs and self.outputs[-1].get("output_type") == "stream" and self.outputs[-1]["name"] == name:
            self.outputs[-1]["text"] += keep
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": keep})

    def rich(self, output_type: str, content: dict) -> None:
        data = {k: v for k, v in content.get("data", {}).items()}
        size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values())
        if size > self.room:
            self.dropped += size
            data = {"text/plain": f"[{output_type} of {size} characters dropped: output limit reached]"}
        else:
            self.room -= size
        out = {"output_type": output_type, "data": data, "metadata": content.get("metadata", {})}
        if output_type == "execute_result":
            out["execution_count"] = content.get("execution_count")
        self.outputs.append(out)

    def error(self, ename: str, evalue: str, traceback: list[str]) -> dict:
        err = {"output_type": "error", "ename": ename, "evalue": evalue[:5000],
               "traceback": [t[:5000] for t in traceback[-30:]]}
        self.outputs.append(err)
        return err

    def finish(self) -> None:
        if self.dropped:
            self.stream("stdout", "")  # make sure a stdout entry exists
            note = f"\n... [output truncated: {self.dropped} characters dropped]\n"
            for out in self.outputs:
                if out.get("output_type") == "stream":
                    out["text"] += note
                    break


def kernel_environment(memory_mb: int, cpu_seconds: int = 0) -> dict:
    env = dict(os.environ)
    env.update({
        "NNCOURSE_KERNEL_MEMORY_MB": str(memory_mb),
        "NNCOURSE_KERNEL_CPU_SECONDS": str(int(cpu_seconds)),
        "NNCOURSE_GRADING": "1",
        "MPLBACKEND": "Agg",
        # one BLAS thread per kernel: parallel workers must not oversubscribe the cores
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    # make sure the kernel imports this very nncourse package
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


class KernelSession:
    """Owns one guarded kernel. Use as a context manager."""

    def __init__(self, cwd: str, *, timeout: float = 30.0, memory_mb: int = 2048,
                 startup_timeout: float = 60.0, sandbox: bool = False, cpu_seconds: int = 0):
        self.cwd = os.path.abspath(cwd)
        self.sandbox = sandbox        # run the kernel under bubblewrap (see sandbox.py)
        self.cpu_seconds = cpu_seconds  # RLIMIT_CPU of the kernel process, 0 for none
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.startup_timeout = startup_timeout
        self.km: KernelManager | None = None
        self.kc = None
        self._agent_comm: str | None = None
        self.restarts = 0
        self.died = False
        self.timed_out = False

    # --- life cycle --------------------------------------------------------------------------
    def start(self, attempts: int = 3) -> None:
        """Start the kernel; a failed start (e.g. a busy machine) is retried."""
        for attempt in range(1, attempts + 1):
            try:
                self._start_once()
                return
            except RuntimeError:
                if attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)

    def _start_once(self) -> None:
        # IPC sockets in a private folder: no TCP ports that kernels started at the same
        # moment could both pick, and nothing reachable from the network.
        self._socket_dir = tempfile.mkdtemp(prefix="nncourse-k-")
        km = KernelManager(transport="ipc", ip=f"{self._socket_dir}/kernel",
                           connection_file=f"{self._socket_dir}/kernel.json")
        argv = [sys.executable, "-m", "nncourse.grading.kernel_launcher", "-f", "{connection_file}",
                "--HistoryManager.hist_file=:memory:"]
        env = kernel_environment(self.memory_mb, self.cpu_seconds)
        if self.sandbox:
            from .sandbox import minimal_environment, package_dir, sandboxed_argv
            argv = sandboxed_argv(argv, workdir=self.cwd, socket_dir=self._socket_dir,
                                  package_dir=package_dir())
            env = minimal_environment(env)
        # In the sandbox a SIGINT to the process group would also stop bwrap itself (and with it
        # the kernel): interrupt through the control channel instead, which ipykernel turns into a
        # SIGINT to its own process.
        km._kernel_spec = KernelSpec(argv=argv, display_name="nncourse grading kernel", language="python",
                                     interrupt_mode="message" if self.sandbox else "signal")
        km.start_kernel(cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            raise
        self.km, self.kc = km, kc
        self._agent_comm = None  # opened by the first request

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
        if getattr(self, "_socket_dir", None):
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
        self.km = self.kc = None
        self._agent_comm = None

    def restart(self) -> None:
        self.shutdown()
        self.restarts += 1
        self.start()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()

    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    # --- running code ------------------------------------------------------------------------
    def _messages(self, channel: str, msg_id: str, deadline: float):
        """Yield the messages of request ``msg_id`` on ``channel`` ("iopub" or "shell") until
        ``deadline``; raise KernelDied if the kernel process stops meanwhile."""
        get = self.kc.get_iopub_msg if channel == "iopub" else self.kc.get_shell_msg
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                msg = get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if not self.km.is_alive():
                    raise KernelDied("the kernel process stopped")
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                yield msg

    def _drain_iopub(self, msg_id: str, collector: _OutputCollector | None, deadline: float) -> bool:
        """Read iopub until the kernel is idle for ``msg_id``; False on deadline."""
        for msg in self._messages("iopub", msg_id, deadline):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return True
            if collector is None:
                continue
            if kind == "stream":
                collector.stream(content["name"], content["text"])
            elif kind in ("display_data", "execute_result"):
                collector.rich(kind, content)
            elif kind == "error":
                collector.error(content["ename"], content["evalue"], content["traceback"])
            elif kind == "clear_output":
                collector.outputs.clear()
        return False

    def _get_reply(self, msg_id: str, deadline: float) -> dict | None:
        """The shell reply to ``msg_id``, or None on deadline."""
        return next(self._messages("shell", msg_id, deadline), None)

    def _stop_runaway(self, msg_id: str, shell_reply: bool = True) -> None:
        """Interrupt a cell past its limit; restart the kernel if that does not stop it.
        ``shell_reply``: whether the request gets a shell reply (a comm message does not)."""
        self.timed_out = True
        self.km.interrupt_kernel()
        if self._drain_iopub(msg_id, None, time.monotonic() + INTERRUPT_GRACE):
            if not shell_reply:
                return
            try:
                self._get_reply(msg_id, time.monotonic() + INTERRUPT_GRACE)
            except KernelDied:
                self.restart()
            return
        self.restart()

    def run_cell(self, code: str, timeout: float | None = None) -> CellRun:
        """Execute ``code`` like a notebook cell. Never raises for student failures."""
        timeout = self.timeout if timeout is None else timeout
        collector = _OutputCollector()
        run = CellRun(outputs=collector.outputs)
        if self.km is None or not self.alive():
            self.died = True
            self.restart()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + timeout
        try:
            finished = self._drain_iopub(msg_id, collector, deadline)
            if finished:
                reply = self._get_reply(msg_id, time.monotonic() + 10)
                if reply is not None and reply["content"].get("status") == "error":
                    run.status = "error"
                    if not any(o["output_type"] == "error" for o in collector.outputs):
                        c = reply["content"]
                        run.error = collector.error(c.get("ename", "Error"), c.get("evalue", ""),
                                                    c.get("traceback", []) or ["(traceback hidden)"])
            else:
                self._stop_runaway(msg_id)
                run.status = "timeout"
                run.error = collector.error(
                    "CellTimeoutError", f"the cell ran longer than {timeout:g} s and was stopped",
                    [f"CellTimeoutError: the cell ran longer than {timeout:g} s and was stopped "
                     "(an infinite loop?)"])
        except KernelDied:
            self.died = True
            code_ = self.km.exit_status() if hasattr(self.km, "exit_status") else None
            run.status = "crashed"
            run.error = collector.error(
                "KernelDied", "the kernel stopped while running this cell",
                ["KernelDied: the Python process running the notebook stopped while running this cell "
                 "(os._exit, sys.exit in a thread, a segfault, or the memory limit); "
                 "the kernel was restarted and the rest of the notebook ran in a fresh kernel"])
            self.restart()
        collector.finish()
        run.dropped_chars = collector.dropped
        if run.status == "ok" and any(o["output_type"] == "error" for o in run.outputs):
            run.status = "error"
        return run

    def request(self, payload: dict, timeout: float | None = None) -> dict:
        """Send one RPC to the agent (a comm message, see ``kernel_agent.serve_over_comm``);
        returns the decoded response dict.

        Raises ``CellTimeout`` or ``KernelDied``; an agent that does not answer gives ``{"error": ...}``.
        """
        timeout = self.timeout if timeout is None else timeout
        if self.km is None or not self.alive():
            raise KernelDied("the kernel is not running")
        if self._agent_comm is None:
            self._agent_comm = uuid.uuid4().hex
            self.kc.shell_channel.send(self.kc.session.msg(
                "comm_open", {"comm_id": self._agent_comm, "target_name": COMM_TARGET, "data": {}}))
        msg = self.kc.session.msg("comm_msg", {"comm_id": self._agent_comm,
                                               "data": {"request": wire.dumps(payload)}})
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        deadline = time.monotonic() + timeout
        text = None
        try:
            # The answer comes on iopub before the kernel reports idle for this message; idle
            # without an answer means the agent's comm was closed or replaced by student code.
            for reply in self._messages("iopub", msg_id, deadline):
                if reply["msg_type"] == "comm_msg":
                    text = reply["content"].get("data", {}).get("response")
                    break
                if reply["msg_type"] == "status" and reply["content"].get("execution_state") == "idle":
                    break
            else:
                self._stop_runaway(msg_id, shell_reply=False)
                raise CellTimeout(f"the call did not return within {timeout:g} s")
        except KernelDied:
            self.died = True
            self.restart()
            raise
        if not isinstance(text, str):
            return {"error": {"type": "GradingError", "where": "",
                              "message": "the grading agent in the kernel did not answer: it was "
                                         "closed or replaced by code in the notebook"}}
        try:
            return wire.loads(text)
        except Exception:
            return {"error": {"type": "GradingError", "where": "",
                              "message": "the kernel sent an unreadable answer"}}
