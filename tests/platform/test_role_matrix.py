"""Every endpoint × every role: need-to-know (404), not-allowed (403), no credentials (401)."""
from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from tests.support.factories import T0, World, iso, make_world
from tests.support.matrix import Walk, modules_of, routes_of

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]
STAFF = {"admin", "org"}
_n = itertools.count(1)

Prep = Callable[[Any, World, str], Awaitable[tuple[str, Any]]]


def fixed(path: str, body: Any = None) -> Prep:
    async def prep(api: Any, w: World, role: str) -> tuple[str, Any]:
        return path.format(w=w), body
    return prep


async def fresh_conference(api: Any, with_site: bool = True) -> int:
    n = next(_n)
    start = T0 + timedelta(days=10 * n)
    body: dict[str, Any] = {"title": f"Hội nghị {n}", "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=2))}
    if with_site:
        site = await api.post("/api/sites", {"code": f"S{n}", "name": f"Điểm cầu {n}"})
        body["host_site_id"] = site["id"]
    return (await api.post("/api/conferences", body))["id"]


async def fresh_delegate(api: Any) -> int:
    return (await api.post("/api/delegates", {"full_name": f"Đại biểu {next(_n)}"}))["id"]


def each_time(path: str, body: Callable[[], Any]) -> Prep:
    """A new body for every call, so repeated creates do not collide."""
    async def prep(api: Any, w: World, role: str) -> tuple[str, Any]:
        return path, body()
    return prep


def staff_fresh(make: Callable[[Any, World], Awaitable[tuple[str, Any]]], fallback: Prep) -> Prep:
    """Staff act on a fresh object (the call succeeds and changes state); others try the shared one."""
    async def prep(api: Any, w: World, role: str) -> tuple[str, Any]:
        return await make(api, w) if role in STAFF else await fallback(api, w, role)
    return prep


async def _fresh_conf_action(api: Any, w: World, action: str) -> tuple[str, Any]:
    cid = await fresh_conference(api)
    steps = {"schedule": [], "start": ["schedule"], "end": ["schedule", "start"], "cancel": []}[action]
    for s in steps:
        await api.post(f"/api/conferences/{cid}/{s}", expect=200)
    return f"/api/conferences/{cid}/{action}", None


def conf_action(action: str) -> Prep:
    async def make(api: Any, w: World) -> tuple[str, Any]:
        return await _fresh_conf_action(api, w, action)
    return staff_fresh(make, fixed(f"/api/conferences/{{w.conference}}/{action}"))


async def _new_cs(api: Any, w: World) -> tuple[str, Any]:
    site = await api.post("/api/sites", {"code": f"X{next(_n)}", "name": "Điểm cầu mới"})
    return f"/api/conferences/{w.conference}/sites", {"site_id": site["id"]}


async def _del_cs(api: Any, w: World) -> tuple[str, Any]:
    path, body = await _new_cs(api, w)
    cs = await api.post(path, body)
    return f"{path}/{cs['id']}", None


async def _new_inv(api: Any, w: World) -> tuple[str, Any]:
    return f"/api/conferences/{w.conference}/invitations", {"delegate_id": await fresh_delegate(api),
                                                            "conference_site_id": w.cs_qk3}


async def _substitute(api: Any, w: World) -> tuple[str, Any]:
    path, body = await _new_inv(api, w)
    inv = await api.post(path, body)
    return f"{path}/{inv['id']}/substitute", {"delegate_id": await fresh_delegate(api)}


async def _del_agenda(api: Any, w: World) -> tuple[str, Any]:
    item = await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "break", "title": "Giải lao"})
    return f"/api/conferences/{w.conference}/agenda/{item['id']}", None


async def _reorder(api: Any, w: World, role: str) -> tuple[str, Any]:
    items = (await api.get(f"/api/conferences/{w.conference}/agenda"))["items"]
    return f"/api/conferences/{w.conference}/agenda/reorder", {"item_ids": [i["id"] for i in reversed(items)]}


async def _del_unit(api: Any, w: World) -> tuple[str, Any]:
    return f"/api/units/{(await api.post('/api/units', {'code': f'U{next(_n)}', 'name': 'Đơn vị'}))['id']}", None


async def _del_site(api: Any, w: World) -> tuple[str, Any]:
    return f"/api/sites/{(await api.post('/api/sites', {'code': f'D{next(_n)}', 'name': 'Điểm'}))['id']}", None


async def _del_conf(api: Any, w: World) -> tuple[str, Any]:
    return f"/api/conferences/{await fresh_conference(api, with_site=False)}", None


async def _del_delegate(api: Any, w: World) -> tuple[str, Any]:
    return f"/api/delegates/{await fresh_delegate(api)}", None


async def _new_user(api: Any, w: World, role: str) -> tuple[str, Any]:
    return "/api/users", {"username": f"u{next(_n)}", "password": "long-enough-1", "role": "viewer"}


def expect(ok: int, **others: int) -> dict[str, int]:
    """`ok` for staff; others default to 403; anon 401."""
    out = {r: 403 for r in ROLES}
    out.update(anon=401, admin=ok, org=ok)
    out.update(others)
    return out


ALL = {r: 200 for r in ROLES} | {"anon": 401}
CONF_READ = ALL | {"op_out": 404}
CONF_WRITE = {"op_out": 404}
ROSTER_READ = ALL | {"op_out": 404, "viewer": 403}
C = "/api/conferences/{w.conference}"
INV = C + "/invitations/{w.invitations[ngoc]}"

MATRIX: list[tuple[str, str, Prep, dict[str, int]]] = [
    ("GET", "health", fixed("/health"), {r: 200 for r in ROLES}),
    ("GET", "me", fixed("/api/auth/me"), ALL),
    ("GET", "units", fixed("/api/units"), ALL),
    ("POST", "units", each_time("/api/units", lambda: {"code": f"NEW{next(_n)}", "name": "Mới"}), expect(201)),
    ("GET", "unit", fixed("/api/units/{w.unit}"), ALL),
    ("PATCH", "unit", fixed("/api/units/{w.unit}", {"name": "Bộ Quốc phòng"}), expect(200)),
    ("DELETE", "unit", staff_fresh(_del_unit, fixed("/api/units/{w.unit}")), expect(204)),
    ("GET", "sites", fixed("/api/sites"), ALL),
    ("POST", "sites", each_time("/api/sites", lambda: {"code": f"N{next(_n)}", "name": "Điểm cầu"}), expect(201)),
    ("GET", "site", fixed("/api/sites/{w.qk3}"), ALL),
    ("PATCH", "site", fixed("/api/sites/{w.qk3}", {"capacity": 61}), expect(200)),
    ("DELETE", "site", staff_fresh(_del_site, fixed("/api/sites/{w.qk3}")), expect(200)),
    ("GET", "conferences", fixed("/api/conferences"), ALL),
    ("POST", "conferences", each_time("/api/conferences", lambda: {
        "title": "Giao ban", "starts_at": iso(T0), "ends_at": iso(T0 + timedelta(hours=1))}), expect(201)),
    ("GET", "conference", fixed(C), CONF_READ),
    ("PATCH", "conference", fixed(C, {"description": "Trực tuyến"}), expect(200, **CONF_WRITE)),
    ("DELETE", "conference", staff_fresh(_del_conf, fixed(C)), expect(204, **CONF_WRITE)),
    ("POST", "schedule", conf_action("schedule"), expect(200, **CONF_WRITE)),
    ("POST", "start", conf_action("start"), expect(200, **CONF_WRITE)),
    ("POST", "end", conf_action("end"), expect(200, **CONF_WRITE)),
    ("POST", "cancel", conf_action("cancel"), expect(200, **CONF_WRITE)),
    ("GET", "conference sites", fixed(C + "/sites"), CONF_READ),
    ("POST", "conference sites", staff_fresh(_new_cs, fixed(C + "/sites", {"site_id": 1})), expect(201, **CONF_WRITE)),
    ("GET", "conference site", fixed(C + "/sites/{w.cs_qk3}"), CONF_READ),
    ("PATCH", "conference site", fixed(C + "/sites/{w.cs_qk3}", {"expected_attendance": 21}),
     expect(200, **CONF_WRITE)),
    ("DELETE", "conference site", staff_fresh(_del_cs, fixed(C + "/sites/{w.cs_qk3}")), expect(204, **CONF_WRITE)),
    ("GET", "delegates", fixed("/api/delegates"), ALL | {"viewer": 403}),
    ("POST", "delegates", fixed("/api/delegates", {"full_name": "Phùng Sĩ Tấn", "confirm_duplicate": True}),
     expect(201)),
    ("GET", "delegate", fixed("/api/delegates/{w.delegates[ngoc]}"), ALL | {"op_out": 404, "viewer": 404}),
    ("GET", "delegate at another site", fixed("/api/delegates/{w.delegates[vinh]}"),
     ALL | {"op": 404, "op_out": 404, "viewer": 404}),
    ("PATCH", "delegate", fixed("/api/delegates/{w.delegates[ngoc]}", {"rank": "Trung tướng"}),
     expect(200, op_out=404, viewer=404)),
    ("DELETE", "delegate", staff_fresh(_del_delegate, fixed("/api/delegates/{w.delegates[ngoc]}")),
     expect(204, op_out=404, viewer=404)),
    ("GET", "invitations", fixed(C + "/invitations"), ROSTER_READ),
    ("POST", "invitations", staff_fresh(_new_inv, fixed(C + "/invitations", {"delegate_id": 1, "conference_site_id": 1})),
     expect(201, **CONF_WRITE)),
    ("GET", "invitation", fixed(INV), ROSTER_READ),
    ("GET", "invitation at another site", fixed(C + "/invitations/{w.invitations[vinh]}"),
     ROSTER_READ | {"op": 404}),
    ("PATCH", "invitation", fixed(INV, {"status": "confirmed"}), expect(200, **CONF_WRITE)),
    ("POST", "substitute", staff_fresh(_substitute, fixed(INV + "/substitute", {"delegate_id": 1})),
     expect(201, **CONF_WRITE)),
    ("GET", "invitation history", fixed(INV + "/history"), ROSTER_READ),
    ("GET", "agenda", fixed(C + "/agenda"), CONF_READ),
    ("POST", "agenda", fixed(C + "/agenda", {"kind": "opening", "title": "Khai mạc"}), expect(201, **CONF_WRITE)),
    ("POST", "agenda reorder", _reorder, expect(200, **CONF_WRITE)),
    ("GET", "agenda item", fixed(C + "/agenda/{w.agenda}"), CONF_READ),
    ("PATCH", "agenda item", fixed(C + "/agenda/{w.agenda}", {"duration_minutes": 15}), expect(200, **CONF_WRITE)),
    ("DELETE", "agenda item", staff_fresh(_del_agenda, fixed(C + "/agenda/{w.agenda}")), expect(204, **CONF_WRITE)),
    ("GET", "users", fixed("/api/users"), expect(200, org=403)),
    ("GET", "user picker", fixed("/api/users/picker?role=operator&q=op"), expect(200)),
    ("POST", "users", _new_user, expect(201, org=403)),
    ("GET", "user", fixed("/api/users/1"), expect(200, org=403)),
    ("PATCH", "user", fixed("/api/users/1", {"display_name": "Văn phòng"}), expect(200, org=403)),
    ("GET", "audit", fixed("/api/audit"), expect(200)),
    ("POST", "logout", fixed("/api/auth/logout"), ALL | {r: 204 for r in ROLES if r != "anon"}),
]


async def _world_for_matrix(api: Any) -> World:
    w = await make_world(api)
    w.agenda = (await api.post(f"/api/conferences/{w.conference}/agenda",  # type: ignore[attr-defined]
                               {"kind": "opening", "title": "Khai mạc"}))["id"]
    await api.user("admin", "admin")
    await api.user("chair", "chair")
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("op_out", "operator", sites=[w.other_site])
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [await api.user_id("chair")]})
    return w


async def test_every_endpoint_for_every_role(api):
    from api.app import CONTROLLERS
    w = await _world_for_matrix(api)
    routes = routes_of(api.app, modules_of(CONTROLLERS) | {"api.app"})
    walk = Walk(routes - {("POST", "/api/auth/login")})  # login: test_rules
    for method, name, prep, expected in MATRIX:
        for role in ROLES:
            path, body = await prep(api, w, role)
            r = await api.call(method, path, None if role == "anon" else role, json=body)
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("foundation")
