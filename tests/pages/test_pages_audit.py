"""The audit log pages (organizers only) and the filters of GET /api/audit: who, what, conference, point, time."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from api.pages import audit as audit_pages
from domain.db import utcnow
from domain.models import AuditEntry
from tests.support.factories import World, make_world
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import browser, sign_in
from tests.platform.test_role_matrix import _world_for_matrix

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer"]


def actions(html: str) -> list[str]:
    """The action codes of the entries shown, in order."""
    return re.findall(r'<code class="muted">([a-z_.]+)</code>', html)


async def test_the_audit_pages_are_for_organizers_only(api: Any) -> None:
    w = await _world_for_matrix(api)
    walk = Walk(routes_of(api.app, modules_of(audit_pages.ROUTES)), html_errors=True)
    staff = {"anon": 303, "admin": 200, "org": 200, "chair": 403, "op": 403, "op_out": 403, "viewer": 403}
    for role in ROLES:
        b = browser(api, "en") if role == "anon" else await sign_in(api, role, "en")
        for path in ("/audit", f"/conferences/{w.conference}/audit", "/audit?since=2026-01-01&action=checkin."):
            walk.check("GET", path, path, role, await b.get(path, expect=None), staff[role])
        await b.aclose()
    walk.assert_complete("audit pages")
    b = await sign_in(api, "org", "en")
    await b.get("/conferences/999/audit", expect=404)
    await b.aclose()


async def _log(api: Any) -> World:
    """A conference with points, invitations, an agenda and a second conference: a log to filter."""
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "opening", "title": "Khai mạc"})
    other = await api.post("/api/conferences", {"title": "Giao ban trực tuyến tháng Mười Hai",
                                                "starts_at": "2027-01-05T08:00:00+07:00",
                                                "ends_at": "2027-01-05T10:00:00+07:00", "host_site_id": w.other_site})
    w.other_conference = other["id"]  # type: ignore[attr-defined]
    await api.user("thuha", "organizer")
    await api.user("boss", "admin")
    await api.patch(f"/api/users/{await api.user_id('thuha')}", {"display_name": "Đặng Thu Hà"}, who="boss")
    await api.post(f"/api/conferences/{other['id']}/agenda", {"kind": "opening", "title": "Khai mạc"}, who="thuha")
    return w


async def test_the_log_filters_by_who_what_conference_point_and_time(api: Any) -> None:
    w = await _log(api)
    b = await sign_in(api, "org", "en")
    everything = await b.get("/audit")
    shown = actions(everything.text)
    assert "conference.created" in shown and "agenda.item_added" in shown and "invitation.created" in shown
    assert "Agenda item added" in everything.text and "Giao ban trực tuyến tháng Mười Hai" in everything.text
    # who: part of the name, without diacritics
    r = await b.get("/audit?who=dang%20thu%20ha")
    assert actions(r.text) == ["agenda.item_added"] and "1 entry" in r.text
    # what: one action, or a family
    r = await b.get("/audit?action=conference.created")
    assert set(actions(r.text)) == {"conference.created"} and "2 entries" in r.text
    r = await b.get("/audit?action=agenda.")
    assert set(actions(r.text)) == {"agenda.item_added"} and "2 entries" in r.text
    # conference: part of its title, diacritic-blind; or by id through a row's link
    r = await b.get("/audit?conference=giao%20ban%20truc%20tuyen")
    assert set(actions(r.text)) == {"conference.created", "agenda.item_added"}
    r = await b.get(f"/audit?conference_id={w.conference}&action=agenda.item_added")
    assert "1 entry" in r.text and "Hội nghị tổng kết" in r.text
    # point
    r = await b.get("/audit?point=quan%20khu%203")
    assert set(actions(r.text)) == {"conference_site.added"}
    # time: the entries of the first conference moved a day back
    async with api.sessionmaker() as s:
        await s.execute(update(AuditEntry).where(AuditEntry.conference_id == w.conference)
                        .values(at=utcnow() - timedelta(days=1)))
        await s.commit()
    today = utcnow() + timedelta(hours=7)
    r = await b.get(f"/audit?since={today:%Y-%m-%d}&conference=hoi%20nghi")
    assert "0 entries" in r.text and "No entry matches these filters." in r.text
    yesterday = today - timedelta(days=1)
    r = await b.get(f"/audit?since={yesterday:%Y-%m-%d}T00:00&until={today:%Y-%m-%d}T00:00")
    assert actions(r.text) and all(a != "user.signed_in" for a in actions(r.text))
    assert "Giao ban trực tuyến" not in r.text
    # the filters are kept in the form and in the pager
    assert f'value="{yesterday:%Y-%m-%d}T00:00"' in r.text
    await b.aclose()


async def test_a_bad_time_is_shown_at_its_field(api: Any) -> None:
    await _log(api)
    b = await sign_in(api, "org", "en")
    r = await b.get("/audit?since=hôm%20qua", expect=422)
    assert 'id="e-since" class="error"' in r.text and actions(r.text)  # the other filters still apply
    r = await b.get("/audit?since=2026-12-18T10:00&until=2026-12-18T09:00", expect=422)
    assert 'id="e-until" class="error"' in r.text
    await b.aclose()


async def test_the_log_pages_on_the_server(api: Any) -> None:
    w = await _log(api)
    for n in range(60):
        await api.post(f"/api/conferences/{w.conference}/agenda", {"kind": "discussion", "title": f"Tham luận {n}"})
    b = await sign_in(api, "org", "en")
    first = await b.get("/audit?action=agenda.item_added")
    assert len(actions(first.text)) == 50 and "1–50 of 62" in first.text
    nxt = re.search(r'href="(\?[^"]*offset=50[^"]*)" rel="next"', first.text).group(1)
    second = await b.get("/audit" + nxt.replace("&amp;", "&"))
    assert len(actions(second.text)) == 12 and "51–62 of 62" in second.text
    await b.aclose()


async def test_a_conferences_tab_shows_only_its_entries(api: Any) -> None:
    w = await _log(api)
    b = await sign_in(api, "org", "vi")
    r = await b.get(f"/conferences/{w.conference}/audit")
    assert "Giao ban trực tuyến" not in r.text and 'aria-current="page"' in r.text
    assert "Đã thêm mục chương trình" in r.text  # the action's name in Vietnamese
    r = await b.get(f"/conferences/{w.conference}/audit?action=conference_site.added&conference_id={w.other_conference}")  # type: ignore[attr-defined]
    assert set(actions(r.text)) == {"conference_site.added"}  # the tab's conference wins
    await b.aclose()


async def test_the_json_endpoint_takes_the_same_filters(api: Any) -> None:
    w = await _log(api)
    uid = await api.user_id("thuha")
    r = await api.get("/api/audit", params={"actor_user_id": uid})
    assert [e["action"] for e in r["items"]] == ["agenda.item_added"]
    r = await api.get("/api/audit", params={"actor": "dang thu"})
    assert r["total"] == 1
    r = await api.get("/api/audit", params={"action": "conference.", "conference": "tong ket"})
    assert [e["action"] for e in r["items"]] == ["conference.created"] and r["items"][0]["conference_id"] == w.conference
    r = await api.get("/api/audit", params={"site": "DC-QK3"})
    assert {e["action"] for e in r["items"]} == {"conference_site.added"}
    r = await api.get("/api/audit", params={"since": "2001-01-01T00:00:00+07:00", "until": "2001-01-02T00:00:00+07:00"})
    assert r["total"] == 0
    r = await api.call("GET", "/api/audit", params={"since": "2026-01-01T00:00:00"})
    assert r.status_code == 422 and r.json()["field"] == "since"
    r = await api.call("GET", "/api/audit", params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["code"] == "ends_before_starts"
    await api.user("op", "operator")
    await api.get("/api/audit", who="op", expect=403)
