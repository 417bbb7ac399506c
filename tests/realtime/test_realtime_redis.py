"""The live view on a real Redis: several workers share one seq order, the history, the tick and presence.
The last test runs two server processes on loopback: a check-in through one shows up on a screen of the other."""
from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from realtime.bus import CONNECTED
from realtime.protocol import Frame
from realtime.redis_bus import RedisBus
from tests.conftest import Api, reset_schema, service_url
from tests.support.factories import make_world
from tests.support.realtime import (Screen, check_in, healthy, serve_process, user_token,
                                         start_conference)

REDIS_ENV = "BRIDGEPOINT_TEST_REDIS_URL"
pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    return service_url(REDIS_ENV, "Redis")


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    """Keys of their own for this test, removed afterwards."""
    name = f"bptest:{os.getpid()}:{secrets.token_hex(4)}"
    yield name
    bus = RedisBus(redis_url, name)
    keys = [k async for k in bus.redis.scan_iter(f"{name}:*")]
    if keys:
        await bus.redis.delete(*keys)
    await bus.close()


@pytest.fixture
async def workers(redis_url: str, prefix: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    a, b = RedisBus(redis_url, prefix, history_size=5), RedisBus(redis_url, prefix, history_size=5)
    yield a, b
    await a.close()
    await b.close()


async def _collect(frames: list[Frame], count: int) -> None:
    async with asyncio.timeout(5):
        while len(frames) < count:
            await asyncio.sleep(0.01)


async def test_every_worker_sees_the_same_frames_in_the_same_seq_order(redis_url: str, prefix: str) -> None:
    a, b = RedisBus(redis_url, prefix), RedisBus(redis_url, prefix)
    seen_a: list[Frame] = []
    seen_b: list[Frame] = []
    await a.attach(7, seen_a.append)
    await b.attach(7, seen_b.append)
    await asyncio.gather(*(bus.publish(7, "attendance", {"n": i}) for i in range(10) for bus in (a, b)))
    await _collect(seen_a, 20)
    await _collect(seen_b, 20)
    assert [(f.seq, f.body) for f in seen_a] == [(f.seq, f.body) for f in seen_b]
    seqs = [f.seq for f in seen_a]
    assert seqs == list(range(seqs[0], seqs[0] + 20))
    await a.close()
    await b.close()


async def test_the_history_is_bounded_and_handed_to_a_worker_that_attaches_late(
        workers: tuple[RedisBus, RedisBus]) -> None:
    a, b = workers
    for i in range(8):
        await a.publish(3, "conference", {"i": i})
    recent = await b.attach(3, lambda frame: None)
    assert [f.body["i"] for f in recent] == [3, 4, 5, 6, 7]
    assert recent[-1].seq - recent[0].seq == 4


async def test_marks_from_any_worker_are_drained_once_by_the_leader(workers: tuple[RedisBus, RedisBus]) -> None:
    a, b = workers
    assert [await a.lead(), await b.lead()] == [True, False]
    await a.mark(1, {"count:5"})
    await b.mark(1, {"count:6", "conference"})
    await b.mark(2, {"status:9"})
    assert await a.drain() == {1: {"count:5", "count:6", "conference"}, 2: {"status:9"}}
    assert await a.drain() == {}


async def test_a_heartbeat_on_one_worker_and_the_timeout_on_another(workers: tuple[RedisBus, RedisBus]) -> None:
    a, b = workers
    assert await a.heartbeat((1, 5), now=1000.0, timeout=15) is None
    assert await b.heartbeat((1, 5), now=1005.0, timeout=15) == CONNECTED
    assert await a.expire(now=1019.0) == []
    assert await b.expire(now=1020.0) == [((1, 5), 1005.0)]
    assert await a.heartbeat((1, 5), now=1030.0, timeout=15) == "lost"
    await b.arm([(1, 5), (1, 6)], now=1030.0, timeout=15)  # (1, 5) has a state already: left alone
    assert await a.expire(now=1045.0) == [((1, 5), 1030.0), ((1, 6), None)]


@pytest.mark.slow
async def test_a_check_in_through_one_server_process_reaches_a_screen_on_another(
        redis_url: str, prefix: str, tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    await reset_schema(db_url)
    token = await user_token(db_url, "org", "organizer")
    env = {**os.environ, "BRIDGEPOINT_DATABASE_URL": db_url, "BRIDGEPOINT_DATA_DIR": str(tmp_path),
           "BRIDGEPOINT_REDIS_URL": redis_url, "BRIDGEPOINT_REDIS_PREFIX": prefix}
    sockets, servers, bases = [], [], []
    try:
        for _ in range(2):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            servers.append(serve_process(sock, env))
            bases.append(f"http://127.0.0.1:{sock.getsockname()[1]}")
            await healthy(bases[-1])  # one after the other: the first creates the keyring
        async with httpx.AsyncClient(base_url=bases[0]) as client:
            one = Api(client, tokens={"org": token})
            w = await make_world(one)
            await start_conference(one, w.conference)
            screens = [await Screen.open(base.replace("http", "ws"), w.conference, token) for base in bases]
            for screen in screens:
                assert (await screen.recv())["type"] == "snapshot"
            await check_in(one, w.conference, w.invitations["ngoc"], w.cs_qk3)
            checked_in = {"conference_site_id": w.cs_qk3, "present": 1, "expected": 20, "late": 0, "walk_ins": 0,
                          "absent": 0, "missing": 19}
            frames = [await s.until(lambda f: f["type"] == "attendance" and checked_in in f["sites"])
                      for s in screens]
            assert frames[0]["seq"] == frames[1]["seq"]
            since = max(s.frames[0]["seq"] for s in screens)
            assert [f for f in screens[0].frames if f["seq"] > since] == [f for f in screens[1].frames
                                                                         if f["seq"] > since]
            for screen in screens:
                await screen.close()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        for sock in sockets:
            sock.close()
