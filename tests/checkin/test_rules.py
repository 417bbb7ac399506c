"""The foundation's business rules, each through the API on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from tests.support.factories import T0, iso, make_world


async def test_conference_must_end_after_it_starts(api):
    r = await api.call("POST", "/api/conferences", json={"title": "X", "starts_at": iso(T0), "ends_at": iso(T0)})
    assert r.status_code == 422
    assert r.json()["code"] == "ends_before_starts" and r.json()["field"] == "ends_at"
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_naive_times_are_refused_with_the_field_named(api):
    r = await api.call("POST", "/api/conferences", json={"title": "X", "starts_at": "2026-12-18T08:00:00",
                                                         "ends_at": "2026-12-18T09:00:00+07:00"})
    assert r.status_code == 400 and r.json()["field"] == "starts_at"


async def test_times_are_stored_utc_and_shown_in_the_conference_zone(api):
    w = await make_world(api)
    conf = await api.get(f"/api/conferences/{w.conference}")
    assert conf["starts_at"] == "2026-12-18T08:00:00+07:00"
    assert conf["timezone"] == "Asia/Ho_Chi_Minh"


async def test_inactive_site_cannot_take_part(api):
    w = await make_world(api)
    await api.patch(f"/api/sites/{w.other_site}", {"active": False})
    r = await api.call("POST", f"/api/conferences/{w.conference}/sites", json={"site_id": w.other_site})
    assert r.status_code == 422 and r.json()["code"] == "site_inactive" and r.json()["field"] == "site_id"


async def test_site_in_two_overlapping_conferences_is_a_conflict_naming_the_other(api):
    w = await make_world(api)
    other = await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0 + timedelta(hours=2)),
                                                 "ends_at": iso(T0 + timedelta(hours=5))})
    r = await api.call("POST", f"/api/conferences/{other['id']}/sites", json={"site_id": w.qk3})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "site_busy"
    assert body["conflicting_conference"]["id"] == w.conference
    assert "Hội nghị tổng kết" in body["detail"]


async def test_cancelled_conference_frees_its_sites(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/cancel", expect=200)
    other = await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0),
                                                 "ends_at": iso(T0 + timedelta(hours=1))})
    await api.post(f"/api/conferences/{other['id']}/sites", {"site_id": w.qk3})


async def test_moving_a_conference_onto_a_busy_site_is_a_conflict(api):
    w = await make_world(api)
    other = await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0 + timedelta(days=1)),
                                                 "ends_at": iso(T0 + timedelta(days=1, hours=1)), "host_site_id": w.hq})
    r = await api.call("PATCH", f"/api/conferences/{other['id']}", json={"starts_at": iso(T0)})
    assert r.status_code == 409 and r.json()["code"] == "site_busy"


async def test_delegate_in_two_overlapping_conferences_is_a_conflict(api):
    w = await make_world(api)
    other = await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0 + timedelta(hours=1)),
                                                 "ends_at": iso(T0 + timedelta(hours=2)), "host_site_id": w.other_site})
    cs = (await api.get(f"/api/conferences/{other['id']}/sites"))["items"][0]["id"]
    r = await api.call("POST", f"/api/conferences/{other['id']}/invitations",
                       json={"delegate_id": w.delegates["vinh"], "conference_site_id": cs})
    assert r.status_code == 409
    assert r.json()["code"] == "delegate_busy" and r.json()["conflicting_conference"]["id"] == w.conference


async def test_delegate_is_invited_at_most_once(api):
    w = await make_world(api)
    r = await api.call("POST", f"/api/conferences/{w.conference}/invitations",
                       json={"delegate_id": w.delegates["vinh"], "conference_site_id": w.cs_qk3})
    assert r.status_code == 409 and r.json()["code"] == "already_invited"


async def test_expected_attendance_above_capacity_is_accepted_with_a_warning(api):
    w = await make_world(api)
    body = await api.patch(f"/api/conferences/{w.conference}/sites/{w.cs_qk3}", {"expected_attendance": 75})
    assert body["expected_attendance"] == 75
    assert body["warnings"][0]["code"] == "over_capacity"


async def test_search_ignores_case_and_vietnamese_diacritics(api):
    w = await make_world(api)
    await api.post("/api/units", {"code": "QKDONG", "name": "Quân khu Đông Bắc"})
    await api.post("/api/sites", {"code": "DC-DONG", "name": "Điểm cầu Đông Hà"})
    found = await api.get("/api/delegates", params={"q": "le huy vinh"})
    assert [d["full_name"] for d in found["items"]] == ["Lê Huy Vịnh"]
    assert (await api.get("/api/delegates", params={"q": "NGỌC"}))["items"][0]["id"] == w.delegates["ngoc"]
    assert [u["code"] for u in (await api.get("/api/units", params={"q": "dong"}))["items"]] == ["QKDONG"]
    assert [s["code"] for s in (await api.get("/api/sites", params={"q": "ĐÔNG HA"}))["items"]] == ["DC-DONG"]
    assert (await api.get("/api/sites", params={"q": "diem cau"}))["total"] == 3
    assert (await api.get("/api/units", params={"q": "100%_"}))["total"] == 0


async def test_lifecycle_allows_only_legal_transitions(api):
    w = await make_world(api)
    c = f"/api/conferences/{w.conference}"
    r = await api.call("POST", f"{c}/end")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert (await api.post(f"{c}/schedule", expect=200))["status"] == "scheduled"
    assert (await api.post(f"{c}/start", expect=200))["status"] == "live"
    r = await api.call("POST", f"{c}/cancel")
    assert r.status_code == 409
    assert (await api.post(f"{c}/end", expect=200))["status"] == "ended"


async def test_ended_conference_is_read_only(api):
    w = await make_world(api)
    c = f"/api/conferences/{w.conference}"
    for action in ("schedule", "start", "end"):
        await api.post(f"{c}/{action}", expect=200)
    for method, url, body in (("PATCH", c, {"title": "Mới"}),
                              ("POST", f"{c}/sites", {"site_id": w.other_site}),
                              ("POST", f"{c}/agenda", {"kind": "opening", "title": "Khai mạc"}),
                              ("PATCH", f"{c}/invitations/{w.invitations['vinh']}", {"status": "confirmed"})):
        r = await api.call(method, url, json=body)
        assert r.status_code == 409 and r.json()["code"] == "conference_read_only", (url, r.text)


async def test_substitution_moves_the_seat_and_keeps_history(api):
    w = await make_world(api)
    deputy = await api.post("/api/delegates", {"full_name": "Đỗ Văn Đức", "rank": "Thiếu tướng"})
    c = f"/api/conferences/{w.conference}/invitations"
    new = await api.post(f"{c}/{w.invitations['ngoc']}/substitute", {"delegate_id": deputy["id"]})
    assert new["replaces_id"] == w.invitations["ngoc"] and new["status"] == "invited"
    assert new["conference_site_id"] == w.cs_qk3
    old = await api.get(f"{c}/{w.invitations['ngoc']}")
    assert old["status"] == "substituted" and old["pass_version"] == 2
    history = await api.get(f"{c}/{new['id']}/history")
    assert [h["id"] for h in history] == [new["id"], w.invitations["ngoc"]]
    r = await api.call("POST", f"{c}/{w.invitations['ngoc']}/substitute", json={"delegate_id": deputy["id"]})
    assert r.status_code == 409


async def test_referenced_site_is_deactivated_not_deleted(api):
    w = await make_world(api)
    body = (await api.call("DELETE", f"/api/sites/{w.qk3}", expect=200)).json()
    assert body["deleted"] is False and body["site"]["active"] is False
    spare = await api.post("/api/sites", {"code": "SPARE", "name": "Dự phòng"})
    assert (await api.call("DELETE", f"/api/sites/{spare['id']}", expect=200)).json()["deleted"] is True
    await api.get(f"/api/sites/{spare['id']}", expect=404)


async def test_agenda_is_ordered_and_reorderable(api):
    w = await make_world(api)
    c = f"/api/conferences/{w.conference}/agenda"
    a = await api.post(c, {"kind": "opening", "title": "Khai mạc", "duration_minutes": 10})
    b = await api.post(c, {"kind": "report", "title": "Báo cáo", "duration_minutes": 30,
                           "presenter_invitation_id": w.invitations["vinh"]})
    assert b["planned_start"] == "2026-12-18T08:10:00+07:00"
    items = (await api.post(f"{c}/reorder", {"item_ids": [b["id"], a["id"]]}, expect=200))
    assert [i["id"] for i in items] == [b["id"], a["id"]]
    assert [i["id"] for i in (await api.get(c))["items"]] == [b["id"], a["id"]]
    r = await api.call("POST", f"{c}/reorder", json={"item_ids": [b["id"]]})
    assert r.status_code == 422 and r.json()["field"] == "item_ids"


async def test_unit_tree_refuses_cycles_and_deleting_used_units(api):
    w = await make_world(api)
    child = (await api.get("/api/units", params={"q": "QK3"}))["items"][0]["id"]
    r = await api.call("PATCH", f"/api/units/{w.unit}", json={"parent_id": child})
    assert r.status_code == 422 and r.json()["code"] == "unit_cycle"
    r = await api.call("DELETE", f"/api/units/{w.unit}")
    assert r.status_code == 409 and r.json()["code"] == "unit_in_use"


async def test_login_me_and_logout(api):
    await api.user("ops", "operator")
    r = await api.call("POST", "/api/auth/login", None, json={"username": "ops", "password": "correct-horse-42"})
    assert r.status_code == 200
    token = r.json()["access_token"]
    me = await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "operator"
    await api.client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    r = await api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["code"] == "bad_token"
    r = await api.call("POST", "/api/auth/login", None, json={"username": "ops", "password": "nope-nope"})
    assert r.status_code == 401 and r.json()["code"] == "bad_credentials"


async def test_deleting_a_draft_keeps_its_audit_trail_and_refuses_scheduled_ones(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc"})
    await api.call("DELETE", f"/api/conferences/{w.conference}", expect=204)
    await api.get(f"/api/conferences/{w.conference}", expect=404)
    trail = await api.get("/api/audit", params={"action": "conference.deleted"})
    assert trail["items"][0]["detail"]["title"].startswith("Hội nghị tổng kết")
    other = await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0),
                                                 "ends_at": iso(T0 + timedelta(hours=1)), "host_site_id": w.hq})
    await api.post(f"/api/conferences/{other['id']}/schedule", expect=200)
    r = await api.call("DELETE", f"/api/conferences/{other['id']}")
    assert r.status_code == 409 and r.json()["code"] == "not_draft"


async def test_moving_an_agenda_item_bumps_the_calendar_sequence(api):
    w = await make_world(api)
    c = f"/api/conferences/{w.conference}"
    item = await api.post(f"{c}/agenda", {"kind": "opening", "title": "Khai mạc", "duration_minutes": 10})
    before = (await api.get(c))["sequence"]
    await api.patch(f"{c}/agenda/{item['id']}", {"notes": "Ghi chú"})
    assert (await api.get(c))["sequence"] == before
    await api.patch(f"{c}/agenda/{item['id']}", {"duration_minutes": 20})
    assert (await api.get(c))["sequence"] == before + 1


async def test_cancelling_or_substituting_an_invitation_records_the_pass_revocation(api):
    w = await make_world(api)
    c = f"/api/conferences/{w.conference}/invitations"
    await api.patch(f"{c}/{w.invitations['vinh']}", {"status": "cancelled"})
    deputy = await api.post("/api/delegates", {"full_name": "Đinh Văn Đông"})
    await api.post(f"{c}/{w.invitations['ngoc']}/substitute", {"delegate_id": deputy["id"]})
    revoked = (await api.get("/api/audit", params={"action": "pass.revoked"}))["items"]
    assert {(e["subject_id"], e["detail"]["reason"]) for e in revoked} == {
        (w.invitations["vinh"], "cancelled"), (w.invitations["ngoc"], "substituted")}


async def test_the_user_picker_offers_organizers_what_they_assign_and_nothing_more(api):
    site = (await api.post("/api/sites", {"code": "DC-QK3", "name": "Quân khu 3"}))["id"]
    await api.user("boss", "admin")
    await api.post("/api/users", {"username": "vanhanh.qk3", "password": "long-enough-1", "role": "operator",
                                  "display_name": "Trần Đức Vịnh", "site_ids": [site]}, who="boss")
    await api.post("/api/users", {"username": "chutri", "password": "long-enough-1", "role": "chair",
                                  "display_name": "Phùng Sĩ Tấn"}, who="boss")
    await api.post("/api/users", {"username": "tv", "password": "long-enough-1", "role": "viewer"}, who="boss")
    found = await api.get("/api/users/picker?q=duc%20vinh")
    assert [u["username"] for u in found] == ["vanhanh.qk3"]
    assert set(found[0]) == {"id", "username", "display_name", "role", "site_ids"} and found[0]["site_ids"] == [site]
    assert [u["username"] for u in await api.get(f"/api/users/picker?site_id={site}")] == ["vanhanh.qk3"]
    everyone = {u["username"] for u in await api.get("/api/users/picker?limit=100")}
    assert "chutri" in everyone and "tv" not in everyone and "boss" not in everyone
    r = await api.get("/api/users/picker?role=admin", expect=422)  # a query value: 422
    assert r["field"] == "role"


async def test_rescheduling_a_conference_moves_its_agenda(api):
    conf = (await api.post("/api/conferences", {"title": "Giao ban", "starts_at": "2027-03-01T08:00:00+07:00",
                                                "ends_at": "2027-03-01T11:00:00+07:00"}))["id"]
    await api.post(f"/api/conferences/{conf}/agenda", {"kind": "opening", "title": "Khai mạc", "duration_minutes": 10})
    await api.post(f"/api/conferences/{conf}/agenda", {"kind": "report", "title": "Báo cáo", "duration_minutes": 30})
    await api.patch(f"/api/conferences/{conf}", {"starts_at": "2027-03-01T13:30:00+07:00",
                                                 "ends_at": "2027-03-01T16:30:00+07:00"})
    items = (await api.get(f"/api/conferences/{conf}/agenda"))["items"]
    assert [i["planned_start"][11:16] for i in items] == ["13:30", "13:40"]
