"""The wall board's pages and JSON routes: every route × every role (and a display link), the board page drawn for
the conference with its strings in both languages, the layout by unit, check-ins per minute, and display links
created (bad input: an error at the field, nothing saved), listed and revoked."""
from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import func, select

from api.controllers import board as board_api
from api.pages import board as board_pages
from domain.displays.models import DisplayLink
from tests.conftest import Api
from tests.platform.test_role_matrix import _world_for_matrix
from tests.support.checkin import desks, nonce, pass_of
from tests.support.factories import World
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer", "display"]
STAFF = {"admin", "org"}
_n = itertools.count(1)


async def _link(api: Api, w: World, label: str | None = None) -> dict[str, Any]:
    return await api.post(f"/api/conferences/{w.conference}/display-links", {"label": label or f"Màn hình {next(_n)}"})


async def _count_links(api: Api) -> int:
    async with api.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(DisplayLink)))


async def test_every_board_route_for_every_role(api: Api) -> None:
    w = await _world_for_matrix(api)
    display = await _link(api, w)
    clients: dict[str, PageClient] = {"anon": browser(api, "en"), "display": browser(api, "en")}
    for role in ("admin", "org", "chair", "op", "op_out", "viewer"):
        clients[role] = await sign_in(api, role, "en")
    c = f"/conferences/{w.conference}"
    seen = {r: 200 for r in ROLES} | {"anon": 303, "op_out": 404, "display": 303}
    staff = {r: 403 for r in ROLES} | {"anon": 303, "display": 303, "admin": 200, "org": 200}
    staff_post = {r: 403 for r in ROLES} | {"anon": 303, "display": 303, "admin": 303, "org": 303}
    public = {r: 200 for r in ROLES}

    async def fresh_revoke(role: str) -> str:
        link = await _link(api, w) if role in STAFF else display
        return f"{c}/displays/{link['id']}/revoke"

    pages: list[tuple[str, str, Any, dict[str, int]]] = [
        ("GET", "board", c + "/board", seen),
        ("GET", "display", f"/display/{display['token']}", public),
        ("GET", "display links", c + "/displays", staff),
        ("POST", "new display link", c + "/displays", staff_post),
        ("POST", "revoke display link", fresh_revoke, staff_post),
    ]
    walk = Walk(routes_of(api.app, modules_of(board_pages.ROUTES)), html_errors=True)
    for method, name, path, expected in pages:
        for role in ROLES:
            url = await path(role) if callable(path) else path
            client = clients[role]
            if method == "GET":
                r = await client.get(url, expect=None)
            else:
                r = await client.post(url, {"label": "Máy chiếu"}, expect=None, csrf=role not in ("anon", "display"))
            if r.status_code == 303 and expected[role] == 303 and role in ("anon", "display"):
                assert r.headers["location"].startswith("/login"), (name, role)
            walk.check(method, name, url, role, r, expected[role])
    walk.assert_complete("wall board pages")

    # JSON: a display link reads its conference's board like a viewer and nothing else
    json_walk = Walk(routes_of(api.app, modules_of(board_api.ROUTES)))
    read = {r: 200 for r in ROLES} | {"anon": 401, "op_out": 404}
    manage = {r: 403 for r in ROLES} | {"anon": 401, "admin": 200, "org": 200}
    create = manage | {"admin": 201, "org": 201}
    cases: list[tuple[str, str, Any, Any, dict[str, int]]] = [
        ("GET", "layout", "/api" + c + "/board", None, read),
        ("GET", "series", "/api" + c + "/attendance/series", None, read),
        ("GET", "links", "/api" + c + "/display-links", None, manage),
        ("POST", "new link", "/api" + c + "/display-links", {"label": "Màn hình"}, create),
        ("POST", "revoke link", lambda role: f"/api{c}/display-links/{display['id']}/revoke", None, manage),
    ]
    other_display = await _link(api, w)
    for method, name, path, body, expected in cases:
        for role in ROLES:
            url = path(role) if callable(path) else path
            if name == "revoke link" and role in STAFF:
                url = f"/api{c}/display-links/{(await _link(api, w))['id']}/revoke"
            headers = {"Authorization": f"Bearer {other_display['token']}"} if role == "display" else \
                ({} if role == "anon" else api.as_(role))
            r = await api.client.request(method, url, json=body, headers=headers)
            json_walk.check(method, name, url, role, r, expected[role])
    json_walk.assert_complete("wall board API")
    # the display link may not read rosters nor other conferences
    headers = {"Authorization": f"Bearer {other_display['token']}"}
    assert (await api.client.get(f"/api{c}/invitations", headers=headers)).status_code in (403, 404)
    assert (await api.client.get("/api/conferences/999999/board", headers=headers)).status_code == 404
    for b in clients.values():
        await b.aclose()


async def test_the_board_page_carries_the_conference_and_its_strings_in_both_languages(api: Api) -> None:
    w = await _world_for_matrix(api)
    for locale, words in (("en", ["Wall board", "Not checked in yet", "Check-ins over time"]),
                          ("vi", ["Màn hình theo dõi", "Chưa báo danh", "Lượt điểm danh theo thời gian"])):
        b = await sign_in(api, "viewer", locale)
        page = (await b.get(f"/conferences/{w.conference}/board")).text
        assert f'data-conference-id="{w.conference}"' in page and 'data-token=""' in page
        assert "/static/js/board.js" in page and "<script>" not in page and 'style="' not in page
        for word in words:
            assert word in page, (locale, word)
        assert "/displays" not in page  # viewers do not manage display links
        await b.aclose()
    org = await sign_in(api, "org", "en")
    assert f"/conferences/{w.conference}/displays" in (await org.get(f"/conferences/{w.conference}/board")).text
    await org.aclose()


async def test_display_links_are_created_listed_and_revoked_through_the_page(api: Api) -> None:
    w = await _world_for_matrix(api)
    org = await sign_in(api, "org", "en")
    c = f"/conferences/{w.conference}"
    # bad input: the error at the field, the typed text kept, nothing saved
    for label, message in (("   ", "must not be blank"), ("x" * 200, "too long")):
        r = await org.post(c + "/displays", {"label": label}, expect=422)
        assert 'aria-invalid="true"' in r.text and 'id="e-label"' in r.text
        assert message in r.text.lower() or "blank" in r.text.lower()
    assert await _count_links(api) == 0
    r = await org.post(c + "/displays", {"label": "Máy chiếu hội trường A"})
    listing = (await org.get(c + "/displays")).text
    assert "Máy chiếu hội trường A" in listing and "/display/" in listing
    link = (await api.get(f"/api{c}/display-links"))["items"][0]
    assert link["label"] == "Máy chiếu hội trường A" and link["url"].endswith(link["token"])
    anon = browser(api, "vi")
    screen = await anon.get(f"/display/{link['token']}")
    assert f'data-token="{link["token"]}"' in screen.text and "Hội nghị" in screen.text
    assert screen.headers["referrer-policy"] == "no-referrer"
    await org.post(f"{c}/displays/{link['id']}/revoke", {})
    listing = (await org.get(c + "/displays")).text
    assert f"/display/{link['token']}" not in listing and "Revoked" in listing
    r = await anon.get(f"/display/{link['token']}", expect=404)
    assert r.headers["X-Error-Code"] == "display_link_revoked" and "bị thu hồi" in r.text
    await org.post(f"{c}/displays/{link['id']}/revoke", {}, expect=409)  # revoked already
    assert (await anon.get("/display/not-a-token", expect=404)).headers["X-Error-Code"] == "display_link_revoked"
    # JSON bad input
    r = await api.call("POST", f"/api{c}/display-links", "org", 422, json={"label": ""})
    assert r.json()["code"] == "blank" and r.json()["field"] == "label"
    await anon.aclose()
    await org.aclose()


async def test_layout_groups_the_points_by_unit_and_the_series_counts_check_ins(api: Api) -> None:
    d = await desks(api, status="scheduled")
    w = d.w
    layout = await api.get(f"{d.c}/board")
    assert layout["points"] == 2
    groups = {g["name"]: g["sites"] for g in layout["groups"]}
    # one ministry over everything is no grouping: the level below it splits HQ (the ministry) and QK3
    assert groups == {"Bộ Quốc phòng": [w.cs_hq], "Quân khu 3": [w.cs_qk3]}
    assert (await api.get(f"{d.c}/attendance/series"))["times"] == []
    for key, site, who in (("ngoc", w.cs_qk3, "op"), ("vinh", w.cs_hq, "op_hq")):
        r = await api.call("POST", f"{d.c}/checkin/scan", who, 200,
                           json={"text": await pass_of(api, d, key), "conference_site_id": site, "nonce": nonce()})
        assert r.json()["result"] == "ok", r.text
    series = await api.get(f"{d.c}/attendance/series")
    assert series["bucket_seconds"] == 60 and sum(series["total"]) == 2
    key_qk3 = next(g["key"] for g in layout["groups"] if g["name"] == "Quân khu 3")
    assert sum(series["groups"][key_qk3]) == 1
    assert series["times"][0] == int(d.clock.now.timestamp()) // 60 * 60
