"""The delegate's own pages behind the personal link (no sign-in), in a real browser: the pass and the personal
agenda open in the delegate's language, the switch shows the other one, nothing breaks the strict CSP, and
axe-core finds no serious violation. The data is our own: a conference 60+ days ahead with a unique title, an
English-speaking delegate invited to it (the demo's conferences are not changed)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.browser.conftest import DEMO_PASSWORDS, PHONE, axe_serious, shoot

_LINK: dict[str, str] = {}


def _personal_link(base: str) -> str:
    """An English-speaking delegate invited to a new conference (made through the API, once per session)."""
    if "token" in _LINK:
        return _LINK["token"]
    with httpx.Client(base_url=base, timeout=30) as c:
        token = c.post("/api/auth/login", json={"username": "vanphong",
                                               "password": DEMO_PASSWORDS["vanphong"]}).json()["access_token"]
        c.headers["Authorization"] = f"Bearer {token}"
        sites = c.get("/api/sites", params={"limit": 200}).json()["items"]
        host, remote = sites[-1], sites[-2]
        tag = uuid.uuid4().hex[:6]
        start = datetime.now(timezone.utc).replace(hour=7, minute=0, second=0, microsecond=0) + timedelta(days=67)
        conf = c.post("/api/conferences", json={
            "title": f"Personal pages check {tag}", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "host_site_id": host["id"]})
        assert conf.status_code == 201, conf.text
        cid = conf.json()["id"]
        cs = c.post(f"/api/conferences/{cid}/sites", json={"site_id": remote["id"]})
        assert cs.status_code == 201, cs.text
        c.post(f"/api/conferences/{cid}/agenda", json={"kind": "opening", "title": "Opening remarks",
                                                       "duration_minutes": 10}).raise_for_status()
        delegate = c.post("/api/delegates", json={"full_name": f"John Smith {tag}", "rank": "Colonel",
                                                  "position": "Liaison officer", "locale": "en"})
        assert delegate.status_code == 201, delegate.text
        inv = c.post(f"/api/conferences/{cid}/invitations", json={"delegate_id": delegate.json()["id"],
                                                                  "conference_site_id": cs.json()["id"]})
        assert inv.status_code == 201, inv.text
        link = c.get(f"/api/conferences/{cid}/invitations/{inv.json()['id']}/pass").json()["personal_link"]
    _LINK["token"] = link.rsplit("/p/", 1)[1]
    return _LINK["token"]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_delegates_pages_open_in_their_language_and_switch(page: Any, live_server: str, viewport: str) -> None:
    token = _personal_link(live_server)
    if viewport == "phone":
        page.set_viewport_size(PHONE)

    page.goto(f"/p/{token}")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".pass header").inner_text().strip().lower() == "delegate pass"
    assert page.locator(".pass img").is_visible()
    assert page.locator(".pass").evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"  # personal.css
    assert not axe_serious(page)
    shoot(page, f"personal-pass-en-{viewport}")

    page.click("nav.lang a[lang=vi]")
    page.wait_for_function("document.documentElement.lang === 'vi'")
    assert page.locator(".pass header").inner_text().strip().lower() == "thẻ đại biểu"
    assert not axe_serious(page)
    shoot(page, f"personal-pass-vi-{viewport}")

    page.click("nav.more a")  # the agenda, still in the language chosen
    page.wait_for_url(f"**/p/{token}/agenda?lang=vi")
    assert page.locator("h2.subhead").first.inner_text() == "Chương trình"
    assert page.get_by_text("Opening remarks").is_visible()
    assert not axe_serious(page)
    shoot(page, f"personal-agenda-vi-{viewport}")

    page.click("nav.lang a[lang=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("h2.subhead").first.inner_text() == "Agenda"
    assert page.locator("tr.own").count() == 0 and page.locator("table.facts").is_visible()
    assert not axe_serious(page)
    shoot(page, f"personal-agenda-en-{viewport}")
