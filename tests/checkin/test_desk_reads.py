"""What the desk page reads besides the scan: a point's newest scans, and its delegates' floor requests with
their live state (pending, queued at position n, speaking, spoken, declined with the reason, withdrawn)."""
from __future__ import annotations

from datetime import timedelta

from tests.support.checkin import desks, nonce, pass_of, scan
from tests.support.speakers import make_stage


async def test_a_points_newest_scans_from_every_desk_newest_first(api):
    d = await desks(api)
    token = await pass_of(api, d, "ngoc")
    await scan(api, d, token)
    d.clock.now += timedelta(minutes=1)
    await scan(api, d, token, who="op2")
    await scan(api, d, await pass_of(api, d, "vinh"))
    await scan(api, d, await pass_of(api, d, "vinh"), who="op_hq", cs=d.w.cs_hq)  # another point
    got = await api.get(f"{d.c}/checkin/sites/{d.w.cs_qk3}/scans", who="op")
    assert [i["result"] for i in got["items"]] == ["wrong_site", "already_checked_in", "ok"]
    newest = got["items"][0]
    assert newest["outcome"]["delegate_site"]["name"] == "Hội trường Bộ Quốc phòng"
    assert newest["at"] == "2026-12-18T07:31:00+07:00" and newest["source"] == "scan"
    assert [i["result"] for i in (await api.get(f"{d.c}/checkin/sites/{d.w.cs_qk3}/scans",
                                                who="org", params={"limit": 1}))["items"]] == ["wrong_site"]
    r = await api.call("GET", f"{d.c}/checkin/sites/{d.w.cs_hq}/scans", who="op")
    assert r.status_code == 403 and r.json()["code"] == "not_your_site"
    r = await api.call("GET", f"{d.c}/checkin/sites/{d.w.cs_qk3}/scans", who="op", params={"limit": 101})
    assert r.status_code in (400, 422) and r.json()["field"] == "limit"
    assert nonce()


async def test_floor_requests_of_a_points_delegates_with_their_live_state(api):
    stage = await make_stage(api)
    base, desk = stage.base, f"{stage.conference}/checkin/sites/{stage.w.cs_qk3}/floor-requests"

    async def states() -> list[tuple[str, str, int | None, str | None]]:
        items = (await api.get(desk, who="op"))["items"]
        return [(i["delegate_name"], i["live_status"], i["position"], i["decline_reason"]) for i in items]

    first = await api.post(f"{base}/requests", {"invitation_id": stage.inv["ngoc"], "topic": "Chuyển đổi số",
                                                "requested_minutes": 5}, who="op")
    assert await states() == [("Nguyễn Quang Ngọc", "pending", None, None)]
    await api.post(f"{base}/requests/{first['id']}/accept", who="chair", expect=200)
    assert await states() == [("Nguyễn Quang Ngọc", "queued", 2, None)]  # after the item's presenter
    await api.post(f"{base}/next", who="chair", expect=200)  # the presenter speaks: ngoc is next
    assert (await states())[0][1:3] == ("queued", 1)
    await api.post(f"{base}/next", who="chair", expect=200)
    assert (await states())[0][1] == "speaking"
    await api.post(f"{base}/end", who="chair", expect=200)
    assert (await states())[0][1] == "spoken"
    second = await api.post(f"{base}/requests", {"invitation_id": stage.inv["tan"]}, who="op")  # also at QK3
    await api.post(f"{base}/requests/{second['id']}/decline", {"reason": "Hết thời gian thảo luận"}, who="chair",
                   expect=200)
    assert await states() == [("Phùng Sĩ Tấn", "declined", None, "Hết thời gian thảo luận"),
                              ("Nguyễn Quang Ngọc", "spoken", None, None)]
    r = await api.call("GET", f"{stage.conference}/checkin/sites/{stage.w.cs_hq}/floor-requests", who="op")
    assert r.status_code == 403
    assert (await api.call("GET", desk, who="viewer")).status_code == 403
