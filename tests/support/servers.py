"""Real `bridgepoint serve` processes on loopback for tests that need a server of their own (several workers,
socket timeouts, a contract run)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "api.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data), "BRIDGEPOINT_DATABASE_URL": "",
           "BRIDGEPOINT_REDIS_URL": "", "BRIDGEPOINT_MAIL_WORKER": "0", "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    if password is not None:
        env = {**env, "BRIDGEPOINT_NEW_PASSWORD": password}
    return subprocess.run([*CLI, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=180)


@contextmanager
def serve(env: dict[str, str], *args: str, port: int | None = None) -> Iterator[str]:
    """One `bridgepoint serve` (with `args`, e.g. --workers 2); yields its base URL, stops it afterwards."""
    port = port or free_port()
    log_path = Path(env["BRIDGEPOINT_DATA_DIR"]) / f"server-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port), *args], cwd=ROOT,
                                env={**env, "BRIDGEPOINT_PUBLIC_URL": f"http://127.0.0.1:{port}"},
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/health", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not start: {log_path.read_text()[-3000:]}") from None
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
