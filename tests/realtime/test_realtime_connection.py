"""One screen's write path without a server: written at once while the socket is idle, queued while it waits,
closed with the right code when the screen is gone (0: nothing to send), too slow (4408) or writing fails on a
bug (1011)."""
from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from uvicorn.protocols.utils import ClientDisconnected

from domain.access import Principal
from realtime.connection import LiveConnection
from realtime.protocol import CLOSE_INTERNAL_ERROR, CLOSE_TOO_SLOW


class FakeSocket:
    """Records what is sent; `gate`, when set, makes a send wait for it; `fails` makes a send raise."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate: asyncio.Future[None] | None = None
        self.fails: Exception | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if self.fails is not None:
            raise self.fails
        if self.gate is not None:
            await self.gate
        self.sent.append(message["text"])


async def _screen(queue_limit: int = 4) -> tuple[LiveConnection, FakeSocket, asyncio.Task[None]]:
    socket = FakeSocket()
    conn = LiveConnection(socket, SimpleNamespace(queue_limit=queue_limit),  # type: ignore[arg-type]
                          Principal(user_id=1, username="org", role=None), "token", 1, {})
    conn._task = asyncio.create_task(asyncio.sleep(60))  # stands for the ASGI task that reads heartbeats
    return conn, socket, conn._task


async def test_an_idle_socket_gets_the_frame_at_once_without_a_task() -> None:
    conn, socket, _ = await _screen()
    assert conn.deliver("one") and conn.deliver("two")
    assert socket.sent == ["one", "two"] and conn._writer is None


async def test_a_waiting_socket_queues_and_a_writer_catches_up_in_order() -> None:
    conn, socket, _ = await _screen()
    socket.gate = asyncio.get_running_loop().create_future()
    assert conn.deliver("one") and conn.deliver("two") and conn.deliver("three")
    assert socket.sent == [] and conn._writer is not None and len(conn.outbox) == 2
    gate, socket.gate = socket.gate, None
    gate.set_result(None)
    writer = conn._writer
    await writer
    assert socket.sent == ["one", "two", "three"] and conn._writer is None
    assert conn.deliver("four") and socket.sent[-1] == "four"


async def test_a_socket_that_cannot_catch_up_is_closed_as_too_slow_even_while_its_send_waits() -> None:
    conn, socket, reader = await _screen(queue_limit=2)
    socket.gate = asyncio.get_running_loop().create_future()
    assert conn.deliver("one") and conn.deliver("two") and conn.deliver("three")
    writer = conn._writer
    assert conn.deliver("four") is False  # the outbox overflowed
    assert conn._closing == (CLOSE_TOO_SLOW, "too slow")
    await asyncio.gather(writer, reader, return_exceptions=True)  # type: ignore[arg-type]
    assert writer.done() and reader.cancelled() and socket.sent == []  # type: ignore[union-attr]
    assert conn.deliver("five") is False


async def test_a_screen_that_went_away_is_dropped_without_a_close_frame() -> None:
    conn, socket, reader = await _screen()
    socket.fails = ClientDisconnected()
    assert conn.deliver("one") is False
    assert conn._closing == (0, "")
    with pytest.raises(asyncio.CancelledError):
        await reader


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_bug_while_writing_is_logged_and_closes_the_screen_with_1011() -> None:
    conn, socket, reader = await _screen()
    socket.fails = ValueError("a bug")
    logger, seen = logging.getLogger("bridgepoint.realtime"), _Records()
    logger.addHandler(seen)
    try:
        assert conn.deliver("one") is False
    finally:
        logger.removeHandler(seen)
    assert conn._closing == (CLOSE_INTERNAL_ERROR, "internal error")
    [record] = seen.records
    assert record.getMessage() == "writing to a live-view socket" and record.exc_info is not None
    with pytest.raises(asyncio.CancelledError):
        await reader
