"""Absences: a point reports an expected delegate absent with a reason; counted as absent (expected = present +
absent + missing) until the delegate checks in after it; audited; need-to-know as the desk's roster."""
from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from api.controllers import absences as absences_routes
from domain.checkin.models import Absence
from tests.platform.test_role_matrix import ROLES, _world_for_matrix, fixed
from tests.support.checkin import audit, desks, nonce, pass_of, scan, site_counts, totals
from tests.support.factories import World
from tests.support.matrix import Walk, modules_of, routes_of

_n = itertools.count(1)


def _absence(d: Any, key: str = "ngoc") -> str:
    return f"{d.c}/invitations/{d.w.invitations[key]}/absence"


async def _put(api: Any, d: Any, body: dict[str, Any], who: str = "op", key: str = "ngoc",
               expect: int | None = 200) -> Any:
    r = await api.call("PUT", _absence(d, key), who=who, json=body, expect=expect)
    return r.json() if r.content else None


async def _stored(api: Any) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(Absence))).scalar_one()


async def test_an_absence_is_counted_listed_audited_and_announced(api):
    d = await desks(api)
    before = await site_counts(api, d, d.w.cs_qk3)
    assert (before["absent"], before["missing"], before["expected"]) == (0, 20, 20)
    out = await _put(api, d, {"reason": "duty", "note": "Đi công tác Quảng Ninh"})
    assert out == {"invitation_id": d.w.invitations["ngoc"], "conference_site_id": d.w.cs_qk3,
                   "full_name": "Nguyễn Quang Ngọc", "rank": "Thượng tướng", "unit": "Quân khu 3", "reason": "duty",
                   "note": "Đi công tác Quảng Ninh", "set_at": "2026-12-18T07:30:00+07:00",
                   "set_by_user_id": await api.user_id("op"), "superseded": False}
    counts = await site_counts(api, d, d.w.cs_qk3)
    assert (counts["present"], counts["absent"], counts["missing"], counts["expected"]) == (0, 1, 19, 20)
    assert (await totals(api, d))["absent"] == 1
    assert ("attendance", {"conference_site_id": d.w.cs_qk3}) in [(e.type, e.data) for e in d.events]
    listed = await api.get(f"{d.c}/absences", who="op", params={"conference_site_id": d.w.cs_qk3})
    assert listed["total"] == 1 and listed["items"][0]["reason"] == "duty"
    roster = await api.get(f"{d.c}/checkin/roster", who="op", params={"q": "nguyen quang ngoc"})
    assert roster["items"][0]["absence"] == {"reason": "duty", "note": "Đi công tác Quảng Ninh",
                                             "set_at": "2026-12-18T07:30:00+07:00", "superseded": False}
    # the reason changes; then the absence is taken back (twice: idempotent)
    d.clock.now += timedelta(minutes=5)
    changed = await _put(api, d, {"reason": "illness"})
    assert changed["reason"] == "illness" and changed["note"] == "" and changed["set_at"].endswith("07:35:00+07:00")
    await api.call("DELETE", _absence(d), who="op", expect=204)
    await api.call("DELETE", _absence(d), who="op", expect=204)
    assert (await site_counts(api, d, d.w.cs_qk3))["absent"] == 0 and await _stored(api) == 0
    entries = await audit(api, d, "absence.set")
    assert [e["detail"]["reason"] for e in entries] == ["illness", "duty"] or \
        [e["detail"]["reason"] for e in entries] == ["duty", "illness"]
    assert {e["actor_user_id"] for e in entries} == {await api.user_id("op")}
    assert all(e["site_id"] == d.w.qk3 and e["subject_id"] == d.w.invitations["ngoc"] for e in entries)
    cleared = await audit(api, d, "absence.cleared")
    assert len(cleared) == 1 and cleared[0]["detail"]["reason"] == "illness"


async def test_a_check_in_after_the_absence_supersedes_it(api):
    d = await desks(api)
    await _put(api, d, {"reason": "leave"})
    d.clock.now += timedelta(minutes=10)
    token = await pass_of(api, d, "ngoc")
    assert (await scan(api, d, token))["result"] == "ok"
    counts = await site_counts(api, d, d.w.cs_qk3)
    assert (counts["present"], counts["absent"], counts["missing"]) == (1, 0, 19)
    assert (await api.get(f"{d.c}/absences", who="op"))["items"][0]["superseded"] is True
    # present: it cannot be set now
    r = await api.call("PUT", _absence(d), who="op", json={"reason": "duty"})
    assert r.status_code == 409 and r.json()["code"] == "delegate_present"
    # checked out: missing (left), not absent — until the point reports the reason again
    d.clock.now += timedelta(minutes=10)
    assert (await scan(api, d, token, direction="out"))["result"] == "ok"
    counts = await site_counts(api, d, d.w.cs_qk3)
    assert (counts["present"], counts["absent"], counts["missing"]) == (0, 0, 20)
    d.clock.now += timedelta(minutes=1)
    again = await _put(api, d, {"reason": "duty", "note": "Về đơn vị xử lý công việc"})
    assert again["superseded"] is False
    counts = await site_counts(api, d, d.w.cs_qk3)
    assert (counts["present"], counts["absent"], counts["missing"]) == (0, 1, 19)


async def test_bad_input_names_the_field_and_saves_nothing(api):
    d = await desks(api)
    r = await api.call("PUT", _absence(d), who="op", json={"reason": "holiday"})
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = await api.call("PUT", _absence(d), who="op", json={"reason": "other", "note": "   "})
    assert r.status_code == 422 and r.json()["code"] == "blank" and r.json()["field"] == "note"
    r = await api.call("PUT", _absence(d), who="op", json={"reason": "leave", "note": "x" * 501})
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = await api.call("PUT", _absence(d), who="op", json={"reason": "leave", "extra": 1})
    assert r.status_code == 400
    r = await api.call("PUT", f"{d.c}/invitations/999999/absence", who="op", json={"reason": "leave"})
    assert r.status_code == 404 and r.json()["code"] == "invitation_not_found"
    assert await _stored(api) == 0 and await audit(api, d, "absence.set") == []


async def test_only_the_delegates_point_or_an_organizer_may_mark_and_only_active_invitations(api):
    d = await desks(api)
    r = await api.call("PUT", _absence(d, "vinh"), who="op", json={"reason": "leave"})
    assert r.status_code == 404 and r.json()["code"] == "invitation_not_found"  # another point's delegate
    await _put(api, d, {"reason": "leave"}, who="op_hq", key="vinh")
    await _put(api, d, {"reason": "duty"}, who="org", key="ngoc")
    assert [i["full_name"] for i in (await api.get(f"{d.c}/absences", who="op"))["items"]] == ["Nguyễn Quang Ngọc"]
    assert (await api.get(f"{d.c}/absences"))["total"] == 2
    await api.patch(f"{d.c}/invitations/{d.w.invitations['ngoc']}", {"status": "cancelled"})
    r = await api.call("PUT", _absence(d), who="op", json={"reason": "leave"})
    assert r.status_code == 409 and r.json()["code"] == "invitation_not_active"
    assert (await site_counts(api, d, d.w.cs_qk3))["absent"] == 0  # a cancelled invitation is not expected


async def _matrix_world(api: Any) -> World:
    w = await _world_for_matrix(api)
    for action in ("schedule", "start"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    return w


C = "/api/conferences/{w.conference}"
ABSENCE = C + "/invitations/{w.invitations[ngoc]}/absence"
ELSEWHERE = C + "/invitations/{w.invitations[vinh]}/absence"


def _expect(ok: int, **others: int) -> dict[str, int]:
    out = {"anon": 401, "admin": ok, "org": ok, "chair": 403, "op": ok, "op_out": 404, "viewer": 403}
    out.update(others)
    return out


MATRIX = [
    ("PUT", "set", fixed(ABSENCE, {"reason": "duty", "note": "Đi công tác"}), _expect(200)),
    ("PUT", "set elsewhere", fixed(ELSEWHERE, {"reason": "leave"}), _expect(200, op=404)),
    ("DELETE", "clear", fixed(ABSENCE), _expect(204)),
    ("DELETE", "clear elsewhere", fixed(ELSEWHERE), _expect(204, op=404)),
    ("GET", "list", fixed(C + "/absences"), _expect(200, chair=200)),
]


async def test_every_absence_route_for_every_role(api):
    w = await _matrix_world(api)
    walk = Walk(routes_of(api.app, modules_of(absences_routes.ROUTES)))
    for method, name, prep, expected in MATRIX:
        for role in ROLES:
            path, body = await prep(api, w, role)
            r = await api.call(method, path, None if role == "anon" else role, json=body)
            walk.check(method, name, path, role, r, expected[role])
    walk.assert_complete("absences")


async def test_attendance_totals_add_up_at_every_point(api):
    d = await desks(api)
    await scan(api, d, await pass_of(api, d, "vinh"), who="op_hq", cs=d.w.cs_hq)
    await _put(api, d, {"reason": "illness"})
    att = await api.get(f"{d.c}/attendance")
    for s in [*att["sites"], att["totals"]]:
        assert s["expected"] == s["present"] + s["absent"] + s["missing"], s
    assert (att["totals"]["present"], att["totals"]["absent"], att["totals"]["missing"]) == (1, 1, 19)
    assert nonce()  # (keeps the shared nonce counter moving as the other check-in tests do)


async def test_attendance_is_paged_by_point_with_totals_over_every_point(api):
    d = await desks(api)
    await scan(api, d, await pass_of(api, d, "vinh"), who="op_hq", cs=d.w.cs_hq)
    await _put(api, d, {"reason": "duty"})
    whole = await api.get(f"{d.c}/attendance")
    first = await api.get(f"{d.c}/attendance", params={"limit": 1})
    second = await api.get(f"{d.c}/attendance", params={"limit": 1, "offset": 1})
    past = await api.get(f"{d.c}/attendance", params={"limit": 1, "offset": 2})
    assert whole["total"] == first["total"] == second["total"] == past["total"] == 2
    assert [s["conference_site_id"] for s in whole["sites"]] == [d.w.cs_hq, d.w.cs_qk3]
    assert first["sites"] + second["sites"] == whole["sites"] and past["sites"] == []
    assert first["totals"] == second["totals"] == past["totals"] == whole["totals"]
    assert (whole["totals"]["present"], whole["totals"]["absent"], whole["totals"]["expected"]) == (1, 1, 21)
    r = await api.call("GET", f"{d.c}/attendance", "org", params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.text
