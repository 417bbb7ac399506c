"""Hardening (issue 13): personal links only to organizers, every date in a sane range, busy rules on real
times, and the API contract's details (feeds' headers, 405 with Allow, bad query values)."""
from __future__ import annotations

from tests.conftest import Api
from tests.support.factories import make_world


async def test_only_organizers_and_the_delegate_receive_the_personal_link(api: Api) -> None:
    w = await make_world(api)
    await api.user("op3", "operator", sites=[w.qk3])
    url = f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/pass"  # at the operator's point
    staff = await api.get(url)
    assert staff["personal_link"].startswith("http") and "/p/" in staff["personal_link"]
    seen = await api.call("GET", url, "op3")
    assert seen.status_code == 200, seen.text
    assert seen.json()["personal_link"] is None and seen.json()["token"].startswith("BP")
    token = (await api.get(url))["personal_link"].rsplit("/p/", 1)[1]
    own = await api.client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200 and own.json()["personal_link"].endswith(token)


async def test_an_ended_conference_frees_its_points_from_its_real_end(api: Api) -> None:
    from datetime import timedelta

    from tests.support.factories import T0, iso

    w = await make_world(api)
    c = w.conference
    late = {"title": "Giao ban đột xuất", "starts_at": iso(T0 + timedelta(hours=1)),
            "ends_at": iso(T0 + timedelta(hours=2)), "host_site_id": w.hq}
    r = await api.call("POST", "/api/conferences", json=late)
    assert r.status_code == 409 and r.json()["code"] == "site_busy"  # the planned window still holds the hall
    before = (await api.get(f"/api/conferences/{c}"))["sequence"]
    for action in ("schedule", "start", "end"):
        await api.post(f"/api/conferences/{c}/{action}", expect=200)
    ended = await api.get(f"/api/conferences/{c}")
    assert ended["started_at"] and ended["ended_at"] and ended["sequence"] > before
    await api.post("/api/conferences", late)  # it really ended (now, before its planned start): the hall is free
    ics = (await api.call("GET", f"/api/conferences/{c}/calendar.ics", expect=200)).text
    assert f"SEQUENCE:{ended['sequence']}" in ics
    real_start = ended["started_at"][:16].replace("-", "").replace(":", "")  # 2026-11-30T15:26 → 20261130T1526
    assert f"DTSTART;TZID=Asia/Ho_Chi_Minh:{real_start}" in ics, ics  # not the planned 20261218T0800
    assert "DTEND;TZID=Asia/Ho_Chi_Minh:20261218T1130" not in ics


async def test_starting_checks_that_no_point_is_live_elsewhere(api: Api) -> None:
    from datetime import timedelta

    from tests.support.factories import T0, iso

    w = await make_world(api)
    await api.user("root", "admin")
    other = (await api.post("/api/conferences", {
        "title": "Tập huấn chuyển đổi số", "starts_at": iso(T0 + timedelta(days=2)),
        "ends_at": iso(T0 + timedelta(days=2, hours=2)), "host_site_id": w.other_site}))["id"]
    await api.post(f"/api/conferences/{other}/sites", {"site_id": w.qk3})
    for conf in (w.conference, other):
        await api.post(f"/api/conferences/{conf}/schedule", expect=200)
    await api.post(f"/api/conferences/{w.conference}/start", expect=200)
    r = await api.call("POST", f"/api/conferences/{other}/start")
    assert r.status_code == 409 and r.json()["code"] == "site_busy"
    assert r.json()["conflicting_conference"]["id"] == w.conference
    r = await api.call("POST", f"/api/conferences/{other}/start?override=true")  # only an administrator may
    assert r.status_code == 409
    r = await api.call("POST", f"/api/conferences/{other}/start?override=true", "root")
    assert r.status_code == 200 and r.json()["status"] == "live"
    audit = await api.get(f"/api/audit?conference_id={other}", who="root")
    assert any(e["action"] == "conference.start_overridden" for e in audit["items"])
