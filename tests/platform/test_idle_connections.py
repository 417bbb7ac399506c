"""Idle connections are closed (issue 13, item 7): sockets that trickle header bytes, that never send a byte, or
that stay silent after a keep-alive response are closed by `bridgepoint serve` within its timeouts. A real server
on loopback, a bounded number of sockets, every wait bounded."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.servers import cli, environment, serve

pytestmark = pytest.mark.slow
SOCKETS = 100


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> tuple[bool, bytes]:
    """True when the server closes the connection (EOF) within `seconds`; what it wrote before."""
    got = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = await asyncio.wait_for(reader.read(4096), timeout=max(0.05, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            return False, got
        except ConnectionResetError:
            return True, got
        if not chunk:
            return True, got
        got += chunk
    return False, got


async def _trickler(port: int, stop: asyncio.Event) -> tuple[bool, bytes, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    closed: tuple[bool, bytes] = (False, b"")

    async def trickle() -> None:
        n = 0
        while not stop.is_set():
            await asyncio.sleep(0.25)
            try:
                writer.write(f"X-{n}: a\r\n".encode())
                await writer.drain()
            except (ConnectionError, RuntimeError):
                return
            n += 1

    task = asyncio.create_task(trickle())
    closed = await _closed_within(reader, 6.0)
    task.cancel()
    writer.close()
    return closed[0], closed[1], time.monotonic() - started


async def _scenario(port: int) -> None:
    # a plain request works, also one whose head takes a little while within the limit
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for part in (b"GET /health HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
        writer.write(part)
        await asyncio.sleep(0.2)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200"), head
    # ... and the keep-alive connection is closed after the keep-alive timeout of silence
    t = time.monotonic()
    closed, _ = await _closed_within(reader, 4.0)
    assert closed and time.monotonic() - t < 3.5
    writer.close()

    # a connection that never sends a byte
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    closed, _ = await _closed_within(reader, 4.0)
    assert closed
    writer.close()

    # many connections trickling header bytes for ever: all closed near the header timeout, with a 408
    stop = asyncio.Event()
    results = await asyncio.gather(*(_trickler(port, stop) for _ in range(SOCKETS)))
    stop.set()
    assert all(closed for closed, _, _ in results), sum(1 for c, _, _ in results if not c)
    assert max(took for _, _, took in results) < 4.0
    assert sum(1 for _, said, _ in results if said.startswith(b"HTTP/1.1 408")) >= SOCKETS * 0.9

    # the server still answers
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert (await asyncio.wait_for(reader.read(), 5)).startswith(b"HTTP/1.1 200")
    writer.close()


def test_idle_and_trickling_connections_are_closed(tmp_path: Path) -> None:
    env = environment(tmp_path, BRIDGEPOINT_HEADER_TIMEOUT_SECONDS="1.5", BRIDGEPOINT_KEEPALIVE_SECONDS="1")
    cli(env, "db", "upgrade")
    with serve(env) as base:
        asyncio.run(_scenario(int(base.rsplit(":", 1)[1])))
