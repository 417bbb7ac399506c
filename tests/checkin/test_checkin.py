"""Check-in at the bridge points through the API, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from domain.checkin.models import Presence, Relocation, Scan
from tests.support.checkin import audit, desks, nonce, pass_of, scan, site_counts, totals
from tests.support.factories import T0


async def test_valid_pass_checks_the_delegate_in_at_their_site(api):
    d = await desks(api)
    r = await scan(api, d, await pass_of(api, d, "ngoc"))
    assert r["result"] == "ok" and r["invitation_id"] == d.w.invitations["ngoc"]
    assert r["delegate"] == {"full_name": "Nguyễn Quang Ngọc", "rank": "Thượng tướng", "unit": "Quân khu 3"}
    assert r["at"] == "2026-12-18T07:30:00+07:00" and r["late"] is False
    assert await site_counts(api, d, d.w.cs_qk3) == {"conference_site_id": d.w.cs_qk3, "site_id": d.w.qk3,
                                                       "present": 1, "expected": 20, "late": 0, "walk_ins": 0,
                                                       "absent": 0, "missing": 19}


async def test_second_scan_of_same_pass_is_not_counted_twice(api):
    d = await desks(api)
    token = await pass_of(api, d, "ngoc")
    await scan(api, d, token)
    d.clock.now += timedelta(minutes=5)
    again = await scan(api, d, token, who="op2")
    assert again["result"] == "already_checked_in"
    assert again["checked_in_at"] == "2026-12-18T07:30:00+07:00"
    assert again["delegate_site"]["name"] == "Điểm cầu Quân khu 3"
    assert (await totals(api, d))["present"] == 1


async def test_same_nonce_twice_gives_the_same_result_and_one_record(api):
    d = await desks(api)
    token = await pass_of(api, d, "ngoc")
    first = await scan(api, d, token, nonce_="scanner-7:0001")
    d.clock.now += timedelta(minutes=1)
    second = await scan(api, d, token, nonce_="scanner-7:0001")
    assert second == {**first, "replayed": True}
    async with api.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Scan))).scalar_one() == 1
    assert len(await audit(api, d, "checkin.in")) == 1


async def test_pass_scanned_at_another_site_is_wrong_site_naming_the_delegates_site(api):
    d = await desks(api)
    r = await scan(api, d, await pass_of(api, d, "vinh"))
    assert r["result"] == "wrong_site"
    assert r["delegate_site"] == {"conference_site_id": d.w.cs_hq, "name": "Hội trường Bộ Quốc phòng"}
    assert (await totals(api, d))["present"] == 0


async def test_organizer_relocation_is_recorded_and_the_next_scan_there_counts(api):
    d = await desks(api)
    token = await pass_of(api, d, "vinh")
    moved = await api.post(f"{d.c}/checkin/relocations", {"invitation_id": d.w.invitations["vinh"],
                                                          "conference_site_id": d.w.cs_qk3,
                                                          "note": "công tác tại Hải Phòng"})
    assert (moved["from_conference_site_id"], moved["to_conference_site_id"]) == (d.w.cs_hq, d.w.cs_qk3)
    assert (await scan(api, d, token))["result"] == "ok"
    assert (await site_counts(api, d, d.w.cs_qk3))["present"] == 1
    entry = (await audit(api, d, "checkin.relocated"))[0]
    assert entry["actor_user_id"] == await api.user_id("org") and entry["source"] == "manual"
    async with api.sessionmaker() as s:
        assert (await s.execute(select(Relocation.note))).scalar_one() == "công tác tại Hải Phòng"
    r = await api.call("POST", f"{d.c}/checkin/relocations", who="op",
                       json={"invitation_id": d.w.invitations["ngoc"], "conference_site_id": d.w.cs_hq})
    assert r.status_code == 403


async def test_a_present_delegate_counts_where_the_invitation_now_is_however_it_was_moved(api):
    d = await desks(api)
    await scan(api, d, await pass_of(api, d, "ngoc"))
    await api.patch(f"{d.c}/invitations/{d.w.invitations['ngoc']}", {"conference_site_id": d.w.cs_hq})
    assert (await site_counts(api, d, d.w.cs_qk3))["present"] == 0
    assert (await site_counts(api, d, d.w.cs_hq))["present"] == 1
    await api.post(f"{d.c}/checkin/relocations", {"invitation_id": d.w.invitations["ngoc"],
                                                  "conference_site_id": d.w.cs_qk3})
    assert (await site_counts(api, d, d.w.cs_qk3))["present"] == 1
    assert (await site_counts(api, d, d.w.cs_hq))["present"] == 0
    assert (await totals(api, d))["present"] == 1


async def test_reissued_pass_revokes_the_old_one(api):
    d = await desks(api)
    old = await pass_of(api, d, "ngoc")
    new = await api.post(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/reissue", expect=200)
    assert new["pass_version"] == 2 and new["token"] != old
    assert (await scan(api, d, old))["result"] == "revoked"
    assert (await scan(api, d, new["token"]))["result"] == "ok"
    assert (await audit(api, d, "pass.reissued"))[0]["detail"]["revoked_version"] == 1


async def test_substituting_or_cancelling_an_invitation_revokes_its_pass(api):
    d = await desks(api)
    ngoc, vinh = await pass_of(api, d, "ngoc"), await pass_of(api, d, "vinh")
    deputy = (await api.post("/api/delegates", {"full_name": "Phùng Sĩ Tấn"}))["id"]
    await api.post(f"{d.c}/invitations/{d.w.invitations['ngoc']}/substitute", {"delegate_id": deputy})
    await api.patch(f"{d.c}/invitations/{d.w.invitations['vinh']}", {"status": "cancelled"})
    assert (await scan(api, d, ngoc))["result"] == "revoked"
    assert (await scan(api, d, vinh, who="op_hq", cs=d.w.cs_hq))["result"] == "revoked"


async def test_check_in_opens_before_the_start_and_closes_with_the_conference(api):
    d = await desks(api, now=T0 - timedelta(minutes=121))
    token = await pass_of(api, d, "ngoc")
    assert (await scan(api, d, token))["result"] == "not_open"
    d.clock.now = T0 - timedelta(minutes=120)
    assert (await scan(api, d, token))["result"] == "ok"
    d.clock.now = T0 + timedelta(hours=4)  # past the planned end, never started
    assert (await scan(api, d, token, direction="out"))["result"] == "conference_ended"
    await api.post(f"{d.c}/start", expect=200)  # running late: a live conference keeps its desks open
    assert (await scan(api, d, token, direction="out"))["result"] == "ok"
    await api.post(f"{d.c}/end", expect=200)
    assert (await scan(api, d, token))["result"] == "conference_ended"


async def test_draft_conference_is_not_open_and_cancelled_one_is_over(api):
    d = await desks(api, status="draft")
    token = await pass_of(api, d, "ngoc")
    assert (await scan(api, d, token))["result"] == "not_open"
    await api.post(f"{d.c}/cancel", expect=200)
    assert (await scan(api, d, token))["result"] == "conference_ended"


async def test_arrival_after_the_start_is_flagged_late(api):
    d = await desks(api, status="live", now=T0 + timedelta(minutes=10))
    r = await scan(api, d, await pass_of(api, d, "ngoc"))
    assert r["result"] == "ok" and r["late"] is True
    assert (await totals(api, d))["late"] == 1


async def test_check_out_and_re_entry(api):
    d = await desks(api, status="live")
    token = await pass_of(api, d, "ngoc")
    await scan(api, d, token)
    assert (await scan(api, d, token, direction="out"))["result"] == "ok"
    assert (await totals(api, d))["present"] == 0
    assert (await scan(api, d, token, direction="out"))["result"] == "not_checked_in"
    back = await scan(api, d, token)
    assert back["result"] == "ok" and back["reentry"] is True
    assert (await totals(api, d))["present"] == 1
    assert [e["action"] for e in await audit(api, d, "checkin.out")] == ["checkin.out"]


async def test_forgotten_pass_manual_check_in_finds_the_name_without_diacritics(api):
    d = await desks(api)
    found = (await api.get(f"{d.c}/checkin/roster", who="op", params={"q": "nguyen quang ngoc"}))["items"]
    assert [e["full_name"] for e in found] == ["Nguyễn Quang Ngọc"] and found[0]["present"] is False
    r = await api.post(f"{d.c}/checkin/manual", {"invitation_id": found[0]["invitation_id"],
                                                  "conference_site_id": d.w.cs_qk3, "nonce": nonce()},
                       who="op", expect=200)
    assert r["result"] == "ok" and r["source"] == "manual"
    assert (await audit(api, d, "checkin.in"))[0]["source"] == "manual"
    assert (await api.get(f"{d.c}/checkin/roster", who="op", params={"q": "Vinh"}))["total"] == 0
    other = await api.call("POST", f"{d.c}/checkin/manual", who="op", json={
        "invitation_id": d.w.invitations["vinh"], "conference_site_id": d.w.cs_qk3, "nonce": nonce()})
    assert other.status_code == 404


async def test_walk_in_is_registered_at_the_site_present_and_flagged(api):
    d = await desks(api, status="live")
    r = await api.post(f"{d.c}/checkin/walk-ins", {"conference_site_id": d.w.cs_qk3, "nonce": nonce(),
                                                    "full_name": "Đỗ Văn Đức", "rank": "Đại tá"}, who="op")
    assert r["result"] == "ok" and r["delegate"]["full_name"] == "Đỗ Văn Đức"
    counts = await site_counts(api, d, d.w.cs_qk3)
    assert counts["present"] == 1 and counts["walk_ins"] == 1
    entry = (await api.get(f"{d.c}/checkin/roster", who="op", params={"q": "do van duc"}))["items"][0]
    assert entry["walk_in"] is True and entry["present"] is True
    assert (await api.get(f"{d.c}/invitations/{r['invitation_id']}"))["walk_in"] is True
    assert len(await audit(api, d, "checkin.walk_in")) == 1


async def test_walk_in_retried_with_its_nonce_registers_one_delegate(api):
    d = await desks(api, status="live")
    body = {"conference_site_id": d.w.cs_qk3, "nonce": nonce(), "full_name": "Đỗ Văn Đức"}
    first = await api.post(f"{d.c}/checkin/walk-ins", body, who="op")
    again = await api.post(f"{d.c}/checkin/walk-ins", body, who="op")
    assert again["invitation_id"] == first["invitation_id"] and again["replayed"] is True
    assert (await totals(api, d))["walk_ins"] == 1


async def test_site_ready_and_connected_record_who_and_when(api):
    d = await desks(api)
    r = await api.patch(f"{d.c}/checkin/sites/{d.w.cs_qk3}", {"readiness": "ready",
                                                              "note": "Đã thử âm thanh, hình ảnh"}, who="op")
    op = await api.user_id("op")
    assert (r["readiness"], r["ready_by_id"], r["ready_note"]) == ("ready", op, "Đã thử âm thanh, hình ảnh")
    assert r["ready_at"].startswith("2026-12-18T00:30:00")
    r = await api.patch(f"{d.c}/checkin/sites/{d.w.cs_qk3}", {"connection": "connected"}, who="op")
    assert (r["connection"], r["connection_by_id"]) == ("connected", op)
    statuses = [e.data for e in d.events if e.type == "site_status"]
    assert statuses[0] == {"conference_site_id": d.w.cs_qk3, "readiness": "ready", "connection": "unknown"}
    assert statuses[-1]["connection"] == "connected"
    r = await api.call("PATCH", f"{d.c}/checkin/sites/{d.w.cs_hq}", who="op", json={"readiness": "ready"})
    assert r.status_code == 403 and r.json()["code"] == "not_your_site"


async def test_attendance_events_are_published_only_for_changes(api):
    d = await desks(api)
    token = await pass_of(api, d, "ngoc")
    await scan(api, d, token)
    await scan(api, d, token)
    await scan(api, d, "garbage")
    assert [(e.type, e.data) for e in d.events] == [("attendance", {"conference_site_id": d.w.cs_qk3})]


async def test_garbage_and_other_conferences_passes_are_invalid_without_details(api):
    d = await desks(api)
    for text in ("hello", "BP", "BPAAAA", "https://example.com/?q=1", "BP" + "A" * 300):
        r = await scan(api, d, text)
        assert r["result"] == "invalid" and r["delegate"] is None and r["invitation_id"] is None


async def test_malformed_scan_request_is_a_400_naming_the_field(api):
    d = await desks(api)
    r = await api.call("POST", f"{d.c}/checkin/scan", who="op", json={"text": "x", "conference_site_id": d.w.cs_qk3})
    assert r.status_code == 400 and r.json()["field"] == "nonce"
    r = await api.call("POST", f"{d.c}/checkin/scan", who="op",
                       json={"text": "x", "conference_site_id": d.w.cs_qk3, "nonce": "a", "direction": "up"})
    assert r.status_code == 400 and r.json()["field"] == "direction"
    r = await api.call("POST", f"{d.c}/checkin/scan", who="op",
                       json={"text": "x", "conference_site_id": 999, "nonce": "a"})
    assert r.status_code == 422 and r.json()["field"] == "conference_site_id"


async def test_audit_log_shows_check_ins_with_actor_time_site_and_source(api):
    d = await desks(api)
    await scan(api, d, await pass_of(api, d, "ngoc"))
    entry = (await audit(api, d, "checkin.in"))[0]
    assert entry["actor_user_id"] == await api.user_id("op")
    assert (entry["site_id"], entry["source"], entry["subject_id"]) == (d.w.qk3, "scan", d.w.invitations["ngoc"])
    assert entry["at"].startswith("2026-12-18T00:30:00")
    refused = await scan(api, d, await pass_of(api, d, "vinh"))
    assert (await audit(api, d, "checkin.refused"))[0]["detail"]["result"] == refused["result"] == "wrong_site"


async def test_presence_has_one_row_per_invitation_through_exit_and_re_entry(api):
    d = await desks(api, status="live")
    token = await pass_of(api, d, "ngoc")
    for direction in ("in", "out", "in", "out", "in"):
        await scan(api, d, token, direction=direction)
    async with api.sessionmaker() as s:
        rows = (await s.execute(select(Presence))).scalars().all()
    assert len(rows) == 1 and rows[0].present is True
