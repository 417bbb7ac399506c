"""Staff subscribe their calendar apps to secret, revocable URLs: an operator to their bridge sites, organizers and
chairs to the conferences they manage. A feed shows what its owner may see when it is fetched."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain.models import AuditEntry
from tests.support.factories import make_world
from tests.support.mail import parse_ics


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def _fetch(api: Any, url: str, expect: int = 200) -> Any:
    r = await api.call("GET", _path(url), None, expect=expect)  # no credentials: the URL is the secret
    if expect != 200:
        return r.json()
    assert r.headers["content-type"].startswith("text/calendar")
    return parse_ics(r.content)


async def _world(api: Any) -> Any:
    w = await make_world(api)
    await api.post(f"/api/conferences/{w.conference}/schedule", expect=200)
    await api.user("op", "operator", sites=[w.qk3])
    await api.user("chair", "chair")
    await api.user("viewer", "viewer")
    await api.patch(f"/api/conferences/{w.conference}", {"manager_ids": [await api.user_id("chair")]})
    return w


async def test_each_role_gets_its_own_feeds_and_a_calendar_app_reads_them_without_logging_in(api: Any) -> None:
    w = await _world(api)
    [site] = (await api.get("/api/me/calendar-feeds", who="op"))["items"]
    assert (site["kind"], site["target_id"]) == ("site", w.qk3)
    assert site["webcal"] == "webcal://" + site["url"].split("://", 1)[1]
    cal = await _fetch(api, site["url"])
    assert cal.event(f"conference-{w.conference}@bridgepoint")
    [mine] = (await api.get("/api/me/calendar-feeds", who="chair"))["items"]
    assert (mine["kind"], mine["target_id"]) == ("organizer", await api.user_id("chair"))
    assert (await _fetch(api, mine["url"])).event(f"conference-{w.conference}@bridgepoint")
    [org] = (await api.get("/api/me/calendar-feeds", who="org"))["items"]
    assert org["kind"] == "organizer"
    assert (await api.get("/api/me/calendar-feeds", who="viewer"))["items"] == []


async def test_revoking_invalidates_every_earlier_url_and_is_audited(api: Any) -> None:
    w = await _world(api)
    [old] = (await api.get("/api/me/calendar-feeds", who="op"))["items"]
    [new] = (await api.post("/api/me/calendar-feeds/revoke", who="op", expect=200))["items"]
    assert new["url"] != old["url"]
    assert (await _fetch(api, old["url"], expect=404))["code"] == "invalid_feed"
    assert (await _fetch(api, new["url"])).event(f"conference-{w.conference}@bridgepoint")
    async with api.sessionmaker() as s:
        actions = (await s.scalars(select(AuditEntry.action).where(AuditEntry.actor_user_id ==
                                                                   await api.user_id("op")))).all()
    assert "user.feed_revoked" in actions


async def test_a_feed_follows_its_owners_rights_when_it_is_fetched(api: Any) -> None:
    w = await _world(api)
    [site] = (await api.get("/api/me/calendar-feeds", who="op"))["items"]
    op_id = await api.user_id("op")
    await api.user("admin", "admin")
    await api.patch(f"/api/users/{op_id}", {"site_ids": [w.other_site]}, who="admin")
    assert (await _fetch(api, site["url"], expect=403))["code"] == "not_site_operator"
    await api.patch(f"/api/users/{op_id}", {"site_ids": [w.qk3]}, who="admin")
    await _fetch(api, site["url"])
    await api.patch(f"/api/users/{op_id}", {"active": False}, who="admin")
    assert (await _fetch(api, site["url"], expect=404))["code"] == "invalid_feed"


async def test_forged_and_foreign_tokens_are_refused(api: Any) -> None:
    w = await _world(api)
    [site] = (await api.get("/api/me/calendar-feeds", who="op"))["items"]
    token = site["url"].rsplit("/", 1)[1].removesuffix(".ics")
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert (await api.call("GET", f"/ical/staff/{forged}.ics", None, expect=404)).json()["code"] == "invalid_feed"
    delegate_feed = (await api.get(f"/api/delegates/{w.delegates['ngoc']}/calendar-feed"))["url"]
    foreign = delegate_feed.rsplit("/", 1)[1]
    assert (await api.call("GET", f"/ical/staff/{foreign}", None, expect=404)).json()["code"] == "invalid_feed"
    r = await api.client.get("/api/me/calendar-feeds", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401  # a feed secret opens the feed, nothing else
    link = (await api.get(f"/api/conferences/{w.conference}/invitations/{w.invitations['ngoc']}/pass"))
    delegate = link["personal_link"].rsplit("/", 1)[1]
    r = await api.client.get("/api/me/calendar-feeds", headers={"Authorization": f"Bearer {delegate}"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden_role"
