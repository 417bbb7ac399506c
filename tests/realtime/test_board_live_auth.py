"""The live view's socket for browser pages and wall boards: the session cookie from a page of this site (Origin
checked: another site's page is refused with 4403), display links through `?token=`, and both rechecked like
tokens (signing out, revoking a display link closes the socket with 4401)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from realtime.protocol import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from tests.platform.test_role_matrix import _world_for_matrix
from tests.support.pages import sign_in
from tests.support.realtime import ws_url  # noqa: F401

CLOSE_FORBIDDEN = 4403


async def _first(ws: Any) -> dict[str, Any]:
    return json.loads(await ws.recv())


async def _close_code(ws: Any) -> int | None:
    with pytest.raises(ConnectionClosed):
        while True:
            await ws.recv()
    return ws.close_code


def _http(ws_base: str) -> str:
    return "http" + ws_base[2:]


async def test_a_page_of_this_site_opens_the_live_view_with_its_session_cookie(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    realtime = api.app.state.realtime
    await realtime.pause()
    browser = await sign_in(api, "viewer")
    cookie = {"Cookie": f"bp_session={browser.client.cookies['bp_session']}"}
    url = f"{ws_url}/ws/conferences/{w.conference}"

    async with connect(url, origin=_http(ws_url), additional_headers=cookie) as ws:  # type: ignore[arg-type]
        snapshot = await _first(ws)
        assert snapshot["type"] == "snapshot" and snapshot["conference"]["id"] == w.conference
        assert await realtime.recheck_credentials() == 0  # a live session stays
        await browser.post("/logout")
        assert await realtime.recheck_credentials() == 1
        assert await _close_code(ws) == CLOSE_UNAUTHENTICATED
    async with connect(url, origin=_http(ws_url), additional_headers=cookie) as ws:  # type: ignore[arg-type]
        assert await _close_code(ws) == CLOSE_UNAUTHENTICATED  # signed out: the cookie opens nothing
    await browser.aclose()


async def test_another_sites_page_cannot_use_the_cookie(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    browser = await sign_in(api, "org")
    cookie = {"Cookie": f"bp_session={browser.client.cookies['bp_session']}"}
    url = f"{ws_url}/ws/conferences/{w.conference}"
    for origin in ("https://evil.example", "http://127.0.0.1", "null"):
        async with connect(url, origin=origin, additional_headers=cookie) as ws:  # type: ignore[arg-type]
            assert await _close_code(ws) == CLOSE_FORBIDDEN, origin
            assert "another site" in (ws.close_reason or "")
    async with connect(url, additional_headers=cookie) as ws:  # no Origin at all: not a page of ours
        assert await _close_code(ws) == CLOSE_FORBIDDEN
    async with connect(url, origin=_http(ws_url)) as ws:  # type: ignore[arg-type]  # neither cookie nor token
        assert await _close_code(ws) == CLOSE_UNAUTHENTICATED
    # A token still works from anywhere (it is not sent by a browser on its own)
    async with connect(f"{url}?token={api.tokens['org']}", origin="https://evil.example") as ws:  # type: ignore[arg-type]
        assert (await _first(ws))["type"] == "snapshot"
    async with connect(url, additional_headers={"Authorization": f"Bearer {api.tokens['org']}"}) as ws:
        assert (await _first(ws))["type"] == "snapshot"
    await browser.aclose()


async def test_a_display_link_sees_its_conference_until_revoked(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    await api.app.state.realtime.pause()
    link = await api.post(f"/api/conferences/{w.conference}/display-links", {"label": "Màn hình hội trường"})
    other = await api.post("/api/conferences", {"title": "Hội nghị khác", "starts_at": "2027-03-01T08:00:00+07:00",
                                                "ends_at": "2027-03-01T11:00:00+07:00"})
    token = link["token"]
    assert link["url"].endswith(f"/display/{token}")
    async with connect(f"{ws_url}/ws/conferences/{other['id']}?token={token}") as ws:
        assert await _close_code(ws) == CLOSE_NOT_FOUND  # one conference only
    async with connect(f"{ws_url}/ws/conferences/{w.conference}?token={token}") as ws:
        assert (await _first(ws))["type"] == "snapshot"
        # counts, never delegates: the link reads the board's routes and nothing of the roster
        board = await api.client.get(f"/api/conferences/{w.conference}/board",
                                     headers={"Authorization": f"Bearer {token}"})
        assert board.status_code == 200
        roster = await api.client.get(f"/api/conferences/{w.conference}/invitations",
                                      headers={"Authorization": f"Bearer {token}"})
        assert roster.status_code in (403, 404)
        await api.post(f"/api/conferences/{w.conference}/display-links/{link['id']}/revoke", expect=200)
        assert await _close_code(ws) == CLOSE_UNAUTHENTICATED  # at once, without waiting for the periodic check
    async with connect(f"{ws_url}/ws/conferences/{w.conference}?token={token}") as ws:
        assert await _close_code(ws) == CLOSE_UNAUTHENTICATED
