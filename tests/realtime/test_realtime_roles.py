"""Who may open the live view and read the outages: the same need-to-know as the REST API."""
from __future__ import annotations

from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from realtime.protocol import CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from tests.support.factories import make_world
from tests.support.realtime import Screen, close_code, ws_url  # noqa: F401
from tests.platform.test_role_matrix import ROLES, _world_for_matrix

SEES = None  # the first frame arrived: a snapshot
LIVE_VIEW = {"anon": CLOSE_UNAUTHENTICATED, "op_out": CLOSE_NOT_FOUND} | {
    r: SEES for r in ("admin", "org", "chair", "op", "viewer")}
OUTAGES = {"anon": 401, "op_out": 404} | {r: 200 for r in ("admin", "org", "chair", "op", "viewer")}


async def test_live_view_and_outages_for_every_role(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    failures = []
    for role in ROLES:
        token = None if role == "anon" else api.tokens[role]
        code = await close_code(ws_url, w.conference, token)
        if code != LIVE_VIEW[role]:
            failures.append(f"live view as {role}: {code} != {LIVE_VIEW[role]}")
        r = await api.call("GET", f"/api/conferences/{w.conference}/outages", None if role == "anon" else role)
        if r.status_code != OUTAGES[role]:
            failures.append(f"outages as {role}: {r.status_code} != {OUTAGES[role]}")
        elif r.status_code >= 400:
            assert r.json()["code"]
    assert not failures, "\n".join(failures)


async def test_a_delegate_opens_the_live_view_with_the_personal_link(api: Any, ws_url: str) -> None:
    w = await make_world(api)
    link = (await api.get(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/pass"))
    token = link["personal_link"].rsplit("/", 1)[1]
    assert await close_code(ws_url, w.conference, token) is SEES
    other = await api.post("/api/conferences", {"title": "Hội nghị khác", "starts_at": "2027-01-05T01:00:00Z",
                                                "ends_at": "2027-01-05T03:00:00Z"})
    assert await close_code(ws_url, other["id"], token) == CLOSE_NOT_FOUND


async def test_bad_tokens_unknown_conferences_and_bad_since_are_refused_with_their_close_codes(
        api: Any, ws_url: str) -> None:
    w = await make_world(api)
    assert await close_code(ws_url, w.conference, "not-a-token") == CLOSE_UNAUTHENTICATED
    assert await close_code(ws_url, 999_999, api.tokens["org"]) == CLOSE_NOT_FOUND
    assert await close_code(ws_url, w.conference, api.tokens["org"], since="yesterday") == CLOSE_BAD_REQUEST
    bearer = await Screen.open(ws_url, w.conference, "", additional_headers=api.as_("org"))
    assert (await bearer.recv())["type"] == "snapshot"
    await bearer.close()


async def test_a_screen_is_closed_when_its_caller_may_no_longer_see_the_conference(api: Any, ws_url: str) -> None:
    w = await _world_for_matrix(api)
    wall = await Screen.open(ws_url, w.conference, api.tokens["viewer"])
    await wall.recv()
    await api.patch(f"/api/conferences/{w.conference}", {"visibility": "restricted"})
    with pytest.raises(ConnectionClosed):
        while True:
            await wall.recv()
    assert wall.ws.close_code == CLOSE_NOT_FOUND
