"""Offline scans' times within bounds: not ahead of the server beyond the clock skew, not before check-in opened,
not after the end plus the grace period, not before the kit was issued; outside them `scanned_at_out_of_range`
with the bound, nothing counted, both times audited. Uploads stay exactly once by nonce, also twice at once."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from domain.checkin.models import OfflineKit, OfflineUpload, Presence, Scan
from domain.models import Conference
from tests.support.checkin import audit, desks, nonce, pass_of, scan, site_counts
from tests.support.factories import T0

SKEW, GRACE = timedelta(seconds=120), timedelta(minutes=60)  # the defaults (api/settings.py)
END = T0 + timedelta(hours=3, minutes=30)


def _scan(text: str, cs: int, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"text": text, "nonce": nonce(), "scanned_at": at.isoformat(), "conference_site_id": cs, **extra}


async def _upload(api: Any, d: Any, scans: list[dict[str, Any]], who: str = "op", **extra: Any) -> dict[str, Any]:
    return await api.post(f"{d.c}/checkin/offline", {"scans": scans, **extra}, who=who, expect=200)


async def _count(api: Any, model: Any) -> int:
    async with api.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_the_kit_is_recorded_and_a_scan_before_it_was_issued_is_out_of_range(api):
    d = await desks(api, status="live", now=T0 + timedelta(minutes=10))
    kit = await api.get(f"{d.c}/checkin/offline-kit", who="op")
    assert kit["kit_id"] >= 1 and kit["issued_at"] == "2026-12-18T08:10:00+07:00"
    async with api.sessionmaker() as s:
        stored = await s.get(OfflineKit, kit["kit_id"])
        assert stored.user_id == await api.user_id("op") and stored.conference_id == d.w.conference
    token = await pass_of(api, d, "ngoc")
    d.clock.now = T0 + timedelta(minutes=40)
    r = await _upload(api, d, [_scan(token, d.w.cs_qk3, T0 + timedelta(minutes=7)),  # before the kit, beyond skew
                               _scan(token, d.w.cs_qk3, T0 + timedelta(minutes=9))],  # within the skew: counts
                      kit_id=kit["kit_id"])
    assert [(x["result"], x.get("bound")) for x in r["results"]] == [("scanned_at_out_of_range", "before_kit"),
                                                                     ("ok", None)]
    assert r["results"][0]["delegate"]["full_name"] == "Nguyễn Quang Ngọc"
    assert (await site_counts(api, d, d.w.cs_qk3))["present"] == 1
    refused = [e for e in await audit(api, d, "checkin.refused") if e["detail"]["result"] == "scanned_at_out_of_range"]
    assert len(refused) == 1
    detail = refused[0]["detail"]
    assert detail["bound"] == "before_kit"
    assert datetime.fromisoformat(detail["device_at"]) == T0 + timedelta(minutes=7)
    assert datetime.fromisoformat(detail["received_at"]) == T0 + timedelta(minutes=40)
    assert refused[0]["source"] == "offline_upload"


async def test_each_bound_of_a_scheduled_conference(api):
    now = T0 + timedelta(hours=1)
    d = await desks(api, now=now)  # scheduled (not started): opens 2 h before the start, ends at END
    token, other = await pass_of(api, d, "ngoc"), await pass_of(api, d, "vinh")
    r = await _upload(api, d, [
        _scan(token, d.w.cs_qk3, now + SKEW + timedelta(seconds=5)),                 # the desk's clock runs ahead
        _scan(token, d.w.cs_qk3, T0 - timedelta(hours=2, minutes=1)),                # before check-in opened
        _scan(token, d.w.cs_qk3, now + timedelta(seconds=60)),                       # ahead, but within the skew
        _scan(other, d.w.cs_hq, T0 - timedelta(hours=1)),                            # in range, organizer's desk
    ], who="org")
    assert [(x["result"], x.get("bound")) for x in r["results"]] == [
        ("scanned_at_out_of_range", "future"), ("scanned_at_out_of_range", "before_open"), ("ok", None),
        ("ok", None)]
    assert r["results"][2]["at"] == "2026-12-18T09:00:00+07:00"  # a time ahead within the skew counts as now
    assert r["summary"] == {"scanned_at_out_of_range": 2, "ok": 2}


async def test_after_the_real_end_plus_grace_is_out_of_range_within_it_the_end_decides(api):
    d = await desks(api, status="live", now=END + timedelta(hours=3))
    await api.post(f"{d.c}/end", expect=200)
    real_end = END + timedelta(hours=2)  # the meeting overran by two hours (recorded when it was ended)
    async with api.sessionmaker() as s:
        conf = await s.get(Conference, d.w.conference)
        conf.ended_at = real_end
        await s.commit()
    token, other = await pass_of(api, d, "ngoc"), await pass_of(api, d, "vinh")
    r = await _upload(api, d, [_scan(token, d.w.cs_qk3, real_end + GRACE + timedelta(minutes=1)),
                               _scan(other, d.w.cs_hq, END + timedelta(hours=1))], who="org")  # during the overrun
    assert [(x["result"], x.get("bound")) for x in r["results"]] == [("scanned_at_out_of_range", "after_end"),
                                                                     ("ok", None)]
    r = await _upload(api, d, [_scan(token, d.w.cs_qk3, real_end + GRACE - timedelta(minutes=1))])
    assert (r["results"][0]["result"], r["results"][0]["bound"]) == ("conference_ended", None)  # plausible, but over


async def test_a_live_conference_has_no_opening_bound(api):
    """A conference may be started early: while live, an offline scan before the planned opening counts."""
    d = await desks(api, status="live", now=T0 - timedelta(hours=3))
    token = await pass_of(api, d, "ngoc")
    r = await _upload(api, d, [_scan(token, d.w.cs_qk3, T0 - timedelta(hours=3, minutes=5))])
    assert r["results"][0]["result"] == "ok"


async def test_an_unknown_or_foreign_kit_is_bad_input_and_nothing_is_saved(api):
    d = await desks(api, status="live")
    theirs = await api.get(f"{d.c}/checkin/offline-kit", who="op2")
    token = await pass_of(api, d, "ngoc")
    for kit_id in (theirs["kit_id"], 999999):
        r = await api.call("POST", f"{d.c}/checkin/offline", who="op",
                           json={"kit_id": kit_id, "scans": [_scan(token, d.w.cs_qk3, d.clock.now)]})
        assert r.status_code == 422 and r.json()["field"] == "kit_id"
    r = await api.call("POST", f"{d.c}/checkin/offline", who="op",
                       json={"scans": [_scan(token, d.w.cs_qk3, d.clock.now, kit_id=theirs["kit_id"])]})
    assert r.status_code == 422 and r.json()["field"] == "kit_id"
    assert await _count(api, OfflineUpload) == 0 and await _count(api, Scan) == 0


async def test_without_a_kit_id_the_callers_first_kit_bounds_the_times(api):
    d = await desks(api, status="live", now=T0)
    await api.get(f"{d.c}/checkin/offline-kit", who="op")
    d.clock.now = T0 + timedelta(minutes=30)
    await api.get(f"{d.c}/checkin/offline-kit", who="op")
    token = await pass_of(api, d, "ngoc")
    r = await _upload(api, d, [_scan(token, d.w.cs_qk3, T0 - timedelta(minutes=10)),
                               _scan(token, d.w.cs_qk3, T0 + timedelta(minutes=5))])
    assert [(x["result"], x.get("bound")) for x in r["results"]] == [("scanned_at_out_of_range", "before_kit"),
                                                                     ("ok", None)]


async def test_the_same_batch_sent_twice_at_once_is_applied_once(api):
    d = await desks(api, status="live", now=T0 + timedelta(minutes=30))
    kit = await api.get(f"{d.c}/checkin/offline-kit", who="op")
    token = await pass_of(api, d, "ngoc")
    walk_in = await api.post(f"{d.c}/checkin/walk-ins", {"conference_site_id": d.w.cs_qk3, "nonce": nonce(),
                                                          "full_name": "Khách mời"}, who="op")
    d.clock.now += timedelta(minutes=5)
    await scan(api, d, token)
    await scan(api, d, token, direction="out")
    scans = [_scan(token, d.w.cs_qk3, T0 + timedelta(minutes=31, seconds=i), direction="in" if i % 2 else "out")
             for i in range(40)] + [_scan("garbage", d.w.cs_qk3, T0 + timedelta(minutes=32))]
    batch = {"kit_id": kit["kit_id"], "scans": scans}
    first, second = await asyncio.gather(
        api.call("POST", f"{d.c}/checkin/offline", who="op", json=batch),
        api.call("POST", f"{d.c}/checkin/offline", who="op", json=batch))
    assert first.status_code == second.status_code == 200
    a, b = first.json(), second.json()
    assert [x["result"] for x in a["results"]] == [x["result"] for x in b["results"]]
    assert a["replayed"] + b["replayed"] == len(scans)  # every scan applied by exactly one of them
    async with api.sessionmaker() as s:
        n_scans = (await s.execute(select(func.count()).select_from(Scan).where(Scan.nonce.in_(
            [x["nonce"] for x in scans])))).scalar_one()
        presence = (await s.execute(select(Presence).where(
            Presence.invitation_id == d.w.invitations["ngoc"]))).scalar_one()
    assert n_scans == len(scans)
    assert presence.present is True  # the last scan in time order was an entry
    assert (await site_counts(api, d, d.w.cs_qk3))["present"] == 2  # ngoc and the walk-in
    assert walk_in["result"] == "ok"
