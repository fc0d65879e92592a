"""A throwaway PostgreSQL server for tests: Debian's ``postgresql`` binaries, a private data folder,
a Unix socket only (no TCP port), started and stopped by the caller.

The server refuses to run as root, so as root the data folder belongs to the ``postgres`` system
user and the commands run as that user.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def ensure_installed() -> Path:
    """The folder of initdb/pg_ctl; installs Debian's postgresql package where it is missing."""
    bindir = _binaries()
    if bindir is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql",
                       shell=True, capture_output=True, timeout=900)
        bindir = _binaries()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL server binaries not found: apt-get install postgresql")
    return bindir


class PostgresServer:
    def __init__(self):
        import tempfile
        self.bindir = ensure_installed()
        # Not under pytest's tmp folder: its parents are private to root, and the server runs as
        # the postgres user.
        self.folder = Path(tempfile.mkdtemp(prefix="nncourse-postgres-"))
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self.user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed: {result.stderr[-1000:]}")
        return result

    def start(self) -> "PostgresServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.user:
            shutil.chown(self.folder, self.user)
            shutil.chown(self.socket_dir, self.user)
            os.chmod(self.folder, 0o755)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "grader", "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.folder / "server.log"), "-o",
                  f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off", "start")
        for _ in range(50):
            if (self.socket_dir / ".s.PGSQL.5432").exists():
                break
            time.sleep(0.1)
        return self

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", str(self.socket_dir), "-U", "grader", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg2://grader@/{name}?host={self.socket_dir}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except PostgresUnavailable:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
