"""A room re-read from the database after its bus came back keeps the frames that arrived during the read: the
live view's tick does not mark their points again, so a newer frame dropped there would leave screens stale."""
from __future__ import annotations

import json
from unittest.mock import ANY

from realtime.hub import Room
from realtime.protocol import ATTENDANCE, Frame
from realtime.state import LiveState


def _body(present: int) -> dict:
    return {"conference": {"id": 1}, "agenda_item": None, "speakers": None,
            "sites": [{"conference_site_id": 7, "present": present}, {"conference_site_id": 8, "present": 0}],
            "totals": {"present": present}}


def _counts(seq: int, present: int) -> Frame:
    return Frame(ATTENDANCE, seq, "2026-12-18T01:00:00Z",
                 {"sites": [{"conference_site_id": 7, "present": present}], "totals": {"present": present}})


def test_frames_that_arrived_during_the_read_are_applied_again_on_top_of_it() -> None:
    room = Room(1, history_size=100, extras={})
    room.start(10, _body(1))
    room.on_frame(_counts(11, 2))
    seq = room.seq  # the re-read begins here …
    room.on_frame(_counts(12, 5))  # … a frame read by a later tick arrives meanwhile …
    room.refresh(seq, _body(3))  # … and the database answer read before that tick comes back
    assert room.state is not None and room.state.seq == 12
    assert room.state.sites[7]["present"] == 5 and room.state.totals == {"present": 5}
    assert room.state.sites[8]["present"] == 0


def test_without_frames_during_the_read_the_read_is_the_state() -> None:
    room = Room(1, history_size=100, extras={})
    room.start(10, _body(1))
    room.on_frame(_counts(11, 2))
    room.refresh(room.seq, _body(4))
    assert room.state is not None and room.state.seq == 11 and room.state.sites[7]["present"] == 4


def _text(item) -> str:
    return item if isinstance(item, str) else item.text


def _shown(screen) -> dict:
    """What a screen that applied every frame it was sent shows."""
    state = LiveState()
    for item in screen.got:
        state.apply(json.loads(_text(item)))
    return state.body()


class _Screen:
    """A subscriber that keeps what it is sent."""

    def __init__(self) -> None:
        self.principal, self.token, self.queue_limit = None, "t", 100
        self.got: list = []
        self.kicked: list[int] = []

    def deliver(self, item) -> bool:
        self.got.append(item)
        return True

    def kick(self, code: int, reason: str) -> None:
        self.kicked.append(code)


async def _open_room(read):
    """A hub whose database read is `read()`, its room of conference 1, and one screen that joined it."""
    from realtime.bus import MemoryBus
    from realtime.hub import Hub

    async def load(conference_id: int) -> dict:
        return read()

    async def may_view(principal, conference_id) -> bool:
        return True

    hub = Hub(MemoryBus(), load, may_view)
    room = await hub.room(1)
    screen = _Screen()
    room.join(screen, None)
    return hub, room, screen


async def _hub_with_a_room():
    import asyncio

    reads: list[int] = []

    def read() -> dict:
        reads.append(1)
        return _body(9)

    hub, room, screen = await _open_room(read)
    room.on_frame(_counts(room.seq + 1, 2))
    reads.clear()
    return hub, room, screen, reads, asyncio


async def test_a_gap_in_the_frames_resyncs_the_screens_in_place_from_the_database() -> None:
    hub, room, screen, reads, asyncio = await _hub_with_a_room()
    room.on_frame(_counts(room.seq + 5, 4))  # four frames never came (trimmed while this worker lagged)
    await asyncio.sleep(0.05)
    assert reads == [1] and screen.kicked == []
    assert room.state.sites[7]["present"] == 9  # the database's answer (the fake reads 9), then the frames since
    assert _shown(screen) == room.state.body()  # it was sent what differs, not a snapshot …
    assert not any('"snapshot"' in _text(item) for item in screen.got[1:])
    assert json.loads(screen.got[-1]) == {"type": "degraded", "degraded": False, "at": ANY}  # … and then told so
    await hub.close()


async def test_redis_back_empty_costs_one_re_read_not_two() -> None:
    import time

    hub, room, screen, reads, asyncio = await _hub_with_a_room()
    hub.bus_changed("2026-12-18T01:00:00Z")
    hub.bus_changed(None)  # back: the room re-reads once …
    room.on_frame(_counts(time.time_ns() // 1000 + 1, 6))  # … and Redis's seq starts from a new origin
    await asyncio.sleep(0.05)
    assert reads == [1] and screen.kicked == []
    assert room.state.seq > 10**12  # the new origin is the room's seq now: later frames follow it
    assert room.state.sites[7]["present"] == 9  # the re-read began after the frame: the database's answer
    await hub.close()


async def test_a_gap_while_the_bus_is_still_degraded_waits_for_the_re_read_at_recovery() -> None:
    hub, room, screen, reads, asyncio = await _hub_with_a_room()
    hub.bus_changed("2026-12-18T01:00:00Z")
    room.on_frame(_counts(room.seq + 3, 4))  # the stream is back before the commands are: a frame, after a gap
    await asyncio.sleep(0.05)
    assert reads == [] and room.state.sites[7]["present"] == 4 and screen.kicked == []
    hub.bus_changed(None)
    await asyncio.sleep(0.05)
    assert reads == [1] and room.state.sites[7]["present"] == 9
    await hub.close()


def _site(cs_id: int, present: int = 0, name: str | None = None) -> dict:
    return {"conference_site_id": cs_id, "name": name or f"Point {cs_id}", "status": "ready",
            "present": present, "expected": 10, "late": 0, "walk_ins": 0, "absent": 0, "missing": 10 - present}


def _state(seq: int, sites: list[dict], speakers: dict | None = None, title: str = "Review") -> LiveState:
    return LiveState(seq, {"conference": {"id": 1, "title": title}, "agenda_item": None, "speakers": speakers,
                           "sites": sites, "totals": {"present": sum(s["present"] for s in sites)}})


def test_the_changes_between_two_states_are_the_points_that_differ_and_nothing_else() -> None:
    old = _state(5, [_site(i) for i in range(1, 1001)], speakers={"version": 1, "server_time": "08:00:00"})
    assert old.changes_to(_state(5, [_site(i) for i in range(1, 1001)],
                                 speakers={"version": 1, "server_time": "08:00:07"})) == []  # read later: the same
    new = _state(5, [_site(1, present=3), _site(2, name="Quân khu 9"), *(_site(i) for i in range(3, 1000)),
                     _site(1001)], speakers={"version": 2}, title="Hội nghị tổng kết")
    frames = old.changes_to(new)
    by_type = {f["type"]: f for f in frames}
    assert [f["type"] for f in frames] == ["sites", "attendance", "conference", "speakers"]
    assert [s["conference_site_id"] for s in by_type["sites"]["sites"]] == [2, 1001]  # renamed, added: in full
    assert by_type["sites"]["removed"] == [1000]
    assert by_type["attendance"]["sites"] == [  # the counts that changed: not its name, status or other counts
        {"conference_site_id": 1, "present": 3, "missing": 7}]
    assert by_type["attendance"]["totals"] == {"present": 3}
    assert by_type["conference"]["conference"]["title"] == "Hội nghị tổng kết"
    for frame in frames:
        old.apply(frame)
    assert old.body() == new.body()


async def test_after_the_bus_is_back_screens_get_what_changed_far_smaller_than_a_snapshot() -> None:
    import asyncio

    read = {"sites": [_site(i) for i in range(1, 2001)]}
    hub, room, screen = await _open_room(lambda: _state(0, read["sites"]).body())
    snapshot_size = len(_text(screen.got[0]))
    hub.bus_changed("2026-12-18T01:00:00Z")  # while the bus is down, 20 points check delegates in
    read["sites"] = [_site(i, present=2 if i % 100 == 0 else 0) for i in range(1, 2001)]
    hub.bus_changed(None)
    await asyncio.sleep(0.05)
    after = [json.loads(_text(item)) for item in screen.got[1:]]
    assert [f["type"] for f in after] == ["degraded", "attendance", "degraded"]
    assert after[0]["degraded"] is True and after[-1]["degraded"] is False
    assert len(after[1]["sites"]) == 20 and after[1]["resync"] is True
    assert sum(len(_text(item)) for item in screen.got[1:]) < snapshot_size / 20
    assert _shown(screen) == room.state.body() and room.state.totals == {"present": 40}
    # A screen resuming from the seq of that re-read, or before it, may have missed those frames: a snapshot.
    late = _Screen()
    room.join(late, room.seq)
    assert json.loads(_text(late.got[0]))["type"] == "snapshot" and json.loads(_text(late.got[0]))["resync"]
    await hub.close()


def test_a_screen_that_resumed_here_from_another_room_gets_a_snapshot_at_a_re_read_not_the_changes() -> None:
    """The changes after a re-read are relative to this room's state. A screen that resumed with `since` started
    from what another room showed (the worker it was on was killed): that may differ, so it gets the snapshot."""
    room = Room(1, history_size=100, extras={})
    room.start(10, _body(1))
    here, resumed = _Screen(), _Screen()
    room.join(here, None)
    room.on_frame(_counts(11, 2))
    room.join(resumed, 10)  # the frames since 10, from the history
    assert [json.loads(_text(i))["type"] for i in resumed.got] == ["attendance"]
    room.refresh(room.seq, _body(4))
    assert [json.loads(_text(i))["type"] for i in here.got[1:]] == ["attendance", "attendance", "degraded"]
    assert json.loads(_text(resumed.got[-1]))["type"] == "snapshot"
    room.refresh(room.seq, _body(6))  # from then on it holds this room's state: the changes are enough
    assert json.loads(_text(resumed.got[-1])) == {"type": "degraded", "degraded": False, "at": ANY}
    assert _shown(here) == _shown(resumed) == room.state.body()


def test_screens_that_hold_the_rooms_state_get_only_what_changed_the_others_whole_frames() -> None:
    room = Room(1, history_size=100, extras={})
    room.start(10, _body(1))
    here, resumed = _Screen(), _Screen()
    room.join(here, None)
    room.on_frame(_counts(11, 5))
    room.join(resumed, 10)  # from another worker: it may not hold what this room read
    seq = room.seq  # a re-read begins …
    room.on_frame(_counts(12, 5))  # … the marks of the outage: point 7 again, as this room holds it already
    assert json.loads(_text(here.got[-1]))["sites"] == [] and json.loads(_text(here.got[-1]))["seq"] == 12
    assert json.loads(_text(resumed.got[-1]))["sites"] == [{"conference_site_id": 7, "present": 5}]
    room.refresh(seq, _body(3))  # … the read saw the database before that change: the whole frame sets it right
    assert room.state.sites[7]["present"] == 5
    room.on_frame(Frame(ATTENDANCE, 13, "2026-12-18T01:00:00Z",
                        {"sites": [{"conference_site_id": 7, "present": 5}, {"conference_site_id": 8, "present": 2}],
                         "totals": {"present": 7}}))
    assert json.loads(_text(here.got[-1]))["sites"] == [{"conference_site_id": 8, "present": 2}]
    assert json.loads(_text(resumed.got[-1]))["sites"] == [{"conference_site_id": 8, "present": 2}]  # synced now
    assert _shown(here) == _shown(resumed) == room.state.body()
