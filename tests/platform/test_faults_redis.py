"""When Redis falters: a check-in's answer never waits on it, screens are told, and they resync when it is back.

Each test runs a redis-server of its own (so it may freeze or stop it) and two server processes on loopback
sharing it and a fresh database on the suite's PostgreSQL, with scanners checking delegates in and out as fast
as answers come and screens on both workers. Figures (scans per second with Redis working and frozen) are
printed: run with -s. bench/redis_freeze.py measures the same on one worker in alternating phases.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain import live
from domain.db import make_engine, make_sessionmaker
from domain.invitations.passes import Keyring
from tests.conftest import Api, fresh_postgres_database, reset_schema
from tests.support.factories import make_world
from tests.support.faults import RedisProcess
from tests.support.realtime import Screen, comparable, healthy, start_conference, user_token

pytestmark = [pytest.mark.redis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
LOST, BACK = "live-view bus lost", "live-view bus back"


@pytest.fixture
def redis() -> Any:
    server = RedisProcess()
    server.start()
    yield server
    server.close()


@dataclass
class Cluster:
    bases: list[str]
    logs: list[Path]
    db_url: str
    token: str
    conference: int
    cs_qk3: int
    invitations: list[int]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    engine: Any = None

    async def database_view(self) -> dict[str, Any]:
        async with make_sessionmaker(self.engine)() as session:
            body = await live.snapshot(session, self.conference)
        assert body is not None
        return comparable(body)

    def log_text(self, i: int) -> str:
        return self.logs[i].read_text(errors="replace")


@pytest.fixture
async def cluster(redis: RedisProcess, tmp_path: Path) -> AsyncIterator[Cluster]:
    db_url = await fresh_postgres_database(f"bp_faults_redis_{os.getpid()}")
    await reset_schema(db_url)
    token = await user_token(db_url, "org", "organizer")
    Keyring.load_or_create(tmp_path / "keys")  # before the servers start together
    env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": db_url, "BRIDGEPOINT_DATA_DIR": str(tmp_path),
           "BRIDGEPOINT_REDIS_URL": redis.url, "BRIDGEPOINT_REDIS_PREFIX": "bpfault",
           "BRIDGEPOINT_REDIS_TIMEOUT_SECONDS": "0.5"}
    sockets, procs, bases, logs = [], [], [], []
    try:
        for i in range(2):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            logs.append(tmp_path / f"server{i}.log")
            with logs[-1].open("wb") as err:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "api.asgi:app", "--fd", str(sock.fileno()),
                     "--ws-per-message-deflate", "false", "--log-level", "warning"],
                    pass_fds=[sock.fileno()], env=env, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT))
            bases.append(f"http://127.0.0.1:{sock.getsockname()[1]}")
        await asyncio.gather(*(healthy(base, timeout=120) for base in bases))
        async with httpx.AsyncClient(base_url=bases[0]) as client:
            api = Api(client, tokens={"org": token})
            w = await make_world(api)
            invitations = []
            for i in range(8):
                delegate = (await api.post("/api/delegates", {"full_name": f"Đại biểu {i}", "unit_id": w.unit,
                                                              "rank": "Đại tá"}))["id"]
                invitations.append((await api.post(f"/api/conferences/{w.conference}/invitations", {
                    "delegate_id": delegate, "conference_site_id": w.cs_qk3}))["id"])
            await start_conference(api, w.conference)
        engine = make_engine(db_url)
        yield Cluster(bases, logs, db_url, token, w.conference, w.cs_qk3, invitations, procs, engine)
        await engine.dispose()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for sock in sockets:
            sock.close()


@dataclass
class Answer:
    sent: float
    seconds: float
    status: int
    result: str


class Scanners:
    """One scanner per invitation, checking it in and out in turn (every answer `ok`), spread over the
    workers; each answer is kept with when it was sent and how long it took."""

    def __init__(self, c: Cluster) -> None:
        self.c = c
        self.answers: list[Answer] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._scan(i, inv)) for i, inv in enumerate(self.c.invitations)]

    async def stop(self) -> None:
        self._stop.set()
        async with asyncio.timeout(10):
            await asyncio.gather(*self._tasks)

    async def _scan(self, i: int, invitation: int) -> None:
        base = self.c.bases[i % len(self.c.bases)]
        headers = {"Authorization": f"Bearer {self.c.token}"}
        url = f"/api/conferences/{self.c.conference}/checkin/manual"
        n = 0
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
            while not self._stop.is_set():
                n += 1
                body = {"invitation_id": invitation, "conference_site_id": self.c.cs_qk3,
                        "nonce": f"s{i}-{n}", "direction": "in" if n % 2 else "out"}
                sent = time.monotonic()
                r = await client.post(url, json=body)
                result = r.json().get("result", r.json().get("code")) if r.content else ""
                self.answers.append(Answer(sent, time.monotonic() - sent, r.status_code, str(result)))

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent < end]


class Watch:
    """Screens whose every frame is kept with the time it arrived."""

    def __init__(self, screens: list[Screen]) -> None:
        self.screens = screens
        self.arrivals: list[list[tuple[float, dict[str, Any]]]] = [[] for _ in screens]
        self._tasks = [asyncio.create_task(self._read(i)) for i in range(len(screens))]

    async def _read(self, i: int) -> None:
        try:
            while True:
                frame = await self.screens[i].recv(timeout=3600)
                self.arrivals[i].append((time.monotonic(), frame))
        except Exception:
            return  # closed

    def first(self, i: int, after: float, match: Callable[[dict[str, Any]], bool]) -> float | None:
        return next((t for t, f in self.arrivals[i] if t >= after and match(f)), None)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for screen in self.screens:
            await screen.close()


async def open_screens(c: Cluster) -> Watch:
    screens = [await Screen.open(base.replace("http", "ws"), c.conference, c.token) for base in c.bases]
    for screen in screens:
        first = await screen.recv()
        assert first["type"] == "snapshot" and first["degraded"] is False
    return Watch(screens)


async def converged(c: Cluster, watch: Watch, since: float, within: float) -> float:
    """Seconds from `since` until every screen shows what the database holds."""
    began = since
    async with asyncio.timeout(within + 10):
        while True:
            view = await c.database_view()
            if all(comparable(s.state.body()) == view for s in watch.screens):
                return time.monotonic() - began
            await asyncio.sleep(0.05)


def p99(answers: list[Answer]) -> int:
    return round(sorted(a.seconds for a in answers)[int(0.99 * len(answers))] * 1000)


def answer_bound(normal: list[Answer]) -> float:
    """Every scan is answered within 1 s — unless the machine is so busy that scans take hundreds of ms with
    Redis working too (shared CI cores): then within 2.5 s, half the fault, which a check-in that waited on
    Redis could not meet."""
    return 1.0 if p99(normal) < 250 else 2.5


def rate(answers: list[Answer], seconds: float) -> float:
    return len(answers) / seconds


def report(name: str, **figures: Any) -> None:
    print(f"\n{name}: " + json.dumps(figures))


async def test_a_frozen_redis_holds_no_check_in_and_screens_are_told(cluster: Cluster, redis: RedisProcess) -> None:
    c = cluster
    watch = await open_screens(c)
    scanners = Scanners(c)
    scanners.start()
    await asyncio.sleep(3.0)  # warm up (first connections, token lookups), then measure
    normal_from = time.monotonic()
    await asyncio.sleep(4.0)
    frozen_at = time.monotonic()
    redis.freeze()
    try:
        await asyncio.sleep(5.0)
        frozen_until = time.monotonic()
        await scanners.stop()  # the scans sent while frozen are answered while frozen
    finally:
        redis.thaw()
    thaw_at = time.monotonic()
    settle = await converged(c, watch, thaw_at, within=2.0)

    normal, frozen = scanners.between(normal_from, frozen_at), scanners.between(frozen_at, frozen_until)
    measured = scanners.between(normal_from, frozen_until)  # not the warm-up's first requests
    slowest = max(a.seconds for a in measured)
    told = [watch.first(i, frozen_at, lambda f: f["type"] == "degraded") for i in range(len(watch.screens))]
    told_back = lambda f: f["type"] == "degraded" and f["degraded"] is False  # noqa: E731
    for _ in range(50):  # a worker that lost the bus again right after (and logged it) tells its screens later
        if all(watch.first(i, thaw_at, told_back) for i in range(len(watch.screens))):
            break
        await asyncio.sleep(0.1)
    resynced = [watch.first(i, thaw_at, told_back) for i in range(len(watch.screens))]
    after_thaw = [[(f["type"], f.get("degraded"), f.get("resync")) for t, f in watch.arrivals[i] if t >= thaw_at]
                  for i in range(len(watch.screens))]
    worst = max(measured, key=lambda a: a.seconds)
    report("frozen redis", slowest_sent_after_freeze_s=round(worst.sent - frozen_at, 2),
           answers=len(scanners.answers), scans_per_second_normal=round(rate(normal, frozen_at - normal_from), 1),
           scans_per_second_frozen=round(rate(frozen, frozen_until - frozen_at), 1),
           slowest_answer_ms=round(slowest * 1000), p99_normal_ms=p99(normal), p99_frozen_ms=p99(frozen),
           degraded_frame_after_s=[round(t - frozen_at, 2) if t else None for t in told],
           converged_after_thaw_s=round(settle, 2))

    assert all(a.status == 200 and a.result == "ok" for a in scanners.answers), \
        {(a.status, a.result) for a in scanners.answers}
    assert slowest < answer_bound(normal), f"a check-in waited {slowest:.2f} s"
    assert len(frozen) > 0.5 * rate(normal, frozen_at - normal_from) * (frozen_until - frozen_at), \
        (len(normal), len(frozen))
    assert all(t is not None and t - frozen_at < 2.0 for t in told), told
    assert all(t is not None for t in resynced), ("no `degraded: false` after the bus came back", after_thaw,
                                                  [c.log_text(i)[-2000:] for i in range(len(c.bases))])
    assert settle < 2.0
    await watch.close()
    # after it: frames flow as before
    scanners = Scanners(c)
    scanners.start()
    await asyncio.sleep(1.0)
    await scanners.stop()
    assert all(a.status == 200 and a.result == "ok" for a in scanners.answers)
    for i in range(len(c.bases)):
        text = c.log_text(i)
        assert text.count(LOST) == 1 and text.count(BACK) == 1, text[-3000:]
        assert "Traceback" not in text, text[-3000:]


async def test_a_stopped_and_restarted_redis_costs_two_log_lines_and_no_check_in(cluster: Cluster,
                                                                                 redis: RedisProcess) -> None:
    c = cluster
    watch = await open_screens(c)
    scanners = Scanners(c)
    scanners.start()
    await asyncio.sleep(1.5)
    normal_from = time.monotonic()
    await asyncio.sleep(2.0)
    stopped_at = time.monotonic()
    await asyncio.to_thread(redis.stop)  # in a thread: the scanners' clock must not stop with it
    await asyncio.sleep(3.0)
    await asyncio.to_thread(redis.start)
    restarted_at = time.monotonic()
    await asyncio.sleep(3.0)
    await scanners.stop()
    normal, measured = scanners.between(normal_from, stopped_at), scanners.between(normal_from, time.monotonic())
    report("stopped redis", answers=len(scanners.answers), p99_normal_ms=p99(normal),
           p99_while_stopped_ms=p99(scanners.between(stopped_at, restarted_at)),
           slowest_answer_ms=round(max(a.seconds for a in measured) * 1000))

    assert all(a.status == 200 and a.result == "ok" for a in scanners.answers), \
        {(a.status, a.result) for a in scanners.answers}
    assert max(a.seconds for a in measured) < answer_bound(normal)
    assert len(scanners.between(stopped_at, restarted_at)) > 0
    told = [watch.first(i, stopped_at, lambda f: f["type"] == "degraded") for i in range(len(watch.screens))]
    assert all(t is not None and t - stopped_at < 2.0 for t in told), told
    await watch.close()
    # Redis came back empty: screens that reconnect start from the database
    again = await open_screens(c)
    await converged(c, again, time.monotonic(), within=2.0)
    await again.close()
    for i in range(len(c.bases)):
        text = c.log_text(i)
        assert text.count(LOST) == 1 and text.count(BACK) == 1, text[-3000:]
        assert "Traceback" not in text, text[-3000:]
