"""The list of speakers through the API, on SQLite and PostgreSQL: requests, order, running, time, events."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.demo.standard import TITLE, load_demo
from domain.models import Conference, ConferenceStatus
from domain.speakers import service as svc
from tests.support.factories import T0
from tests.support.speakers import ORGANIZER, make_stage, record_events, uow, waiting_names


async def _request(api, stage, key, who="op", expect=201, **body):
    return await api.post(f"{stage.base}/requests", {"invitation_id": stage.inv[key], **body}, who=who, expect=expect)


async def test_operator_request_accepted_by_the_chair_joins_the_end_and_every_point_sees_the_same_order(api):
    stage = await make_stage(api)
    req = await _request(api, stage, "ngoc", topic="Chuyển đổi số ở Quân khu 3", requested_minutes=7)
    assert req["status"] == "pending" and req["site_code"] == "DC-QK3" and req["delegate_name"] == "Nguyễn Quang Ngọc"
    assert (await api.get(stage.base, who="viewer"))["pending_requests"] == 1
    accepted = await api.post(f"{stage.base}/requests/{req['id']}/accept", who="chair", expect=200)
    assert accepted["status"] == "accepted" and accepted["entry_id"]
    views = [await api.get(stage.base, who=who) for who in ("chair", "op", "viewer", "delegate")]
    for view in views:
        assert waiting_names(view) == ["Lê Huy Vịnh", "Nguyễn Quang Ngọc"]
        assert view["version"] == views[0]["version"] and view["pending_requests"] == 0
    ngoc = views[0]["waiting"][1]
    assert (ngoc["rank"], ngoc["unit_name"], ngoc["site_name"]) == ("Thượng tướng", "Quân khu 3", "Điểm cầu Quân khu 3")
    assert (ngoc["topic"], ngoc["requested_minutes"], ngoc["allotted_minutes"]) == ("Chuyển đổi số ở Quân khu 3", 7, 5)


async def test_operator_requests_only_for_delegates_at_their_own_sites(api):
    stage = await make_stage(api)
    r = await api.call("POST", f"{stage.base}/requests", "op", 403, json={"invitation_id": stage.inv["vinh"]})
    assert r.json()["code"] == "not_your_site"
    r = await api.call("POST", f"{stage.base}/requests", "op", 422, json={"invitation_id": 999_999})
    assert r.json()["field"] == "invitation_id"


async def test_delegate_requests_the_floor_for_themself_through_the_personal_link(api):
    stage = await make_stage(api)
    mine = await api.post(f"{stage.base}/requests", {"topic": "Kiến nghị về đường truyền"}, who="delegate")
    assert mine["invitation_id"] == stage.inv["ngoc"] and mine["requested_by_id"] is None
    r = await api.call("POST", f"{stage.base}/requests", "delegate", 403, json={"invitation_id": stage.inv["tan"]})
    assert r.json()["code"] == "not_yourself"
    await _request(api, stage, "tan")
    seen = await api.get(f"{stage.base}/requests", who="delegate")
    assert [x["id"] for x in seen["items"]] == [mine["id"]]
    assert seen["total"] == 1 and (await api.get(f"{stage.base}/requests", who="op"))["total"] == 2


async def test_declined_request_carries_the_reason_back_to_the_requesting_site(api):
    stage = await make_stage(api)
    req = await _request(api, stage, "ngoc")
    r = await api.call("POST", f"{stage.base}/requests/{req['id']}/decline", "chair", 422, json={"reason": "   "})
    assert r.json()["field"] == "reason"
    await api.post(f"{stage.base}/requests/{req['id']}/decline", {"reason": "Hết thời gian thảo luận"}, who="chair",
                   expect=200)
    [seen] = (await api.get(f"{stage.base}/requests?status=declined", who="op"))["items"]
    assert seen["decline_reason"] == "Hết thời gian thảo luận" and seen["resolved_at"]
    r = await api.call("POST", f"{stage.base}/requests/{req['id']}/accept", "chair", 409)
    assert r.json()["code"] == "not_pending"
    assert waiting_names(await api.get(stage.base)) == ["Lê Huy Vịnh"]


async def test_requester_may_withdraw_a_pending_request_and_ask_again(api):
    stage = await make_stage(api)
    req = await _request(api, stage, "ngoc")
    assert (await _request(api, stage, "ngoc", expect=409))["code"] == "request_pending"
    assert (await api.post(f"{stage.base}/requests/{req['id']}/withdraw", who="op", expect=200))["status"] == "withdrawn"
    await _request(api, stage, "ngoc")


async def test_closed_list_refuses_requests_but_the_chair_can_still_add_and_accept(api):
    stage = await make_stage(api)
    pending = await _request(api, stage, "tan")
    closed = await api.post(f"{stage.base}/close", who="chair", expect=200)
    assert closed["closed"] is True
    assert (await _request(api, stage, "ngoc", expect=409))["code"] == "list_closed"
    assert (await api.post(f"{stage.base}/close", who="chair", expect=409))["code"] == "already_closed"
    await api.post(f"{stage.base}/requests/{pending['id']}/accept", who="chair", expect=200)
    state = await api.post(f"{stage.base}/entries", {"invitation_id": stage.inv["giang"]}, who="chair")
    assert waiting_names(state) == ["Lê Huy Vịnh", "Phùng Sĩ Tấn", "Phan Văn Giang"]
    await api.post(f"{stage.base}/reopen", who="chair", expect=200)
    await _request(api, stage, "ngoc")


async def test_the_presenter_is_queued_when_the_item_gets_the_floor(api):
    stage = await make_stage(api)
    state = await api.get(stage.base)
    assert state["agenda_item"]["id"] == stage.item and state["agenda_item"]["since"]
    assert [(e["delegate_name"], e["source"]) for e in state["waiting"]] == [("Lê Huy Vịnh", "agenda")]


async def test_starting_the_next_speaker_ends_the_current_one(api):
    stage = await make_stage(api)
    await api.post(f"{stage.base}/entries", {"invitation_id": stage.inv["ngoc"]}, who="chair")
    first = await api.post(f"{stage.base}/next", who="chair", expect=200)
    assert first["current"]["delegate_name"] == "Lê Huy Vịnh" and first["current"]["status"] == "speaking"
    second = await api.post(f"{stage.base}/next", who="chair", expect=200)
    assert second["current"]["delegate_name"] == "Nguyễn Quang Ngọc" and second["waiting"] == []
    assert [(e["delegate_name"], e["status"]) for e in second["finished"]] == [("Lê Huy Vịnh", "finished")]
    history = (await api.get(f"{stage.base}/history"))["items"]
    assert [h["status"] for h in history] == ["finished", "speaking"]


async def test_nothing_runs_unless_the_conference_is_live(api):
    stage = await make_stage(api, live=False)
    entry = (await api.get(stage.base))["waiting"][0]["id"]
    for path in (f"/entries/{entry}/start", "/next", "/pause", "/resume"):
        assert (await api.post(stage.base + path, who="chair", expect=409))["code"] == "conference_not_live"
    await _request(api, stage, "ngoc")  # preparing the list before the start is fine


async def test_illegal_moves_are_refused_with_stable_codes(api):
    stage = await make_stage(api)
    b = stage.base

    async def refused(method, path, code, **kw):
        r = await api.call(method, b + path, "chair", 409, **kw)
        assert r.json()["code"] == code, r.text

    await refused("POST", "/pause", "no_current_speaker")
    await refused("POST", "/end", "no_current_speaker")
    await refused("POST", "/readd-last", "no_last_speaker")
    await refused("PUT", "/current-item", "already_current", json={"agenda_item_id": stage.item})
    state = await api.post(f"{b}/next", who="chair", expect=200)
    speaking = state["current"]["id"]
    await refused("POST", "/next", "no_waiting_speaker")
    await refused("POST", "/resume", "not_paused")
    await refused("POST", f"/entries/{speaking}/start", "not_waiting")
    await refused("DELETE", f"/entries/{speaking}", "not_waiting")
    other = await api.post(f"{stage.conference}/agenda", {"kind": "speech", "title": "Phát biểu chỉ đạo"})
    await refused("PUT", "/current-item", "speech_in_progress", json={"agenda_item_id": other["id"]})
    await api.post(f"{b}/pause", who="chair", expect=200)
    await refused("POST", "/pause", "already_paused")
    await api.post(f"{b}/end", who="chair", expect=200)
    await refused("PATCH", f"/entries/{speaking}", "already_finished", json={"topic": "Muộn"})
    moved = await api.call("PUT", f"{b}/current-item", "chair", 200, json={"agenda_item_id": other["id"]})
    assert moved.json()["agenda_item_id"] == other["id"]
    old = await api.post(f"{b}/entries", {"invitation_id": stage.inv["tan"], "agenda_item_id": stage.item}, who="chair")
    await refused("POST", f"/entries/{old['waiting'][0]['id']}/start", "not_current_item")


async def test_speaking_time_defaults_to_the_item_and_can_be_set_per_speaker(api):
    stage = await make_stage(api, speaking_minutes=10)
    req = await _request(api, stage, "ngoc", requested_minutes=15)
    await api.post(f"{stage.base}/requests/{req['id']}/accept", {"allotted_minutes": 12}, who="chair", expect=200)
    state = await api.get(stage.base)
    presenter, ngoc = state["waiting"]
    assert (presenter["allotted_minutes"], presenter["allotted_seconds"]) == (10, 600)
    assert (ngoc["requested_minutes"], ngoc["allotted_minutes"], ngoc["allotted_seconds"]) == (15, 12, 720)
    state = await api.patch(f"{stage.base}/entries/{ngoc['id']}", {"allotted_minutes": None}, who="chair")
    assert state["waiting"][1]["allotted_minutes"] == 10 and state["default_minutes"] == 10
    running = await api.post(f"{stage.base}/next", who="chair", expect=200)
    extended = await api.patch(f"{stage.base}/entries/{running['current']['id']}", {"allotted_minutes": 13},
                               who="chair")
    assert extended["current"]["allotted_seconds"] == 780 and extended["current"]["remaining_seconds"] > 700


async def test_removing_a_waiting_speaker_keeps_the_others_in_order(api):
    stage = await make_stage(api)
    for key in ("ngoc", "tan"):
        state = await api.post(f"{stage.base}/entries", {"invitation_id": stage.inv[key]}, who="chair")
    state = await api.call("DELETE", f"{stage.base}/entries/{state['waiting'][1]['id']}", "chair", 200)
    assert waiting_names(state.json()) == ["Lê Huy Vịnh", "Phùng Sĩ Tấn"]
    assert [e["position"] for e in state.json()["waiting"]] == [1, 2]


async def test_every_change_emits_exactly_one_speakers_event_with_the_full_state(api):
    stage = await make_stage(api)
    events = record_events(api, stage)
    b = stage.base
    req = await _request(api, stage, "ngoc")
    changes = [
        ("POST", f"{b}/requests/{req['id']}/accept", None), ("POST", f"{b}/next", None),
        ("POST", f"{b}/pause", None), ("POST", f"{b}/resume", None), ("POST", f"{b}/next", None),
        ("POST", f"{b}/end", None), ("POST", f"{b}/readd-last", None), ("POST", f"{b}/close", None),
    ]
    assert len(events) == 1
    def timeless(state):
        return {k: v for k, v in state.items() if k != "server_time"}

    for method, path, body in changes:
        before = len(events)
        await api.call(method, path, "chair", 200, json=body)
        assert len(events) == before + 1, path
        assert events[-1].conference_id == stage.w.conference
        assert timeless(events[-1].data) == timeless(await api.get(b, who="op")), path
    versions = [e.data["version"] for e in events]
    assert versions == sorted(versions)


async def test_a_refused_change_emits_nothing(api):
    stage = await make_stage(api)
    events = record_events(api, stage)
    await api.post(f"{stage.base}/pause", who="chair", expect=409)
    await api.post(f"{stage.base}/requests", {"invitation_id": stage.inv["vinh"]}, who="op", expect=403)
    assert events == []


async def test_history_and_totals_per_delegate_and_per_site(api):
    stage = await make_stage(api)
    cid = stage.w.conference
    await svc.add_speaker(uow(api), ORGANIZER, cid, invitation_id=stage.inv["ngoc"])
    await svc.add_speaker(uow(api), ORGANIZER, cid, invitation_id=stage.inv["tan"])
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0)                                  # Vịnh, HQ: 240 s
    await svc.pause(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=100))
    await svc.resume(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=130))
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=270))         # Ngọc, QK3: 400 s
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=670))         # Tấn, QK3: 60 s
    await svc.end_speech(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=730))
    await svc.readd_last(uow(api), ORGANIZER, cid)
    await svc.start_next(uow(api), ORGANIZER, cid, now=T0 + timedelta(seconds=800))         # Tấn again, running

    history = (await api.get(f"{stage.base}/history", who="viewer"))["items"]
    vinh = history[0]
    assert (vinh["delegate_name"], vinh["elapsed_seconds"], vinh["paused_seconds"]) == ("Lê Huy Vịnh", 240, 30)
    assert vinh["started_at"] == "2026-12-18T08:00:00+07:00" and vinh["ended_at"] == "2026-12-18T08:04:30+07:00"
    assert vinh["pauses"] == [{"started_at": "2026-12-18T08:01:40+07:00", "ended_at": "2026-12-18T08:02:10+07:00",
                               "seconds": 30}]
    assert history[1]["overtime_seconds"] == 100 and history[0]["overtime_seconds"] == 0
    assert [h["status"] for h in history] == ["finished", "finished", "finished", "speaking"]

    totals = await api.get(f"{stage.base}/totals", who="op")
    assert (totals["speeches"], totals["seconds"]) == (3, 700)
    assert [(d["delegate_name"], d["speeches"], d["seconds"]) for d in totals["delegates"]] == [
        ("Nguyễn Quang Ngọc", 1, 400), ("Lê Huy Vịnh", 1, 240), ("Phùng Sĩ Tấn", 1, 60)]
    assert [(s["site_code"], s["speeches"], s["seconds"]) for s in totals["sites"]] == [("DC-QK3", 2, 460),
                                                                                        ("HQ", 1, 240)]


async def test_the_conference_chair_delegate_runs_the_list_without_being_a_manager(api):
    stage = await make_stage(api)
    await api.patch(stage.conference, {"chair_delegate_id": stage.w.delegates["vinh"]})
    await api.user("minister", "chair", delegate_id=stage.w.delegates["vinh"])
    state = await api.post(f"{stage.base}/next", who="minister", expect=200)
    assert state["current"]["delegate_name"] == "Lê Huy Vịnh"


async def test_deleting_an_agenda_item_takes_its_list_and_requests_along(api):
    stage = await make_stage(api, live=False)
    await _request(api, stage, "ngoc")
    await api.call("DELETE", f"{stage.conference}/agenda/{stage.item}", "org", 204)
    state = await api.get(stage.base)
    assert state["agenda_item_id"] is None and state["waiting"] == []
    assert (await api.get(f"{stage.base}/requests"))["total"] == 0


async def test_the_demo_conference_gets_floor_requests_and_a_running_list(api):
    await load_demo(api.sessionmaker)
    async with api.sessionmaker() as s:
        conf = (await s.execute(select(Conference).where(Conference.title == TITLE))).scalar_one()
        conf.status = ConferenceStatus.live
        await s.commit()
    assert (await svc.seed_demo_speakers(uow(api), conf.id))["requests"] == 4
    assert await svc.seed_demo_speakers(uow(api), conf.id) == {"created": False}
    state = await api.get(f"/api/conferences/{conf.id}/speakers")
    assert state["agenda_item"]["kind"] == "discussion" and state["current"]["source"] == "agenda"
    assert [e["kind"] for e in state["waiting"]] == ["point_of_order", "ordinary", "ordinary"]
    assert len({e["site_code"] for e in state["waiting"]}) == 3 and state["pending_requests"] == 1
