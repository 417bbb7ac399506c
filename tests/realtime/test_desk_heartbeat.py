"""The desk page keeps its point's presence over the live-view socket: `{"type": "heartbeat",
"conference_site_id": N}`, accepted from an operator of that point or an organizer, refused (an error frame, the
socket stays open) for anyone else; and an absence reaches every screen as an `attendance` frame."""
from __future__ import annotations

from typing import Any

from tests.realtime.test_presence import _connection_of, _setup
from tests.support.realtime import Screen, ws_url  # noqa: F401


async def test_a_desk_heartbeat_names_its_point_by_conference_site_id(api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    await console.send({"type": "heartbeat", "conference_site_id": w.cs_qk3})
    entry = await _connection_of(wall, realtime, w.cs_qk3, "connected")
    assert entry["conference_site_id"] == w.cs_qk3
    clock.advance(16)  # silence: lost, like a site agent's point
    await _connection_of(wall, realtime, w.cs_qk3, "lost")
    await console.send({"type": "heartbeat", "conference_site_id": w.cs_qk3})
    await _connection_of(wall, realtime, w.cs_qk3, "connected")
    for screen in (console, wall):
        await screen.close()


async def test_a_desk_heartbeat_for_a_point_the_caller_does_not_run_is_refused(api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    for message in ({"type": "heartbeat", "conference_site_id": w.cs_hq},  # another point of this conference
                    {"type": "heartbeat", "conference_site_id": 999999}):  # no point of this conference
        await console.send(message)
        assert (await console.until(lambda f: f["type"] == "error"))["code"] == "not_your_site"
    await wall.send({"type": "heartbeat", "conference_site_id": w.cs_qk3})  # a wall board runs no point
    assert (await wall.until(lambda f: f["type"] == "error"))["code"] == "not_your_site"
    await console.send({"type": "heartbeat", "conference_site_id": "x"})  # not a number: not a frame we know
    assert (await console.until(lambda f: f["type"] == "error"))["code"] == "malformed"
    await console.send({"type": "heartbeat", "conference_site_id": w.cs_qk3})  # the socket is still open
    await _connection_of(wall, realtime, w.cs_qk3, "connected")
    organizer = await Screen.open(ws_url, w.conference, api.tokens["org"])
    await organizer.recv()
    await organizer.send({"type": "heartbeat", "conference_site_id": w.cs_hq})  # organizers: any point
    await _connection_of(wall, realtime, w.cs_hq, "connected")
    for screen in (console, wall, organizer):
        await screen.close()


async def test_an_absence_reaches_every_screen_as_counts(api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    start = wall.state.sites[w.cs_qk3]
    assert (start["absent"], start["missing"]) == (0, start["expected"])
    await api.call("PUT", f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/absence",
                   who="op", json={"reason": "illness"}, expect=200)
    for _ in range(50):
        await realtime.ticker.tick()
        await wall.quiet(0.05)
        if wall.state.sites[w.cs_qk3]["absent"] == 1:
            break
    site = wall.state.sites[w.cs_qk3]
    assert (site["absent"], site["missing"]) == (1, site["expected"] - site["present"] - 1)
    assert wall.state.totals["absent"] == 1
    for screen in (console, wall):
        await screen.close()
