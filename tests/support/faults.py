"""Servers of a test's own, for fault injection: a redis-server it may freeze (SIGSTOP) or stop, and a
PostgreSQL instance it may restart. Never the shared throwaway servers of the suite: other tests use those.

Missing binaries skip the test, except under CI=true, where they fail it (as tests/conftest.service_url does).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import IN_CI


def unavailable(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what}: under CI=true the fault tests must run")
    pytest.skip(f"{what}; the fault test needs it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisProcess:
    """A redis-server of this test's own on a free loopback port (same port across restarts)."""

    def __init__(self) -> None:
        self.binary = os.environ.get("BRIDGEPOINT_REDIS_SERVER") or shutil.which("redis-server") or ""
        if not self.binary or not os.access(self.binary, os.X_OK):
            unavailable("redis-server not found")
        self.dir = Path(tempfile.mkdtemp(prefix="bridgepoint-fault-redis."))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _answers(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {(self.dir / 'redis.log').read_text()[-500:]}")
            time.sleep(0.05)

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)
        self.frozen = False

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.frozen:
            self.thaw()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin() -> str | None:
    given = os.environ.get("BRIDGEPOINT_PG_BIN")
    candidates = [given] if given else [*sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)]
    for d in candidates:
        if d and os.access(Path(d) / "initdb", os.X_OK) and os.access(Path(d) / "pg_ctl", os.X_OK):
            return d
    return None


class PostgresInstance:
    """A PostgreSQL cluster of this test's own (initdb into a temp dir, trust auth, loopback, a free port),
    run as user postgres when the tests run as root, like .ci/services.sh does."""

    def __init__(self) -> None:
        bin_dir = _pg_bin()
        if bin_dir is None:
            unavailable("PostgreSQL binaries (initdb, pg_ctl) not found")
        self.bin = Path(bin_dir)  # type: ignore[arg-type]
        self.root = os.geteuid() == 0
        if self.root and subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
            unavailable("no user postgres to run initdb as")
        self.dir = Path(tempfile.mkdtemp(prefix="bridgepoint-fault-pg."))
        if self.root:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.data = self.dir / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/bridgepoint"

    def _run(self, *args: str, timeout: float = 60) -> None:
        cmd = [*(["runuser", "-u", "postgres", "--"] if self.root else []), *args]
        done = subprocess.run(cmd, cwd="/", capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout[-800:]} {done.stderr[-800:]}")

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = "
                       f"'{self.dir}'\nmax_connections = 100\nfsync = off\nsynchronous_commit = off\n"
                       "full_page_writes = off\n")
        self.pg_ctl("start")
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "bridgepoint")

    def pg_ctl(self, action: str, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "postgres.log"), "-w",
                  "-t", "30", "-m", mode, action)

    def restart(self, mode: str = "fast") -> float:
        """Restart the server; how many seconds it took."""
        began = time.monotonic()
        self.pg_ctl("restart", mode)
        return time.monotonic() - began

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.pg_ctl("stop", "immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pid = (self.data / "postmaster.pid").read_text().split()[0]
                os.kill(int(pid), signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)
