"""Inviting many at once (POST /api/conferences/{id}/invitations/bulk): a result per delegate in one transaction,
by ids, by a unit subtree and by a point's roster; bad input changes nothing; every role."""
from __future__ import annotations

import itertools
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from api.controllers import bulk_invitations as bulk_routes
from domain.models import AuditEntry, Delegate, Invitation
from tests.support.factories import T0, World, iso, make_world
from tests.support.matrix import Walk, modules_of, routes_of
from tests.platform.test_role_matrix import ROLES, _world_for_matrix

_n = itertools.count(1)


async def _delegate(api: Any, name: str, unit: int | None = None) -> int:
    body: dict[str, Any] = {"full_name": name}
    if unit is not None:
        body["unit_id"] = unit
    return (await api.post("/api/delegates", body))["id"]


async def _invitations(api: Any, conference_id: int) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(Invitation)
                                .where(Invitation.conference_id == conference_id))).scalar_one()


async def _busy_elsewhere(api: Any, w: World, delegate_id: int) -> int:
    """An overlapping conference at another point, with `delegate_id` invited there."""
    other = (await api.post("/api/conferences", {"title": "Giao ban trùng giờ", "starts_at": iso(T0 + timedelta(hours=1)),
                                                 "ends_at": iso(T0 + timedelta(hours=2)),
                                                 "host_site_id": w.other_site}))["id"]
    cs = (await api.get(f"/api/conferences/{other}/sites"))["items"][0]["id"]
    await api.post(f"/api/conferences/{other}/invitations", {"delegate_id": delegate_id, "conference_site_id": cs})
    return other


def bulk(w: World) -> str:
    return f"/api/conferences/{w.conference}/invitations/bulk"


async def test_mixed_results_in_one_call(api):
    w = await make_world(api)
    fresh = await _delegate(api, "Phạm Văn Tân", w.unit)
    busy = await _delegate(api, "Trần Quang Khải", w.unit)
    other = await _busy_elsewhere(api, w, busy)
    before = await _invitations(api, w.conference)
    r = await api.post(bulk(w), {"delegate_ids": [w.delegates["ngoc"], busy, 987654, fresh, fresh],
                                 "role": "observer"}, expect=200)
    by_id = {i["delegate_id"]: i for i in r["items"]}
    assert [i["delegate_id"] for i in r["items"]] == [w.delegates["ngoc"], busy, 987654, fresh]
    assert by_id[w.delegates["ngoc"]]["result"] == "already_invited"
    assert by_id[w.delegates["ngoc"]]["invitation_id"] == w.invitations["ngoc"]
    assert by_id[busy]["result"] == "busy" and by_id[busy]["code"] == "delegate_busy"
    assert by_id[busy]["conflicting_conference"] == {"id": other, "title": "Giao ban trùng giờ"}
    assert by_id[987654]["result"] == "not_found"
    assert by_id[fresh]["result"] == "invited" and by_id[fresh]["conference_site_id"] == w.cs_hq  # BQP's point
    assert r["counts"] == {"invited": 1, "already_invited": 1, "busy": 1, "no_point_for_unit": 0, "not_found": 1}
    assert await _invitations(api, w.conference) == before + 1
    inv = await api.get(f"/api/conferences/{w.conference}/invitations/{by_id[fresh]['invitation_id']}")
    assert inv["role"] == "observer" and inv["status"] == "invited" and inv["delegate_id"] == fresh


async def test_a_unit_subtree_goes_each_to_the_point_of_their_unit_or_its_nearest_ancestor(api):
    w = await make_world(api)
    qk3u = (await api.get("/api/units?q=quan khu 3"))["items"][0]["id"]
    staff = (await api.post("/api/units", {"code": "QK3-BTM", "name": "Bộ Tham mưu Quân khu 3",
                                           "parent_id": qk3u}))["id"]
    at_qk3 = [await _delegate(api, f"Cán bộ Quân khu {i}", qk3u) for i in range(3)]
    at_staff = [await _delegate(api, f"Tham mưu {i}", staff) for i in range(2)]
    outside = await _delegate(api, "Ngoài cây đơn vị", w.unit)  # BQP: not under QK3
    r = await api.post(bulk(w), {"unit_id": qk3u}, expect=200)
    results = {i["delegate_id"]: (i["result"], i["conference_site_id"]) for i in r["items"]}
    assert set(results) == {*at_qk3, *at_staff, w.delegates["ngoc"]} and outside not in results
    for d in [*at_qk3, *at_staff]:
        assert results[d] == ("invited", w.cs_qk3)
    assert results[w.delegates["ngoc"]][0] == "already_invited"
    # only the unit itself, and everyone at one chosen point
    staff2 = await _delegate(api, "Tham mưu mới", staff)
    r = await api.post(bulk(w), {"unit_id": staff, "include_subunits": False, "conference_site_id": w.cs_hq},
                       expect=200)
    assert {i["delegate_id"]: (i["result"], i["conference_site_id"]) for i in r["items"]} == {
        at_staff[0]: ("already_invited", None), at_staff[1]: ("already_invited", None), staff2: ("invited", w.cs_hq)}


async def test_a_unit_without_any_point_is_reported(api):
    w = await make_world(api)
    lone = (await api.post("/api/units", {"code": "LONE", "name": "Đơn vị độc lập"}))["id"]
    d = await _delegate(api, "Đinh Văn Độc", lone)
    nobody = await _delegate(api, "Không đơn vị")
    r = await api.post(bulk(w), {"delegate_ids": [d, nobody]}, expect=200)
    assert [i["result"] for i in r["items"]] == ["no_point_for_unit", "no_point_for_unit"]
    assert r["counts"]["invited"] == 0


async def test_a_points_roster_invites_the_delegates_of_its_unit_there(api):
    w = await make_world(api)
    qk3u = (await api.get("/api/units?q=quan khu 3"))["items"][0]["id"]
    members = [await _delegate(api, f"Quân khu 3 số {i}", qk3u) for i in range(4)]
    await _delegate(api, "Bộ Quốc phòng", w.unit)
    r = await api.post(bulk(w), {"roster": True, "conference_site_id": w.cs_qk3, "role": "delegate"}, expect=200)
    got = {i["delegate_id"]: i["result"] for i in r["items"]}
    assert got == {**{m: "invited" for m in members}, w.delegates["ngoc"]: "already_invited"}
    assert {i["conference_site_id"] for i in r["items"] if i["result"] == "invited"} == {w.cs_qk3}


async def test_bad_input_names_the_field_and_saves_nothing(api):
    w = await make_world(api)
    other_conf = (await api.post("/api/conferences", {"title": "Khác", "starts_at": iso(T0 + timedelta(days=40)),
                                                      "ends_at": iso(T0 + timedelta(days=40, hours=1)),
                                                      "host_site_id": w.other_site}))["id"]
    foreign_cs = (await api.get(f"/api/conferences/{other_conf}/sites"))["items"][0]["id"]
    fresh = await _delegate(api, "Người mới", w.unit)
    before = await _invitations(api, w.conference)
    for body, status, code, fld in (
            ({"unit_id": 999999}, 422, "unknown_reference", "unit_id"),
            ({"delegate_ids": [fresh], "unit_id": w.unit}, 422, "bulk_source", "unit_id"),
            ({}, 422, "bulk_source", "delegate_ids"),
            ({"delegate_ids": []}, 422, "nothing_chosen", "delegate_ids"),
            ({"roster": True}, 422, "required", "conference_site_id"),
            ({"delegate_ids": [fresh], "conference_site_id": foreign_cs}, 422, "unknown_reference",
             "conference_site_id"),
            ({"delegate_ids": [fresh], "conference_site_id": 999999}, 422, "unknown_reference", "conference_site_id"),
            ({"delegate_ids": [fresh], "role": "boss"}, 400, "invalid_input", "role"),
            ({"delegate_ids": [0]}, 400, "invalid_input", "delegate_ids[0]"),
            ({"delegate_ids": list(range(1, 5003))}, 400, "invalid_input", "delegate_ids")):
        r = await api.call("POST", bulk(w), json=body)
        assert (r.status_code, r.json()["code"], r.json().get("field")) == (status, code, fld), (body, r.text)
    assert await _invitations(api, w.conference) == before
    r = await api.call("POST", f"/api/conferences/{w.conference}/cancel", expect=200)
    r = await api.call("POST", bulk(w), json={"delegate_ids": [fresh]})
    assert r.status_code == 409 and r.json()["code"] == "conference_read_only"


async def test_a_thousand_delegates_in_one_call_take_a_few_statements(api):
    w = await make_world(api)
    unit = (await api.post("/api/units", {"code": "BIG", "name": "Đơn vị lớn", "parent_id": w.unit}))["id"]
    async with api.sessionmaker() as s:
        s.add_all([Delegate(full_name=f"Đại biểu {i}", unit_id=unit, search=f"dai bieu {i}") for i in range(1000)])
        await s.commit()
    statements: list[str] = []
    engine = api.app.state.engine.sync_engine

    def count(*args: Any) -> None:
        statements.append(args[2])
    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        r = await api.post(bulk(w), {"unit_id": unit, "conference_site_id": w.cs_qk3}, expect=200)
        print(f"1,000 invited in {time.perf_counter() - started:.3f} s")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r["counts"]["invited"] == 1000
    assert len(statements) < 40, statements[:50]
    async with api.sessionmaker() as s:
        audited = (await s.execute(select(func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "invitation.created"))).scalar_one()
    assert audited >= 1000


ALL = {r: 200 for r in ROLES} | {"anon": 401}


async def test_every_role(api):
    w = await _world_for_matrix(api)
    walk = Walk(routes_of(api.app, modules_of(bulk_routes.ROUTES)))
    expected = {r: 403 for r in ROLES} | {"anon": 401, "admin": 200, "org": 200, "op_out": 404}
    for role in ROLES:
        d = await _delegate(api, f"Đại biểu ma trận {next(_n)}", w.unit)
        path = bulk(w)
        r = await api.call("POST", path, None if role == "anon" else role, json={"delegate_ids": [d]})
        walk.check("POST", "bulk invite", path, role, r, expected[role])
        if r.status_code == 200:
            assert r.json()["items"][0]["result"] == "invited"
    walk.assert_complete("bulk invitations")
