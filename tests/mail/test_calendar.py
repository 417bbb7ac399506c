"""iCalendar feeds: stable UIDs, SEQUENCE that follows every change, local times with a VTIMEZONE,
cancelled events kept; every feed is read back by icalendar and by vobject."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.factories import T0, iso, make_world
from tests.support.mail import parse_ics

ICT = "Asia/Ho_Chi_Minh"


async def feed(api, url, who="org"):
    r = await api.call("GET", url, who, expect=200)
    assert r.headers["content-type"].startswith("text/calendar")
    return parse_ics(r.content)


async def world_with_agenda(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc",
                                                               "duration_minutes": 15})
    await api.post(f"/api/conferences/{w.conference}/agenda", {
        "kind": "discussion", "title": "Tham luận của Quân khu 3", "duration_minutes": 20,
        "presenter_invitation_id": w.invitations["ngoc"]})
    return w


async def test_conference_feed_has_stable_uid_local_times_timezone_and_all_required_properties(api):
    w = await world_with_agenda(api)
    conf = await api.get(f"/api/conferences/{w.conference}")
    cal = await feed(api, f"/api/conferences/{w.conference}/calendar.ics")
    event = cal.event(f"conference-{w.conference}@bridgepoint")
    assert event["DTSTART"].params["TZID"] == ICT
    assert event.decoded("DTSTART").strftime("%H:%M") == "08:00" and event.decoded("DTSTART") == T0
    assert [tz["TZID"] for tz in cal.ical.walk("VTIMEZONE")] == [ICT]
    assert int(event["SEQUENCE"]) == conf["sequence"]
    assert event.decoded("DTSTAMP").tzinfo is not None and event.decoded("LAST-MODIFIED").tzinfo is not None
    assert str(event["STATUS"]) == "TENTATIVE"  # still a draft
    assert str(event["LOCATION"]) == "Hội trường Bộ Quốc phòng, 7 Nguyễn Tri Phương, Ba Đình, Hà Nội"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    description = str(event["DESCRIPTION"])
    assert "08:00–08:15  Khai mạc" in description and "08:15–08:35  Tham luận của Quân khu 3" in description
    assert "Nguyễn Quang Ngọc" not in description  # no delegate names in a feed any conference reader may get
    assert cal.v_event(f"conference-{w.conference}@bridgepoint").location.value == str(event["LOCATION"])


async def test_agenda_items_become_their_own_events_when_asked(api):
    w = await world_with_agenda(api)
    items = (await api.get(f"/api/conferences/{w.conference}/agenda"))["items"]
    plain = await feed(api, f"/api/conferences/{w.conference}/calendar.ics")
    cal = await feed(api, f"/api/conferences/{w.conference}/calendar.ics?items=true")
    assert len(plain.events) == 1 and len(cal.events) == 3
    talk = cal.event(f"agenda-{items[1]['id']}@bridgepoint")
    assert talk.decoded("DTSTART") == T0 + timedelta(minutes=15)
    assert talk.decoded("DTEND") - talk.decoded("DTSTART") == timedelta(minutes=20)
    assert str(talk["RELATED-TO"]) == f"conference-{w.conference}@bridgepoint"


async def test_rescheduling_bumps_sequence_and_keeps_the_uid(api):
    w = await make_world(api)
    uid = f"conference-{w.conference}@bridgepoint"
    before = (await feed(api, f"/api/conferences/{w.conference}/calendar.ics")).event(uid)
    await api.patch(f"/api/conferences/{w.conference}", {"starts_at": iso(T0 + timedelta(hours=1)),
                                                         "ends_at": iso(T0 + timedelta(hours=4))})
    after = (await feed(api, f"/api/conferences/{w.conference}/calendar.ics")).event(uid)
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART").strftime("%H:%M") == "09:00"
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


async def test_cancelled_conference_stays_in_the_feed_as_cancelled_with_a_higher_sequence(api):
    w = await make_world(api)
    uid = f"conference-{w.conference}@bridgepoint"
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    scheduled = (await feed(api, f"/api/conferences/{w.conference}/calendar.ics")).event(uid)
    await api.post(f"/api/conferences/{w.conference}/cancel", expect=200)
    cal = await feed(api, f"/api/conferences/{w.conference}/calendar.ics")
    cancelled = cal.event(uid)
    assert str(scheduled["STATUS"]) == "CONFIRMED" and str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(scheduled["SEQUENCE"])
    assert cal.v_event(uid).status.value == "CANCELLED"


async def test_place_changes_bump_the_sequence_host_hall_and_site_address(api):
    w = await make_world(api)
    seq = lambda c: c["sequence"]  # noqa: E731
    start = seq(await api.get(f"/api/conferences/{w.conference}"))
    await api.patch(f"/api/sites/{w.hq}", {"address": "1 Hoàng Diệu, Ba Đình, Hà Nội"})
    moved = await api.get(f"/api/conferences/{w.conference}")
    assert seq(moved) == start + 1
    event = (await feed(api, f"/api/conferences/{w.conference}/calendar.ics")).event(
        f"conference-{w.conference}@bridgepoint")
    assert "1 Hoàng Diệu" in str(event["LOCATION"])
    await api.patch(f"/api/sites/{w.hq}", {"capacity": 250})  # not a place change
    assert seq(await api.get(f"/api/conferences/{w.conference}")) == start + 1
    await api.patch(f"/api/conferences/{w.conference}/sites/{w.cs_hq}", {"role": "remote"})
    await api.patch(f"/api/conferences/{w.conference}/sites/{w.cs_qk3}", {"role": "host"})
    assert seq(await api.get(f"/api/conferences/{w.conference}")) == start + 3


async def test_delegate_feed_is_a_secret_link_with_attendee_personal_page_and_their_own_site(api):
    w = await world_with_agenda(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    link = await api.get(f"/api/delegates/{w.delegates['ngoc']}/calendar-feed")
    assert link["webcal"].startswith("webcal://") and link["url"].endswith(".ics")
    path = link["url"].split("://", 1)[1].split("/", 1)[1]
    r = await api.client.get("/" + path)  # calendar apps send no credentials
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = parse_ics(r.content)
    event = cal.event(f"conference-{w.conference}@bridgepoint")
    assert str(event["LOCATION"]) == "Điểm cầu Quân khu 3, Hải Phòng"
    attendee = event["ATTENDEE"]
    assert attendee.params["CN"] == "Nguyễn Quang Ngọc" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert "/p/" in str(event["URL"]) and str(event["URL"]).endswith("/agenda")
    assert "phần phát biểu của đồng chí" in str(event["DESCRIPTION"])
    assert cal.v_event(f"conference-{w.conference}@bridgepoint").attendee.params["CN"] == ["Nguyễn Quang Ngọc"]


async def test_revoking_a_delegate_feed_invalidates_every_earlier_link(api):
    w = await make_world(api)
    old = (await api.get(f"/api/delegates/{w.delegates['vinh']}/calendar-feed"))["url"]
    new = (await api.post(f"/api/delegates/{w.delegates['vinh']}/calendar-feed/revoke", expect=200))["url"]
    assert new != old
    old_path, new_path = ("/" + u.split("://", 1)[1].split("/", 1)[1] for u in (old, new))
    assert (await api.client.get(old_path)).status_code == 404
    assert (await api.client.get(new_path)).status_code == 200
    forged = await api.client.get("/ical/delegates/AAAA" + "B" * 90 + ".ics")
    assert forged.status_code == 404 and forged.json()["code"] == "invalid_feed"


async def test_a_withdrawn_seat_stays_in_the_delegate_feed_as_cancelled(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    url = (await api.get(f"/api/delegates/{w.delegates['ngoc']}/calendar-feed"))["url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    uid = f"conference-{w.conference}@bridgepoint"
    before = parse_ics((await api.client.get(path)).content).event(uid)
    deputy = await api.post("/api/delegates", {"full_name": "Phùng Sĩ Tấn"})
    await api.post(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/substitute",
                   {"delegate_id": deputy["id"]})
    after = parse_ics((await api.client.get(path)).content).event(uid)
    assert str(after["STATUS"]) == "CANCELLED" and int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert "URL" not in after  # the personal page of a withdrawn seat no longer opens


async def test_drafts_stay_out_of_delegate_and_site_feeds(api):
    w = await make_world(api)
    url = (await api.get(f"/api/delegates/{w.delegates['vinh']}/calendar-feed"))["url"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert parse_ics((await api.client.get(path)).content).events == []
    assert (await feed(api, f"/api/sites/{w.hq}/calendar.ics")).events == []
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    assert len(parse_ics((await api.client.get(path)).content).events) == 1


async def test_site_feed_places_each_conference_at_that_site(api):
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    await api.user("op", "operator", sites=[w.qk3])
    cal = await feed(api, f"/api/sites/{w.qk3}/calendar.ics", who="op")
    event = cal.event(f"conference-{w.conference}@bridgepoint")
    assert str(event["LOCATION"]) == "Điểm cầu Quân khu 3, Hải Phòng"
    assert "Điểm cầu chính: Hội trường Bộ Quốc phòng" in str(event["DESCRIPTION"])


async def test_organizer_feed_lists_the_conferences_a_user_manages(api):
    w = await make_world(api)
    await api.user("chair", "chair")
    chair_id = await api.user_id("chair")
    other = await api.post("/api/conferences", {"title": "Giao ban", "starts_at": iso(T0 + timedelta(days=3)),
                                                 "ends_at": iso(T0 + timedelta(days=3, hours=1))})
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [chair_id]})
    cal = await feed(api, f"/api/organizers/{chair_id}/calendar.ics", who="chair")
    assert [str(e["UID"]) for e in cal.events] == [f"conference-{w.conference}@bridgepoint"]
    assert f"conference-{other['id']}@bridgepoint" not in {str(e["UID"]) for e in cal.events}
    assert str(cal.ical["X-WR-CALNAME"]) == "chair"


async def test_feed_refresh_hint_and_times_outside_the_default_zone(api):
    w = await make_world(api)
    await api.patch(f"/api/conferences/{w.conference}", {"timezone": "Europe/Berlin"})
    cal = await feed(api, f"/api/conferences/{w.conference}/calendar.ics")
    event = cal.event(f"conference-{w.conference}@bridgepoint")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == T0 and event.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert [tz["TZID"] for tz in cal.ical.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert cal.ical["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert isinstance(cal.v_event(f"conference-{w.conference}@bridgepoint").dtstart.value, datetime)
