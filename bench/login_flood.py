"""Login flood: does a burst of wrong passwords hold up everything else?

One `bridgepoint serve` process (SQLite). First /health is probed alone (baseline), then again while 40 wrong
logins arrive at once (40 different user names, one client address), then while 200 wrong logins for one account
arrive one after another. Reports /health p50/p99 for each phase and how the logins were answered.
Target (issue #13): /health p99 under 100 ms during the 40 concurrent wrong logins.

    .venv/bin/python bench/login_flood.py
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


async def probe(client: httpx.AsyncClient, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        r = await client.get("/health")
        assert r.status_code == 200
        out.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(0.01)


def summary(lat: list[float]) -> dict[str, float]:
    q = statistics.quantiles(lat, n=100)
    return {"n": len(lat), "p50_ms": round(statistics.median(lat), 1), "p99_ms": round(q[98], 1)}


async def run(base: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client, \
            httpx.AsyncClient(base_url=base, timeout=120) as attacker:
        stop, alone = asyncio.Event(), []
        task = asyncio.create_task(probe(client, stop, alone))
        await asyncio.sleep(3)
        stop.set()
        await task

        stop, during = asyncio.Event(), []
        task = asyncio.create_task(probe(client, stop, during))
        t0 = time.perf_counter()
        answers = await asyncio.gather(*[attacker.post("/api/auth/login", json={
            "username": f"nobody{n}", "password": "wrong-password-1"}) for n in range(40)])
        burst_seconds = time.perf_counter() - t0
        stop.set()
        await task

        stop, serial = asyncio.Event(), []
        task = asyncio.create_task(probe(client, stop, serial))
        one = Counter()
        for _ in range(200):
            r = await attacker.post("/api/auth/login", json={"username": "vanphong", "password": "wrong-password-1"})
            one[r.status_code] += 1
        stop.set()
        await task
    return {"health_alone": summary(alone), "health_during_40_concurrent": summary(during),
            "burst_answered_in_s": round(burst_seconds, 2),
            "burst_statuses": dict(Counter(a.status_code for a in answers)),
            "health_during_200_serial": summary(serial), "serial_statuses": dict(one)}


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="bp-login-flood-"))
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data), "BRIDGEPOINT_DATABASE_URL": "",
           "BRIDGEPOINT_REDIS_URL": "", "BRIDGEPOINT_NEW_PASSWORD": "flood-test-lantern-42"}
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*cli, "users", "create", "vanphong", "--role", "organizer"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        result = asyncio.run(run(base))
    finally:
        server.terminate()
        server.wait(10)
    print(json.dumps({"bench": "login_flood", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
