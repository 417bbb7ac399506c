"""Pieces the benchmarks share: a free loopback port, a process's CPU time, a percentile, and a demo server for
the page benchmarks (SQLite, in-memory channels, no mail sender)."""
from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank: the smallest value with at least q % of the values at or below it
    (p99 of 100 values is the 99th, of 200 the 198th); 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered) / 100))) - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> dict[str, float]:
    """CPU seconds used so far by every process on the machine, summed by command name (with `server` for
    `bridgepoint serve`), and `total`: where the cores went in a phase of a benchmark (take the difference)."""
    out: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if b"api.cli\x00serve" in cmdline:
            name = "server"
        elif name == "chromium":  # its processes by kind: browser, renderer, gpu-process, utility (audio, network …)
            args = cmdline.decode(errors="replace").replace("\x00", " ").split()
            kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "browser")
            sub = next((a.split("=", 1)[1].split(".")[0] for a in args if a.startswith("--utility-sub-type=")), "")
            name = f"chromium {kind}" + (f" {sub}" if sub else "")
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        out[name] = out.get(name, 0.0) + seconds
    out["total"] = sum(out.values())
    return out


def cpu_used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used by each command name between two `machine_cpu()` readings `seconds` apart (the busiest first,
    those under 2 % left out)."""
    used = {k: (v - before.get(k, 0.0)) / seconds for k, v in after.items()}
    return {k: round(v, 2) for k, v in sorted(used.items(), key=lambda kv: -kv[1]) if v >= 0.02}


class PageServer:
    """`bridgepoint serve` on a free loopback port over the SQLite database in `data_dir`, for a browser."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data_dir), "BRIDGEPOINT_DATABASE_URL": "",
                    "BRIDGEPOINT_REDIS_URL": "", "BRIDGEPOINT_PUBLIC_URL": self.base, "BRIDGEPOINT_MAIL_WORKER": "0"}
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        """Run a `bridgepoint` command against the same data (the demo, a fixture) and return its output."""
        return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def start(self, timeout: float = 120) -> "PageServer":
        self.proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--log-level", "warning"], cwd=ROOT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited")
            time.sleep(0.3)
        raise RuntimeError("the server did not come up")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
