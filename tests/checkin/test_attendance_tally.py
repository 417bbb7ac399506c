"""The live view's tally: after its first read it recounts only the points named by the marks of the events
committed since, and still agrees with a full count after every kind of change that moves a count. This holds
only if every such event names its points — which is what the test checks, change by change."""
from __future__ import annotations

from typing import Any

from domain.checkin.attendance import Tally, attendance
from realtime.events import ALL_COUNTS, marked_ids, marks_for
from tests.support.checkin import Desks, desks, nonce, pass_of, scan


async def _agrees(api: Any, d: Desks, tally: Tally) -> None:
    marks: set[str] = set()
    for event in d.events:
        marks |= marks_for(event)
    d.events.clear()
    assert ALL_COUNTS not in marks, "a change that moves a count must name its points"
    changed = marked_ids(marks, "count") | marked_ids(marks, "site")
    async with api.sessionmaker() as s:
        kept = await tally.read(s, d.w.conference, changed)
        full = await attendance(s, d.w.conference)
    assert kept.to_dict()["totals"] == full.to_dict()["totals"]
    by_id = {site.conference_site_id: site for site in full.sites}
    assert [site.conference_site_id for site in kept.sites] == sorted(changed & set(by_id))
    for site in kept.sites:
        assert site == by_id[site.conference_site_id]


async def test_the_tally_follows_every_change_that_moves_a_count(api):
    d = await desks(api, status="live")
    tally = Tally()
    async with api.sessionmaker() as s:
        first = await tally.read(s, d.w.conference, None)
    assert first.to_dict() == (await _full(api, d)).to_dict()
    d.events.clear()
    # a check-in, a check-out, a check-in again
    token = await pass_of(api, d, "ngoc")
    assert (await scan(api, d, token))["result"] == "ok"
    await _agrees(api, d, tally)
    await scan(api, d, token, direction="out")
    await _agrees(api, d, tally)
    # an absence reported, then superseded by a check-in
    await api.call("PUT", f"{d.c}/invitations/{d.w.invitations['ngoc']}/absence", who="op",
                   json={"reason": "duty"}, expect=200)
    await _agrees(api, d, tally)
    await scan(api, d, token)
    await _agrees(api, d, tally)
    # a walk-in at the point
    await api.post(f"{d.c}/checkin/walk-ins", {"conference_site_id": d.w.cs_qk3, "nonce": nonce(),
                                                "full_name": "Đỗ Văn Đức", "rank": "Đại tá"}, who="op")
    await _agrees(api, d, tally)
    # a delegate moved to another point, then their invitation moved back and cancelled
    await api.post(f"{d.c}/checkin/relocations", {"invitation_id": d.w.invitations["vinh"],
                                                  "conference_site_id": d.w.cs_qk3, "note": "Hải Phòng"})
    await _agrees(api, d, tally)
    await api.patch(f"{d.c}/invitations/{d.w.invitations['vinh']}", {"conference_site_id": d.w.cs_hq})
    await _agrees(api, d, tally)
    await api.patch(f"{d.c}/invitations/{d.w.invitations['vinh']}", {"status": "cancelled"})
    await _agrees(api, d, tally)
    # a new invitation, and the expected attendance of a point changed
    extra = (await api.post("/api/delegates", {"full_name": "Trần Thị Lan"}))["id"]
    await api.post(f"{d.c}/invitations", {"delegate_id": extra, "conference_site_id": d.w.cs_hq})
    await _agrees(api, d, tally)
    await api.patch(f"{d.c}/sites/{d.w.cs_qk3}", {"expected_attendance": 25})
    await _agrees(api, d, tally)


async def _full(api: Any, d: Desks) -> Any:
    async with api.sessionmaker() as s:
        return await attendance(s, d.w.conference)
