"""Desks that lose their link: the offline kit, verification without the server, the later upload."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from domain.checkin.models import OfflineUpload, Presence, Scan
from domain.models import Conference
from domain.checkin.offline import verify_with_kit
from tests.support.checkin import audit, desks, nonce, pass_of, site_counts, totals
from tests.support.factories import T0


async def _kit(api, d, who="op"):
    return await api.get(f"{d.c}/checkin/offline-kit", who=who)


async def test_offline_kit_holds_keys_revocations_and_only_the_operators_roster(api):
    d = await desks(api)
    await api.post(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/reissue", expect=200)
    kit = await _kit(api, d)
    assert kit["format"] == 1 and list(kit["keys"]) == ["1"]
    assert kit["conference"]["checkin_opens_at"] == "2026-12-18T06:00:00+07:00"
    assert [(s["conference_site_id"], s["mine"]) for s in kit["sites"]] == [(d.w.cs_hq, False), (d.w.cs_qk3, True)]
    assert [(r["full_name"], r["pass_version"]) for r in kit["roster"]] == [("Nguyễn Quang Ngọc", 2)]
    deputy = (await api.post("/api/delegates", {"full_name": "Phùng Sĩ Tấn"}))["id"]
    await api.post(f"{d.c}/invitations/{d.w.invitations['ngoc']}/substitute", {"delegate_id": deputy})
    kit = await _kit(api, d)
    assert kit["revoked"] == [{"invitation_id": d.w.invitations["ngoc"], "conference_site_id": d.w.cs_qk3,
                               "status": "substituted"}]
    assert [r["full_name"] for r in kit["roster"]] == ["Phùng Sĩ Tấn"]
    assert len((await _kit(api, d, who="org"))["roster"]) == 2


async def test_a_desks_kit_holds_the_roster_of_its_point_only(api):
    """The desk asks for its point's kit: an organizer's desk does not carry every point's roster (100,000 names
    at national size); the points are still all named, so an offline wrong-point pass can say which point."""
    d = await desks(api)
    whole = await _kit(api, d, who="org")
    assert {r["conference_site_id"] for r in whole["roster"]} == {d.w.cs_hq, d.w.cs_qk3}
    for who in ("org", "op"):
        kit = await api.get(f"{d.c}/checkin/offline-kit", who=who, params={"conference_site_id": d.w.cs_qk3})
        assert [(r["full_name"], r["conference_site_id"]) for r in kit["roster"]] == \
            [("Nguyễn Quang Ngọc", d.w.cs_qk3)]
        assert {s["conference_site_id"] for s in kit["sites"]} == {d.w.cs_hq, d.w.cs_qk3}
    hall = await api.get(f"{d.c}/checkin/offline-kit", who="org", params={"conference_site_id": d.w.cs_hq})
    assert hall["roster"] and {r["conference_site_id"] for r in hall["roster"]} == {d.w.cs_hq}
    r = await api.call("GET", f"{d.c}/checkin/offline-kit", who="op", params={"conference_site_id": d.w.cs_hq})
    assert r.status_code == 403 and r.json()["code"] == "not_your_site"
    r = await api.call("GET", f"{d.c}/checkin/offline-kit", who="org", params={"conference_site_id": 9999})
    assert r.status_code in (400, 422) and r.json()["code"] == "unknown_reference"
    assert r.json()["field"] == "conference_site_id"


async def test_beyond_the_limit_an_operators_kit_names_only_their_points_and_the_host_hall(api, monkeypatch):
    from domain.checkin import offline
    d = await desks(api)
    third = (await api.post(f"{d.c}/sites", {"site_id": d.w.other_site}))["id"]
    named = lambda kit: [(s["conference_site_id"], s["mine"]) for s in kit["sites"]]  # noqa: E731
    assert named(await _kit(api, d)) == [(d.w.cs_hq, False), (d.w.cs_qk3, True), (third, False)]
    monkeypatch.setattr(offline, "KIT_NAMES_EVERY_POINT_UP_TO", 2)
    assert named(await _kit(api, d)) == [(d.w.cs_hq, False), (d.w.cs_qk3, True)]
    assert len((await _kit(api, d, who="org"))["sites"]) == 3  # an organizer may run any point


async def test_a_desk_with_the_kit_decides_like_the_server(api):
    d = await desks(api)
    ngoc, vinh = await pass_of(api, d, "ngoc"), await pass_of(api, d, "vinh")
    reissued = (await api.post(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/reissue", expect=200))["token"]
    kit = await _kit(api, d)
    at = d.clock.now
    assert verify_with_kit(kit, reissued, d.w.cs_qk3, at) == "ok"
    assert verify_with_kit(kit, ngoc, d.w.cs_qk3, at) == "revoked"
    assert verify_with_kit(kit, vinh, d.w.cs_qk3, at) == "wrong_site"
    assert verify_with_kit(kit, "BP" + reissued[2:-4] + "AAAA", d.w.cs_qk3, at) == "invalid"
    assert verify_with_kit(kit, reissued, d.w.cs_qk3, T0 - timedelta(hours=3)) == "not_open"


def _offline(text: str, cs: int, at: datetime, direction: str = "in") -> dict:
    return {"text": text, "nonce": nonce(), "scanned_at": at.isoformat(), "conference_site_id": cs,
            "direction": direction}


async def test_offline_scans_upload_later_with_their_times_and_apply_once(api):
    d = await desks(api, status="live", now=T0 + timedelta(hours=1))
    token = await pass_of(api, d, "ngoc")
    batch = {"scans": [_offline(token, d.w.cs_qk3, T0 + timedelta(minutes=20), "out"),  # uploaded out of order
                       _offline(token, d.w.cs_qk3, T0 - timedelta(minutes=15)),
                       _offline(token, d.w.cs_qk3, T0 - timedelta(minutes=14)),
                       _offline("garbage", d.w.cs_qk3, T0)]}
    first = await api.post(f"{d.c}/checkin/offline", batch, who="op", expect=200)
    assert [r["result"] for r in first["results"]] == ["ok", "ok", "already_checked_in", "invalid"]
    assert first["results"][1]["at"] == "2026-12-18T07:45:00+07:00" and first["results"][1]["late"] is False
    assert first["summary"] == {"ok": 2, "already_checked_in": 1, "invalid": 1} and first["replayed"] == 0
    again = await api.post(f"{d.c}/checkin/offline", batch, who="op", expect=200)
    assert again["replayed"] == 4
    assert [r["result"] for r in again["results"]] == [r["result"] for r in first["results"]]
    async with api.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Scan))).scalar_one() == 4
        assert (await s.execute(select(func.count()).select_from(OfflineUpload))).scalar_one() == 2
        presence = (await s.execute(select(Presence))).scalar_one()
    assert presence.first_in_at == T0 - timedelta(minutes=15) and presence.present is False
    assert (await totals(api, d))["present"] == 0
    entries = await audit(api, d, "checkin.offline_upload")
    assert entries[0]["source"] == "offline_upload" and entries[0]["detail"]["replayed"] == 4
    assert {e["source"] for e in await audit(api, d, "checkin.in")} == {"offline_upload"}


async def test_offline_scans_made_before_the_end_count_after_the_conference_ended(api):
    d = await desks(api, status="live", now=T0 + timedelta(hours=5))
    await api.post(f"{d.c}/end", expect=200)
    async with api.sessionmaker() as s:  # ended now on the desks' clock (the service records the wall clock)
        (await s.get(Conference, d.w.conference)).ended_at = d.clock.now
        await s.commit()
    token = await pass_of(api, d, "ngoc")
    r = await api.post(f"{d.c}/checkin/offline", {"scans": [_offline(token, d.w.cs_qk3, T0 + timedelta(hours=1))]},
                       who="op", expect=200)
    assert r["results"][0]["result"] == "ok" and r["results"][0]["late"] is True
    assert (await site_counts(api, d, d.w.cs_qk3))["present"] == 1
    d.clock.now = T0 + timedelta(hours=7)
    at = T0 + timedelta(hours=5, minutes=30)
    late = await api.post(f"{d.c}/checkin/offline", {"scans": [_offline(token, d.w.cs_qk3, at)]}, who="op", expect=200)
    assert late["results"][0]["result"] == "conference_ended"  # after the real end, within the grace period


async def test_scan_times_from_the_future_are_refused_and_shown_as_received(api):
    """Beyond the allowed clock skew (tests/checkin/test_offline_bounds.py has the other bounds)."""
    d = await desks(api, status="live")
    token = await pass_of(api, d, "ngoc")
    r = await api.post(f"{d.c}/checkin/offline", {"scans": [_offline(token, d.w.cs_qk3, T0 + timedelta(days=3))]},
                       who="op", expect=200)
    assert r["results"][0]["at"] == "2026-12-18T07:30:00+07:00"
    assert (r["results"][0]["result"], r["results"][0]["bound"]) == ("scanned_at_out_of_range", "future")
    assert (await totals(api, d))["present"] == 0


async def test_uploading_scans_of_another_sites_desk_is_refused(api):
    d = await desks(api, status="live")
    token = await pass_of(api, d, "vinh")
    r = await api.call("POST", f"{d.c}/checkin/offline", who="op",
                       json={"scans": [_offline(token, d.w.cs_hq, T0)]})
    assert r.status_code == 403 and r.json()["code"] == "not_your_site"
    async with api.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(OfflineUpload))).scalar_one() == 0
