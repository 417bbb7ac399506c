"""Every passes/check-in route × every role (and a delegate's personal link): 401, 403, 404 as the rules say."""
from __future__ import annotations

import itertools
from typing import Any

from api.controllers import checkin, passes
from tests.support.factories import World
from tests.support.matrix import Walk, modules_of, routes_of
from tests.platform.test_role_matrix import ROLES, Prep, _world_for_matrix, fixed, staff_fresh

WHO = [*ROLES, "delegate"]
_n = itertools.count(1)
C = "/api/conferences/{w.conference}"
NGOC = C + "/invitations/{w.invitations[ngoc]}"
VINH = C + "/invitations/{w.invitations[vinh]}"


def expect(ok: int, **others: int) -> dict[str, int]:
    """`ok` for organizers and the QK3 operator; op_out may not know the conference (404); others 403."""
    out = {r: 403 for r in WHO}
    out.update(anon=401, admin=ok, org=ok, op=ok, op_out=404)
    out.update(others)
    return out


STAFF_ONLY = {"op": 403}
EVERYONE = {r: 200 for r in WHO} | {"anon": 401, "op_out": 404}
PUBLIC = {r: 200 for r in WHO}


def each_time(path: str, body: Any) -> Prep:
    """A fresh nonce on every call, so each one is a new scan rather than a replay."""
    async def prep(api: Any, w: World, role: str) -> tuple[str, Any]:
        return path.format(w=w), {**body(w), "nonce": f"m-{next(_n)}"}
    return prep


def link(suffix: str = "") -> Prep:
    async def prep(api: Any, w: World, role: str) -> tuple[str, Any]:
        return f"/p/{api.tokens['delegate']}{suffix}", None
    return prep


async def _fresh_invitation(api: Any, w: World) -> str:
    delegate = (await api.post("/api/delegates", {"full_name": f"Đại biểu {next(_n)}"}))["id"]
    inv = await api.post(f"/api/conferences/{w.conference}/invitations",
                         {"delegate_id": delegate, "conference_site_id": w.cs_qk3})
    return f"/api/conferences/{w.conference}/invitations/{inv['id']}"


async def _relocation(api: Any, w: World) -> tuple[str, Any]:
    inv = await _fresh_invitation(api, w)
    return C.format(w=w) + "/checkin/relocations", {"invitation_id": int(inv.rsplit("/", 1)[1]),
                                                    "conference_site_id": w.cs_hq}


async def _renew(api: Any, w: World) -> tuple[str, Any]:
    return await _fresh_invitation(api, w) + "/link/renew", None


def _scan_body(w: World) -> dict[str, Any]:
    return {"text": w.ngoc_pass, "conference_site_id": w.cs_qk3}  # type: ignore[attr-defined]


async def _offline(api: Any, w: World, role: str) -> tuple[str, Any]:
    scan = {**_scan_body(w), "nonce": f"o-{next(_n)}", "scanned_at": "2026-12-18T07:40:00+07:00"}
    return C.format(w=w) + "/checkin/offline", {"scans": [scan]}


MATRIX: list[tuple[str, str, Prep, dict[str, int]]] = [
    ("POST", "scan", each_time(C + "/checkin/scan", _scan_body), expect(200)),
    ("POST", "manual", each_time(C + "/checkin/manual", lambda w: {
        "invitation_id": w.invitations["ngoc"], "conference_site_id": w.cs_qk3}), expect(200)),
    ("POST", "walk-in", each_time(C + "/checkin/walk-ins", lambda w: {
        "conference_site_id": w.cs_qk3, "full_name": "Khách mời"}), expect(201)),
    ("POST", "offline upload", _offline, expect(200)),
    ("GET", "offline kit", fixed(C + "/checkin/offline-kit"), expect(200)),
    ("GET", "offline kit of a point", fixed(C + "/checkin/offline-kit?conference_site_id={w.cs_qk3}"), expect(200)),
    ("GET", "offline kit elsewhere", fixed(C + "/checkin/offline-kit?conference_site_id={w.cs_hq}"),
     expect(200, op=403)),
    ("GET", "roster", fixed(C + "/checkin/roster"), expect(200)),
    ("POST", "relocation", staff_fresh(_relocation, fixed(C + "/checkin/relocations", {
        "invitation_id": 1, "conference_site_id": 1})), expect(201, **STAFF_ONLY)),
    ("PATCH", "site check-in", fixed(C + "/checkin/sites/{w.cs_qk3}", {"readiness": "ready"}), expect(200)),
    ("PATCH", "site check-in elsewhere", fixed(C + "/checkin/sites/{w.cs_hq}", {"readiness": "ready"}),
     expect(200, op=403)),
    ("GET", "recent scans", fixed(C + "/checkin/sites/{w.cs_qk3}/scans"), expect(200)),
    ("GET", "recent scans elsewhere", fixed(C + "/checkin/sites/{w.cs_hq}/scans"), expect(200, op=403)),
    ("GET", "floor requests of a point", fixed(C + "/checkin/sites/{w.cs_qk3}/floor-requests"), expect(200)),
    ("GET", "floor requests elsewhere", fixed(C + "/checkin/sites/{w.cs_hq}/floor-requests"), expect(200, op=403)),
    ("GET", "attendance", fixed(C + "/attendance"), EVERYONE),
    ("GET", "pass", fixed(NGOC + "/pass"), expect(200, delegate=200)),
    ("GET", "pass at another site", fixed(VINH + "/pass"), expect(200, op=404, delegate=404)),
    ("GET", "pass png", fixed(NGOC + "/pass/qr.png"), expect(200, delegate=200)),
    ("GET", "pass svg", fixed(NGOC + "/pass/qr.svg"), expect(200, delegate=200)),
    ("GET", "printable pass", fixed(NGOC + "/pass/print"), expect(200, delegate=200)),
    ("POST", "reissue pass", fixed(NGOC + "/pass/reissue"), expect(200, **STAFF_ONLY)),
    ("POST", "renew link", staff_fresh(_renew, fixed(NGOC + "/link/renew")), expect(200, **STAFF_ONLY)),
    ("GET", "personal pass page", link(), PUBLIC),
    ("GET", "personal pass png", link("/qr.png"), PUBLIC),
]


async def _world(api: Any) -> World:
    w = await _world_for_matrix(api)
    for action in ("schedule", "start"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    p = await api.get(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/pass")
    w.ngoc_pass = p["token"]  # type: ignore[attr-defined]
    api.tokens["delegate"] = p["personal_link"].rsplit("/", 1)[1]
    return w


async def test_every_checkin_route_for_every_role(api):
    w = await _world(api)
    walk = Walk(routes_of(api.app, modules_of([*checkin.ROUTES, *passes.ROUTES])), html_errors=True)
    for method, name, prep, expected in MATRIX:
        for role in WHO:
            path, body = await prep(api, w, role)
            r = await api.call(method, path, None if role == "anon" else role, json=body)
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("check-in")
