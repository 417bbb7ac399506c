"""Bulk JSON endpoints: many points added to a conference in one call, operator accounts for many points."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from domain.models import AuditEntry, ConferenceSite, User
from tests.conftest import Api
from tests.support.factories import T0, World, iso, make_world


async def _tree(api: Api, w: World) -> dict[str, int]:
    """Under BQP: the Navy (its own point, an academy and a company under it) and an inactive point."""
    navy = (await api.post("/api/units", {"code": "QCHQ", "name": "Quân chủng Hải quân", "parent_id": w.unit}))["id"]
    academy = (await api.post("/api/units", {"code": "HVHQ", "name": "Học viện Hải quân", "parent_id": navy}))["id"]
    ids = {"navy_unit": navy, "academy_unit": academy}
    for key, code, name, unit in (("navy", "DC-QCHQ", "Điểm cầu Quân chủng Hải quân", navy),
                                  ("academy", "DC-HVHQ", "Điểm cầu Học viện Hải quân", academy),
                                  ("academy2", "DC-HVHQ-2", "Điểm cầu Học viện Hải quân – cơ sở 2", academy),
                                  ("old", "DC-CU", "Điểm cầu cũ", w.unit)):
        ids[key] = (await api.post("/api/sites", {"code": code, "name": name, "unit_id": unit, "capacity": 40}))["id"]
    await api.patch(f"/api/sites/{ids['old']}", {"active": False})
    return ids


async def _overlapping(api: Api, w: World, site_id: int) -> int:
    """Another conference at the same time, taking the given point."""
    conf = (await api.post("/api/conferences", {"title": "Giao ban trực tuyến Quân chủng",
                                                "starts_at": iso(T0 + timedelta(hours=1)),
                                                "ends_at": iso(T0 + timedelta(hours=2))}))["id"]
    await api.post(f"/api/conferences/{conf}/sites", {"site_id": site_id})
    return conf


async def _count(api: Api, model: type, *where: object) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_bulk_add_gives_a_result_per_point_and_adds_the_others(api: Api) -> None:
    w = await make_world(api)
    t = await _tree(api, w)
    other = await _overlapping(api, w, t["academy"])
    r = await api.post(f"/api/conferences/{w.conference}/sites/bulk",
                       {"site_ids": [t["navy"], t["academy"], w.qk3, t["old"], 999_999, t["navy"]]}, expect=200)
    results = {i["site_id"]: i for i in r["items"]}
    assert [i["site_id"] for i in r["items"]] == [t["navy"], t["academy"], w.qk3, t["old"], 999_999]
    assert results[t["navy"]]["result"] == "added" and results[t["navy"]]["conference_site_id"]
    assert results[t["academy"]]["result"] == "busy"
    assert results[t["academy"]]["conflicting_conference"] == {"id": other, "title": "Giao ban trực tuyến Quân chủng"}
    assert results[w.qk3]["result"] == "already_added"
    assert results[t["old"]]["result"] == "inactive"
    assert results[999_999]["result"] == "not_found"
    assert r["added"] == 1
    sites = await api.get(f"/api/conferences/{w.conference}/sites")
    assert {s["site_id"] for s in sites["items"]} == {w.hq, w.qk3, t["navy"]}
    added = next(s for s in sites["items"] if s["site_id"] == t["navy"])
    assert added["role"] == "remote" and added["expected_attendance"] == 0
    assert await _count(api, AuditEntry, AuditEntry.action == "conference_site.added",
                        AuditEntry.site_id == t["navy"]) == 1


async def test_a_unit_adds_every_active_point_under_it_or_only_its_own(api: Api) -> None:
    w = await make_world(api)
    t = await _tree(api, w)
    only_own = await api.post(f"/api/conferences/{w.conference}/sites/bulk",
                              {"unit_id": t["navy_unit"], "include_subunits": False}, expect=200)
    assert [(i["site_id"], i["result"]) for i in only_own["items"]] == [(t["navy"], "added")]
    subtree = await api.post(f"/api/conferences/{w.conference}/sites/bulk", {"unit_id": w.unit}, expect=200)
    results = {i["code"]: i["result"] for i in subtree["items"]}
    # every active point of the tree, in code order; the inactive one is not picked by a unit
    assert results == {"DC-HVHQ": "added", "DC-HVHQ-2": "added", "DC-QCHQ": "already_added",
                       "DC-QK3": "already_added", "HQ": "already_added"}
    assert [i["code"] for i in subtree["items"]] == sorted(results)


async def test_bad_input_names_the_field_and_changes_nothing(api: Api) -> None:
    w = await make_world(api)
    url = f"/api/conferences/{w.conference}/sites/bulk"
    before = await _count(api, ConferenceSite)
    for body, status, code, field in (
            ({}, 422, "empty_selection", "site_ids"),
            ({"site_ids": []}, 422, "empty_selection", "site_ids"),
            ({"unit_id": 999_999}, 422, "unknown_reference", "unit_id"),
            ({"site_ids": [w.other_site], "unit_id": 999_999}, 422, "unknown_reference", "unit_id"),
            ({"site_ids": ["x"]}, 400, "invalid_input", "site_ids"),
            ({"site_ids": [0]}, 400, "invalid_input", "site_ids"),
            ({"site_ids": [w.other_site], "role": "host"}, 400, "invalid_input", "role")):
        r = await api.call("POST", url, json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["code"] == code and r.json()["field"].split("[")[0] == field, (body, r.json())
    assert await _count(api, ConferenceSite) == before
    r = await api.call("POST", "/api/conferences/999/sites/bulk", json={"site_ids": [w.other_site]})
    assert r.status_code == 404 and r.json()["code"] == "conference_not_found"


async def test_an_ended_conference_takes_no_more_points(api: Api) -> None:
    w = await make_world(api)
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{w.conference}/{action}", expect=200)
    r = await api.call("POST", f"/api/conferences/{w.conference}/sites/bulk", json={"site_ids": [w.other_site]})
    assert r.status_code == 409 and r.json()["code"] == "conference_read_only"


async def test_operator_accounts_for_many_points_once_each(api: Api) -> None:
    w = await make_world(api)
    t = await _tree(api, w)
    await api.user("boss", "admin")
    await api.user("vanhanh.qk3", "operator", sites=[w.qk3])
    r = await api.client.post("/api/users/operators", headers=api.as_("boss"),
                              json={"unit_id": t["navy_unit"], "site_ids": [w.qk3, t["old"], 999_999]})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    results = {i["site_id"]: i for i in body["items"]}
    assert body["created"] == 3
    for key, code in (("navy", "dc-qchq"), ("academy", "dc-hvhq"), ("academy2", "dc-hvhq-2")):
        item = results[t[key]]
        assert item["result"] == "created" and item["username"] == f"vanhanh.{code}"
        assert len(item["one_time_password"]) == 14 and item["user_id"]
    assert results[w.qk3]["result"] == "exists" and results[w.qk3]["existing_usernames"] == ["vanhanh.qk3"]
    assert results[w.qk3]["one_time_password"] is None
    assert results[t["old"]]["result"] == "inactive"
    assert results[999_999]["result"] == "not_found"
    # the new account signs in with its one-time password and is bound to its point
    navy = results[t["navy"]]
    login = await api.client.post("/api/auth/login", json={"username": navy["username"],
                                                           "password": navy["one_time_password"]})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["role"] == "operator" and login.json()["user"]["site_ids"] == [t["navy"]]
    assert await _count(api, AuditEntry, AuditEntry.action == "user.created") == 3
    # asked again: nothing is created twice and no password is shown again
    again = (await api.client.post("/api/users/operators", headers=api.as_("boss"),
                                   json={"unit_id": t["navy_unit"]})).json()
    assert again["created"] == 0 and {i["result"] for i in again["items"]} == {"exists"}
    assert all(i["one_time_password"] is None for i in again["items"])
    assert await _count(api, User, User.username.like("vanhanh.%")) == 4


async def test_a_username_taken_by_another_account_is_reported(api: Api) -> None:
    w = await make_world(api)
    await api.user("boss", "admin")
    await api.user("vanhanh.dc-qk3", "viewer")
    r = (await api.client.post("/api/users/operators", headers=api.as_("boss"), json={"site_ids": [w.qk3]})).json()
    assert r["items"][0]["result"] == "username_taken" and r["created"] == 0


async def test_operator_accounts_bad_input_and_roles(api: Api) -> None:
    w = await make_world(api)
    await api.user("boss", "admin")
    r = await api.client.post("/api/users/operators", headers=api.as_("boss"), json={"site_ids": []})
    assert r.status_code == 422 and r.json()["field"] == "site_ids" and r.json()["code"] == "empty_selection"
    r = await api.client.post("/api/users/operators", headers=api.as_("boss"), json={"unit_id": 424242})
    assert r.status_code == 422 and r.json()["field"] == "unit_id"
    r = await api.client.post("/api/users/operators", headers=api.as_("org"), json={"site_ids": [w.qk3]})
    assert r.status_code == 403 and r.json()["code"] == "forbidden_role"
    assert await _count(api, User, User.username.like("vanhanh.%")) == 0


async def test_the_bulk_endpoints_are_documented(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    bulk = doc["paths"]["/api/conferences/{conference_id}/sites/bulk"]["post"]
    ops = doc["paths"]["/api/users/operators"]["post"]
    assert bulk["operationId"] == "addConferenceSitesBulk" and "busy" in bulk["description"]
    assert ops["operationId"] == "createOperatorAccounts" and "one_time_password" in ops["description"]
    assert bulk["tags"] == ["conference sites"] and ops["tags"] == ["users"]
