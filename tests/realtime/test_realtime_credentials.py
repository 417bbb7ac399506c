"""A live-view socket lives only as long as its credentials: logging out, an expired token, a deactivated user or
a replaced personal link closes it (4401) at the next check; changed rights make it reconnect (1012)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from websockets.exceptions import ConnectionClosed

from domain.db import utcnow
from domain.models import ApiToken
from domain.users.service import token_digest
from realtime.protocol import CLOSE_SERVICE_RESTART, CLOSE_UNAUTHENTICATED
from tests.support.realtime import Screen, ws_url  # noqa: F401
from tests.platform.test_role_matrix import _world_for_matrix


async def _closed_with(screen: Screen) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await screen.recv(timeout=10)
    return screen.ws.close_code


async def _personal_link_token(api: Any, conference: int, invitation: int) -> str:
    page = await api.get(f"/api/conferences/{conference}/invitations/{invitation}/pass")
    return str(page["personal_link"].rsplit("/", 1)[1])


async def test_screens_close_when_their_token_stops_letting_them_in_and_only_those(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    realtime = api.app.state.realtime
    await realtime.pause()  # checks run by hand below
    await api.user("wall", "viewer")
    await api.user("gone", "viewer")
    delegate = await _personal_link_token(api, w.conference, w.invitations["ngoc"])
    screens = {who: await Screen.open(ws_url, w.conference, api.tokens[who])
               for who in ("org", "op", "viewer", "chair", "wall", "gone")}
    screens["delegate"] = await Screen.open(ws_url, w.conference, delegate)
    for screen in screens.values():
        assert (await screen.recv())["type"] == "snapshot"
    assert await realtime.recheck_credentials() == 0  # nothing changed: nobody is closed

    await api.post("/api/auth/logout", who="viewer", expect=204)
    async with api.sessionmaker() as s:  # the chair's token ran out while the screen was open
        await s.execute(update(ApiToken).where(ApiToken.token_hash == token_digest(api.tokens["chair"]))
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
        await s.commit()
    await api.patch(f"/api/users/{await api.user_id('gone')}", {"active": False}, who="admin")
    await api.patch(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}", {"status": "cancelled"})
    assert await realtime.recheck_credentials() == 4

    for who in ("viewer", "chair", "gone", "delegate"):
        assert await _closed_with(screens[who]) == CLOSE_UNAUTHENTICATED, who
    await api.patch(f"/api/conferences/{w.conference}", {"title": "Hội nghị tổng kết (đã cập nhật)"})
    await realtime.ticker.tick()
    for who in ("org", "op", "wall"):  # the others keep their live view
        frame = await screens[who].until(lambda f: f["type"] == "conference")
        assert frame["conference"]["title"] == "Hội nghị tổng kết (đã cập nhật)"
    room = realtime.hub.rooms[w.conference]
    assert {sub.token for sub in room.subscribers} == {api.tokens[who] for who in ("org", "op", "wall")}
    for who in ("org", "op", "wall"):
        await screens[who].close()


async def test_a_screen_whose_rights_changed_is_asked_to_reconnect_and_gets_its_new_view(
        api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    realtime = api.app.state.realtime
    await realtime.pause()
    console = await Screen.open(ws_url, w.conference, api.tokens["op"])
    await console.recv()
    await api.patch(f"/api/users/{await api.user_id('op')}", {"site_ids": [w.qk3, w.other_site]}, who="admin")
    assert await realtime.recheck_credentials() == 1
    assert await _closed_with(console) == CLOSE_SERVICE_RESTART
    again = await Screen.open(ws_url, w.conference, api.tokens["op"])
    assert (await again.recv())["type"] == "snapshot"  # the same token opens it again, under the new rights
    assert await realtime.recheck_credentials() == 0
    await again.close()


async def test_the_check_runs_by_itself(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    realtime = api.app.state.realtime
    await realtime.pause()
    realtime.recheck_seconds = 0.05
    realtime.start()
    screen = await Screen.open(ws_url, w.conference, api.tokens["viewer"])
    await screen.recv()
    await api.post("/api/auth/logout", who="viewer", expect=204)
    assert await _closed_with(screen) == CLOSE_UNAUTHENTICATED
