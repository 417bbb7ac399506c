"""Every change that moves a point's counts names that point in its event, so the live view's tick re-sends that
point's counts (and only the changed points'): checked change by change against a full count before and after.
And after every change the counts the database's triggers keep (site_counts) equal a count from the invitations."""
from __future__ import annotations

from typing import Any

from domain.checkin.attendance import attendance, recount
from realtime.events import ALL_COUNTS, marked_ids, marks_for
from tests.support.checkin import Desks, desks, nonce, pass_of, scan


async def _counts(api: Any, d: Desks) -> dict[int, Any]:
    async with api.sessionmaker() as s:
        kept, counted = await attendance(s, d.w.conference), await recount(s, d.w.conference)
    assert kept == counted
    return {site.conference_site_id: site for site in kept.sites}


class Marks:
    def __init__(self, before: dict[int, Any]) -> None:
        self.before = before

    async def agree(self, api: Any, d: Desks) -> None:
        marks: set[str] = set()
        for event in d.events:
            marks |= marks_for(event)
        d.events.clear()
        assert ALL_COUNTS not in marks, "a change that moves a count must name its points"
        named = marked_ids(marks, "count") | marked_ids(marks, "site")
        after = await _counts(api, d)
        moved = {cs for cs in after.keys() | self.before.keys() if after.get(cs) != self.before.get(cs)}
        assert moved, "the step changed no count: the test would prove nothing"
        assert moved <= named, (moved, named)
        self.before = after


async def test_every_change_that_moves_a_count_names_its_points(api):
    d = await desks(api, status="live")
    m = Marks(await _counts(api, d))
    d.events.clear()
    # a check-in, a check-out, a check-in again
    token = await pass_of(api, d, "ngoc")
    assert (await scan(api, d, token))["result"] == "ok"
    await m.agree(api, d)
    await scan(api, d, token, direction="out")
    await m.agree(api, d)
    # an absence reported, then superseded by a check-in
    await api.call("PUT", f"{d.c}/invitations/{d.w.invitations['ngoc']}/absence", who="op",
                   json={"reason": "duty"}, expect=200)
    await m.agree(api, d)
    await api.call("DELETE", f"{d.c}/invitations/{d.w.invitations['ngoc']}/absence", who="op", expect=204)
    await m.agree(api, d)
    await api.call("PUT", f"{d.c}/invitations/{d.w.invitations['ngoc']}/absence", who="op",
                   json={"reason": "illness"}, expect=200)
    await m.agree(api, d)
    await scan(api, d, token)
    await m.agree(api, d)
    # a walk-in at the point
    await api.post(f"{d.c}/checkin/walk-ins", {"conference_site_id": d.w.cs_qk3, "nonce": nonce(),
                                                "full_name": "Đỗ Văn Đức", "rank": "Đại tá"}, who="op")
    await m.agree(api, d)
    # a delegate moved to another point, then their invitation moved back and cancelled
    await api.post(f"{d.c}/checkin/relocations", {"invitation_id": d.w.invitations["vinh"],
                                                  "conference_site_id": d.w.cs_qk3, "note": "Hải Phòng"})
    await m.agree(api, d)
    await api.patch(f"{d.c}/invitations/{d.w.invitations['vinh']}", {"conference_site_id": d.w.cs_hq})
    await m.agree(api, d)
    await api.patch(f"{d.c}/invitations/{d.w.invitations['vinh']}", {"status": "cancelled"})
    await m.agree(api, d)
    # a new invitation, and the expected attendance of a point changed
    extra = (await api.post("/api/delegates", {"full_name": "Trần Thị Lan"}))["id"]
    await api.post(f"{d.c}/invitations", {"delegate_id": extra, "conference_site_id": d.w.cs_hq})
    await m.agree(api, d)
    await api.patch(f"{d.c}/sites/{d.w.cs_qk3}", {"expected_attendance": 25})
    await m.agree(api, d)



async def test_filling_site_counts_afresh_gives_what_the_triggers_kept(api):
    """`tally.refill` (migration 0012 fills site_counts with it) counts by the same rules as the triggers."""
    from domain.checkin import tally

    d = await desks(api, status="live")
    token = await pass_of(api, d, "ngoc")
    assert (await scan(api, d, token))["result"] == "ok"
    await api.post(f"{d.c}/checkin/walk-ins", {"conference_site_id": d.w.cs_qk3, "nonce": nonce(),
                                                "full_name": "Đỗ Văn Đức"}, who="op")
    await api.call("PUT", f"{d.c}/invitations/{d.w.invitations['vinh']}/absence", who="op_hq",
                   json={"reason": "leave"}, expect=200)
    async with api.sessionmaker() as s:
        kept = await attendance(s, d.w.conference)
    async with api.sessionmaker() as s:
        await (await s.connection()).run_sync(tally.refill)
        await s.commit()
    async with api.sessionmaker() as s:
        refilled, counted = await attendance(s, d.w.conference), await recount(s, d.w.conference)
    assert refilled == kept == counted
    assert (kept.present, kept.walk_ins, kept.absent) == (2, 1, 1)  # a walk-in is checked in as registered
