"""Site presence: heartbeats keep a point connected, 15 s of silence make it lost (broadcast to every screen),
the next heartbeat makes it connected again, and every outage is recorded — on a clock the test controls."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.db import utcnow
from realtime.ticker import Ticker
from tests.support.factories import make_world
from tests.support.realtime import Screen, start_conference, ws_url  # noqa: F401


class Clock:
    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> Any:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def _connection_of(screen: Screen, realtime: Any, cs_id: int, wanted: str) -> dict[str, Any]:
    """Tick until the screen has seen the point's connection become `wanted`."""
    for _ in range(50):
        await realtime.ticker.tick()
        for frame in await screen.quiet(0.05):
            if frame["type"] == "site_status":
                entry = next((s for s in frame["sites"] if s["conference_site_id"] == cs_id), None)
                if entry and entry["connection"] == wanted:
                    return entry
    raise AssertionError(f"site {cs_id} never became {wanted}: {screen.state.sites.get(cs_id)}")


async def _setup(api: Any, ws_url: str) -> tuple[Any, Any, Clock, Screen, Screen]:
    w = await make_world(api)
    await start_conference(api, w.conference)
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("viewer", "viewer")
    clock = Clock()
    api.app.state.clock = clock
    realtime = api.app.state.realtime
    await realtime.pause()
    await realtime.ticker.tick()
    console = await Screen.open(ws_url, w.conference, api.tokens["op"])
    wall = await Screen.open(ws_url, w.conference, api.tokens["viewer"])
    await console.recv()
    await wall.recv()
    return w, realtime, clock, console, wall


async def test_silence_makes_a_point_lost_for_every_screen_and_a_heartbeat_brings_it_back(
        api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    t0 = clock.now
    await console.send({"type": "heartbeat"})
    await _connection_of(wall, realtime, w.cs_qk3, "connected")
    clock.advance(10)
    await console.send({"type": "heartbeat", "site": "DC-QK3"})
    await console.quiet(0.1)
    clock.advance(14)  # 14 s after the last heartbeat: still connected
    await realtime.ticker.tick()
    assert [f for f in await wall.quiet(0.1) if f["type"] == "site_status"] == []

    clock.advance(2)
    lost = await _connection_of(wall, realtime, w.cs_qk3, "lost")
    assert lost["connection_at"] is not None
    await console.until(lambda f: f["type"] == "site_status")
    assert console.state.sites[w.cs_qk3]["connection"] == "lost"
    outages = (await api.get(f"/api/conferences/{w.conference}/outages"))["items"]
    assert len(outages) == 1 and outages[0]["ended_at"] is None and outages[0]["duration_seconds"] is None
    assert outages[0]["conference_site_id"] == w.cs_qk3

    clock.advance(40)
    await console.send({"type": "heartbeat"})
    await _connection_of(wall, realtime, w.cs_qk3, "connected")
    [outage] = (await api.get(f"/api/conferences/{w.conference}/outages",
                              params={"conference_site_id": w.cs_qk3}))["items"]
    last_seen, lost_at = t0 + timedelta(seconds=10), t0 + timedelta(seconds=25)
    assert outage["last_seen_at"].startswith(last_seen.astimezone(_zone()).isoformat()[:19])
    assert outage["started_at"].startswith(lost_at.astimezone(_zone()).isoformat()[:19])
    assert outage["duration_seconds"] == 41.0  # lost at +25 s, back at +66 s
    await console.close()
    await wall.close()


def _zone() -> Any:
    from zoneinfo import ZoneInfo
    return ZoneInfo("Asia/Ho_Chi_Minh")


async def test_a_point_never_heard_from_is_not_an_outage(api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    clock.advance(60)
    await realtime.ticker.tick()
    assert wall.state.sites[w.cs_qk3]["connection"] == "unknown"
    assert (await api.get(f"/api/conferences/{w.conference}/outages"))["total"] == 0
    await console.close()
    await wall.close()


async def test_heartbeats_are_only_for_the_callers_own_point(api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    await console.send({"type": "heartbeat", "site": "HQ"})
    refused = await console.until(lambda f: f["type"] == "error")
    assert refused["code"] == "not_your_site"
    await wall.send({"type": "heartbeat", "site": "DC-QK3"})
    assert (await wall.until(lambda f: f["type"] == "error"))["code"] == "not_your_site"
    organizer = await Screen.open(ws_url, w.conference, api.tokens["org"])
    await organizer.recv()
    await organizer.send({"type": "heartbeat", "site": "HQ"})  # the host hall's console
    await _connection_of(wall, realtime, w.cs_hq, "connected")
    assert wall.state.sites[w.cs_qk3]["connection"] == "unknown"
    for screen in (console, wall, organizer):
        await screen.close()


async def test_a_restarted_worker_still_notices_a_point_that_went_silent(api: Any, ws_url: str) -> None:
    w, realtime, clock, console, wall = await _setup(api, ws_url)
    await console.send({"type": "heartbeat"})
    await _connection_of(wall, realtime, w.cs_qk3, "connected")
    await console.close()
    await realtime.bus.forget((w.conference, w.cs_qk3))  # what a fresh process knows: nothing
    realtime.ticker = Ticker(realtime.bus, realtime.sessionmaker, realtime.reader, realtime.publish, clock)
    await realtime.ticker.tick()
    clock.advance(16)
    await _connection_of(wall, realtime, w.cs_qk3, "lost")
    await wall.close()
