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


# ---- no 500 from any date (item 6) ----
from datetime import datetime as _dt, timedelta as _td, timezone as _tz  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

MOMENTS = st.datetimes(min_value=_dt(1, 1, 2), max_value=_dt(9999, 12, 30), timezones=st.timezones())
ZONES = st.sampled_from(["Asia/Ho_Chi_Minh", "UTC", "Pacific/Kiritimati", "America/Adak", "Asia/Kathmandu"])


def _in_range(moment: _dt) -> bool:
    return _dt(2000, 1, 1, tzinfo=_tz.utc) <= moment.astimezone(_tz.utc) < _dt(2101, 1, 1, tzinfo=_tz.utc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=MOMENTS, zone=ZONES)
async def test_any_date_in_any_zone_is_accepted_in_range_and_422_outside(api: Api, moment: _dt, zone: str) -> None:
    try:
        ends = moment + _td(hours=2)
    except OverflowError:
        return
    body = {"title": "Hội nghị", "starts_at": moment.isoformat(), "ends_at": ends.isoformat(), "timezone": zone}
    r = await api.call("POST", "/api/conferences", json=body)
    assert r.status_code < 500, r.text
    if r.status_code == 201:
        assert _in_range(moment) and _in_range(ends)
        conf = r.json()["id"]
        assert (await api.call("GET", f"/api/conferences/{conf}")).status_code == 200
        assert (await api.call("GET", f"/api/conferences/{conf}/calendar.ics")).status_code == 200
        assert (await api.call("GET", f"/api/conferences/{conf}/checkin/offline-kit")).status_code < 500
    elif r.status_code == 422:
        assert r.json()["code"] in ("date_out_of_range", "invalid_timezone") and r.json()["field"], r.text
        if r.json()["code"] == "date_out_of_range":
            assert not (_in_range(moment) and _in_range(ends))
    else:  # an offset msgspec cannot read (+07:06:40): a 400 naming the field
        assert r.status_code == 400 and r.json()["code"] == "invalid_input", r.text
    for query in ({"from": moment.isoformat()}, {"to": moment.isoformat()}):
        r = await api.call("GET", "/api/conferences", params=query)
        assert r.status_code in (200, 400, 422), r.text
        assert (r.status_code == 200) == _in_range(moment) or r.status_code == 400, (query, r.text)
    r = await api.call("GET", "/api/audit", params={"since": moment.isoformat()})
    assert r.status_code < 500, r.text


async def test_an_ancient_scan_time_or_a_year_418_conference_is_a_422_naming_the_field(api: Api) -> None:
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    r = await api.call("POST", f"/api/conferences/{w.conference}/checkin/offline", json={"scans": [{
        "text": "BPAAAA", "nonce": "desk-1:000001", "scanned_at": "0003-01-01T00:00:00Z",
        "conference_site_id": w.cs_qk3}]})
    assert r.status_code == 422 and r.json()["code"] == "date_out_of_range" and r.json()["field"] == "scanned_at", \
        r.text
    r = await api.call("POST", "/api/conferences", json={"title": "Năm 418", "starts_at": "0418-05-01T08:00:00+07:00",
                                                        "ends_at": "0418-05-01T10:00:00+07:00"})
    assert r.status_code == 422 and r.json()["field"] == "starts_at"
    r = await api.call("PATCH", f"/api/conferences/{w.conference}", json={"ends_at": "2101-01-01T10:00:00+07:00"})
    assert r.status_code == 422 and r.json()["field"] == "ends_at"
    r = await api.call("GET", "/api/conferences?to=-2.8e-173")
    assert r.status_code in (400, 422) and r.json()["field"] == "to", r.text


# ---- an exact contract (item 11) ----
async def test_the_openapi_document_declares_problems_media_types_and_closed_bodies(api: Api) -> None:
    spec = await api.get("/schema/openapi.json", who=None)
    problem = "application/problem+json"
    ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
           if method in ("get", "post", "put", "patch", "delete")]
    assert len(ops) > 100
    for path, method, op in ops:
        codes = op["responses"]
        for code in ("400", "422", "404"):
            if path == "/health":
                continue
            page = path.startswith("/p/") and not path.endswith(".png")  # the delegate's pages answer pages
            assert ("text/html" if page else problem) in codes[code]["content"], (path, method, code)
        if path.startswith("/api/") and not path.startswith("/api/auth/login"):
            assert "401" in codes and "403" in codes, (path, method)
        if method != "get":
            assert "409" in codes, (path, method)
    by_id = {op["operationId"]: (path, op) for path, _, op in ops}
    assert "429" in by_id["login"][1]["responses"]
    assert "text/calendar" in by_id["conferenceCalendar"][1]["responses"]["200"]["content"]
    assert "text/calendar" in by_id["delegateCalendarFeed"][1]["responses"]["200"]["content"]
    assert "image/png" in by_id["getPassPng"][1]["responses"]["200"]["content"]
    assert "image/svg+xml" in by_id["getPassSvg"][1]["responses"]["200"]["content"]
    assert any(kind == "application/pdf" for _, op in by_id.values()
               for kind in op["responses"].get("200", {}).get("content", {}))
    schemas = spec["components"]["schemas"]
    assert schemas["ConferenceCreate"]["additionalProperties"] is False
    assert schemas["LoginIn"]["additionalProperties"] is False
    assert schemas["ConferenceOut"].get("additionalProperties") is not False


async def test_feeds_405_and_bad_query_values_answer_exactly(api: Api) -> None:
    w = await make_world(api)
    r = await api.call("GET", f"/api/conferences/{w.conference}/calendar.ics", expect=200)
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["cache-control"] == "private, no-store"
    url = (await api.get(f"/api/delegates/{w.delegates['ngoc']}/calendar-feed"))["url"]
    r = await api.client.get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert r.status_code == 200 and r.headers["content-type"].count("charset") == 1
    assert r.headers["cache-control"] == "private, no-store"
    r = await api.call("DELETE", "/health")
    assert r.status_code == 405 and "GET" in r.headers["allow"] and r.json()["code"] == "method_not_allowed"
    for query in ("limit=abc", "limit=0", "site_id=-1", "site_id=1.5", "to=-2.8e-173", "from=yesterday"):
        r = await api.call("GET", f"/api/conferences?{query}")
        assert r.status_code == 422 and r.json()["field"] in query, (query, r.text)


async def test_the_sub_resources_of_a_deleted_point_are_404(api: Api) -> None:
    site = (await api.post("/api/sites", {"code": "DC-XOA", "name": "Điểm cầu tạm"}))["id"]
    await api.call("DELETE", f"/api/sites/{site}", expect=200)
    for sub in ("", "/calendar.ics", "/notices"):
        r = await api.call("GET", f"/api/sites/{site}{sub}")
        assert r.status_code == 404 and r.json()["code"] == "site_not_found", (sub, r.text)
