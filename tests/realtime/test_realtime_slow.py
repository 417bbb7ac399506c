"""A slow screen gets the newest counts rather than a backlog, is closed when it still cannot keep up, and
never delays the others."""
from __future__ import annotations

import asyncio
import socket
from typing import Any

from websockets.exceptions import ConnectionClosed

from realtime.outbox import Outbox
from realtime.protocol import CLOSE_TOO_SLOW, Frame
from tests.support.factories import make_world
from tests.support.realtime import Screen, ws_url  # noqa: F401


def _counts(seq: int, site: int, present: int) -> Frame:
    return Frame("attendance", seq, "t", {"sites": [{"conference_site_id": site, "present": present}],
                                          "totals": {"present": present}})


def test_pending_attendance_absorbs_newer_counts_so_a_slow_screen_gets_the_latest() -> None:
    box = Outbox(limit=3)
    box.put(_counts(1, 7, 1))
    box.put(Frame("site_status", 2, "t", {"sites": [{"conference_site_id": 7, "connection": "lost"}]}))
    box.put(_counts(3, 8, 4))
    box.put(_counts(4, 7, 2))
    assert len(box) == 2 and not box.overflowed
    status, counts = box.pop(), box.pop()
    assert '"seq":2' in status and '"seq":4' in counts
    assert '"conference_site_id":8,"present":4' in counts and '"conference_site_id":7,"present":2' in counts


def test_latest_value_wins_never_reorders_across_a_structural_frame() -> None:
    box = Outbox(limit=10)
    box.put(_counts(1, 7, 1))
    box.put(Frame("sites", 2, "t", {"sites": [], "removed": [7], "totals": {}}))
    box.put(_counts(3, 8, 1))
    assert [(box.pop() or "")[:30] for _ in range(3)] == [
        '{"type":"attendance","seq":1,"', '{"type":"sites","seq":2,"at":"', '{"type":"attendance","seq":3,"']


def test_an_outbox_that_overflows_asks_to_close_its_screen() -> None:
    closed = []
    box = Outbox(limit=2, on_overflow=lambda: closed.append(True))
    assert all(box.put(Frame("speakers", i, "t", {"speakers": {}})) for i in range(2))
    assert box.put(Frame("speakers", 3, "t", {"speakers": {}})) is False
    assert closed == [True] and box.pop() is None


def _tiny_receive_buffer_socket(base: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = base.removeprefix("ws://").split(":")
    sock.connect((host, int(port)))
    return sock


LONG_LIST = [{"id": i, "delegate_name": "Đại biểu " * 2000} for i in range(10)]  # ≈200 KB per speakers frame


async def _fast_and_slow_screens(api: Any, ws_url: str, queue_limit: int) -> tuple[Any, Screen, Screen, Any]:
    """A screen that reads, one whose socket has a tiny receive buffer and that reads only when told, and the room."""
    w = await make_world(api)
    api.app.state.realtime.queue_limit = queue_limit
    fast = await Screen.open(ws_url, w.conference, api.tokens["org"])
    slow = await Screen.open(ws_url, w.conference, api.tokens["org"], max_queue=1, max_size=None,
                             sock=_tiny_receive_buffer_socket(ws_url))
    await fast.recv()
    room = api.app.state.realtime.hub.rooms[w.conference]
    assert len(room.subscribers) == 2
    return w, fast, slow, room


async def _publish_speaker_lists(realtime: Any, conference: int, versions: int) -> None:
    for version in range(1, versions + 1):
        await realtime.bus.publish(conference, "speakers", {"speakers": {"version": version, "waiting": LONG_LIST}})
        await asyncio.sleep(0.01)  # changes arrive one after the other, as the chair works the list


def _version(n: int) -> Any:
    return lambda f: f["type"] == "speakers" and f["speakers"]["version"] == n


def _versions(screen: Screen) -> list[int]:
    return [f["speakers"]["version"] for f in screen.frames if f["type"] == "speakers"]


async def test_a_screen_that_stops_reading_is_closed_and_the_others_get_every_frame_in_time(
        api: Any, ws_url: str) -> None:
    w, fast, slow, room = await _fast_and_slow_screens(api, ws_url, queue_limit=4)
    loop = asyncio.get_running_loop()
    started = loop.time()
    reading = asyncio.create_task(fast.until(_version(40), timeout=10))
    await _publish_speaker_lists(api.app.state.realtime, w.conference, 40)
    last = await reading
    assert loop.time() - started < 5
    assert _versions(fast) == list(range(1, 41))
    assert last["seq"] == room.seq and len(room.subscribers) == 1
    try:
        while True:
            await slow.ws.recv()
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == CLOSE_TOO_SLOW
    await fast.close()


async def test_a_screen_whose_socket_backs_up_gets_every_frame_in_order_once_it_reads_again(
        api: Any, ws_url: str) -> None:
    w, fast, slow, room = await _fast_and_slow_screens(api, ws_url, queue_limit=64)
    await _publish_speaker_lists(api.app.state.realtime, w.conference, 20)
    await fast.until(_version(20), timeout=10)
    backed_up = [s for s in room.subscribers if s._writer is not None]
    assert len(backed_up) == 1 and len(backed_up[0].outbox) > 0  # frames wait for the slow socket, in its outbox
    await slow.until(_version(20), timeout=20)
    assert _versions(slow) == list(range(1, 21))
    assert len(room.subscribers) == 2 and all(s._writer is None for s in room.subscribers)
    await fast.close()
    await slow.close()
