"""The live view over real websockets: snapshot, coalesced attendance, resume with since, resync, commit-only."""
from __future__ import annotations

import asyncio
from typing import Any

from domain.uow import UnitOfWork
from tests.support.factories import make_world
from tests.support.realtime import (Screen, check_in, comparable, database_view, start_conference,  # noqa: F401
                                         ws_url)


async def test_first_frame_is_a_snapshot_of_the_whole_conference(api: Any, ws_url: str) -> None:
    w = await make_world(api)
    screen = await Screen.open(ws_url, w.conference, api.tokens["org"])
    first = await screen.recv()
    assert first["type"] == "snapshot" and first["resync"] is False
    assert first["conference"]["status"] == "draft"
    assert {s["conference_site_id"]: s["code"] for s in first["sites"]} == {w.cs_hq: "HQ", w.cs_qk3: "DC-QK3"}
    assert first["totals"]["expected"] == 21  # QK3 expects 20; HQ counts its one invitation
    assert first["speakers"]["conference_id"] == w.conference
    assert comparable(screen.state.body()) == await database_view(api, w.conference)
    # an open screen holds no database connection (the leader's tick borrows one for a moment every 250 ms)
    for _ in range(100):
        if api.app.state.engine.pool.checkedout() == 0:
            break
        await asyncio.sleep(0.01)
    assert api.app.state.engine.pool.checkedout() == 0
    await screen.close()


def _of(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == kind]


async def _screen_ticked_by_hand(api: Any, ws_url: str, *, live: bool = True) -> tuple[Any, Any, Screen]:
    """A world (its conference live unless told otherwise), the periodic tick stopped so the test ticks by hand,
    and an organizer's screen that has had its snapshot."""
    w = await make_world(api)
    if live:
        await start_conference(api, w.conference)
    realtime = api.app.state.realtime
    await realtime.pause()
    await realtime.ticker.tick()
    screen = await Screen.open(ws_url, w.conference, api.tokens["org"])
    await screen.recv()
    return w, realtime, screen


async def test_a_burst_of_check_ins_becomes_one_attendance_frame_with_only_the_changed_site(
        api: Any, ws_url: str) -> None:
    w, realtime, screen = await _screen_ticked_by_hand(api, ws_url)
    await check_in(api, w.conference, w.invitations["ngoc"], w.cs_qk3)
    await check_in(api, w.conference, w.invitations["ngoc"], w.cs_qk3, direction="out")
    await check_in(api, w.conference, w.invitations["ngoc"], w.cs_qk3)
    await realtime.ticker.tick()
    frames = await screen.quiet()
    [frame] = _of(frames, "attendance")
    assert [s["conference_site_id"] for s in frame["sites"]] == [w.cs_qk3]
    assert frame["sites"][0]["present"] == 1 and frame["totals"]["present"] == 1
    assert frame["seq"] > screen.frames[0]["seq"] and "at" in frame
    assert comparable(screen.state.body()) == await database_view(api, w.conference)
    await screen.close()


async def test_frames_have_increasing_seq_and_server_time(api: Any, ws_url: str) -> None:
    w = await make_world(api)
    screen = await Screen.open(ws_url, w.conference, api.tokens["org"])
    await screen.recv()
    await api.patch(f"/api/conferences/{w.conference}", {"title": "Hội nghị giao ban trực tuyến"})
    await api.post(f"/api/conferences/{w.conference}/sites", {"site_id": w.other_site, "expected_attendance": 9})
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    await screen.until(lambda f: screen.state.conference["status"] == "scheduled" and len(screen.state.sites) == 3)
    seqs = [f["seq"] for f in screen.frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(f["at"].endswith("Z") for f in screen.frames[1:])
    assert comparable(screen.state.body()) == await database_view(api, w.conference)
    await screen.close()


async def _changes_while_away(api: Any, w: Any) -> None:
    await check_in(api, w.conference, w.invitations["ngoc"], w.cs_qk3)
    await check_in(api, w.conference, w.invitations["vinh"], w.cs_hq)
    await api.patch(f"/api/conferences/{w.conference}/sites/{w.cs_qk3}", {"expected_attendance": 25})
    await api.patch(f"/api/conferences/{w.conference}", {"title": "Hội nghị (phiên chiều)"})
    await api.post(f"/api/conferences/{w.conference}/sites", {"site_id": w.other_site})
    await api.app.state.realtime.ticker.tick()


async def test_a_screen_that_reconnects_with_since_gets_what_it_missed_and_matches_the_database(
        api: Any, ws_url: str) -> None:
    w, realtime, screen = await _screen_ticked_by_hand(api, ws_url)
    await api.patch(f"/api/conferences/{w.conference}", {"title": "Hội nghị (phiên sáng)"})
    await realtime.ticker.tick()
    await screen.until(lambda f: f["type"] == "conference")
    await screen.close()

    await _changes_while_away(api, w)
    again = await Screen.open(ws_url, w.conference, api.tokens["org"], since=screen.state.seq)
    again.state = screen.state
    missed = await again.quiet()
    assert missed and all(f["type"] != "snapshot" for f in missed)
    assert missed[0]["seq"] == screen.frames[-1]["seq"] + 1
    assert comparable(again.state.body()) == await database_view(api, w.conference)
    await again.close()


async def test_a_screen_that_missed_more_than_the_history_gets_a_resync_snapshot(api: Any, ws_url: str) -> None:
    w, realtime, screen = await _screen_ticked_by_hand(api, ws_url)
    await screen.close()
    realtime.queue_limit = 2  # replaying more frames than a screen's outbox holds is a resync too
    await _changes_while_away(api, w)
    again = await Screen.open(ws_url, w.conference, api.tokens["org"], since=screen.state.seq)
    [frame] = await again.quiet()
    assert frame["type"] == "snapshot" and frame["resync"] is True
    assert comparable(again.state.body()) == await database_view(api, w.conference)
    await again.close()

    ancient = await Screen.open(ws_url, w.conference, api.tokens["org"], since=1)
    frame = await ancient.recv()
    assert frame["type"] == "snapshot" and frame["resync"] is True
    await ancient.close()


async def test_a_rolled_back_transaction_sends_nothing(api: Any, ws_url: str) -> None:
    w, realtime, screen = await _screen_ticked_by_hand(api, ws_url, live=False)
    from domain.models import Conference
    async with UnitOfWork(api.sessionmaker, realtime.publish) as uow:
        conf = await uow.session.get(Conference, w.conference)
        conf.title = "never committed"
        uow.emit(w.conference, "conference", status="draft")
        uow.emit(w.conference, "speakers", conference_id=w.conference, current=None, waiting=[])
        await uow.session.flush()
    assert await realtime.bus.drain() == {}
    await realtime.ticker.tick()
    assert await screen.quiet() == []
    refused = await api.post(f"/api/conferences/{w.conference}/start", expect=409)  # draft cannot start
    assert refused["code"] == "illegal_transition"
    await realtime.ticker.tick()
    assert await screen.quiet() == []
    await screen.close()


async def test_the_floor_and_the_speaker_order_reach_every_screen(api: Any, ws_url: str) -> None:
    w = await make_world(api)
    await start_conference(api, w.conference)
    item = await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "discussion", "title": "Tham luận"})
    screen = await Screen.open(ws_url, w.conference, api.tokens["org"])
    await screen.recv()
    await api.call("PUT", f"/api/conferences/{w.conference}/speakers/current-item", json={"agenda_item_id": item["id"]},
                   expect=200)
    await api.post(f"/api/conferences/{w.conference}/speakers/entries", {"invitation_id": w.invitations["ngoc"]},
                   expect=None)
    shown = await screen.until(lambda f: f["type"] == "speakers" and len(f["speakers"]["waiting"]) == 1)
    assert shown["speakers"]["waiting"][0]["delegate_name"] == "Nguyễn Quang Ngọc"
    await screen.settled(lambda state: state.agenda_item is not None)
    assert screen.state.agenda_item["id"] == item["id"]
    assert comparable(screen.state.body()) == await database_view(api, w.conference)
    await screen.close()
