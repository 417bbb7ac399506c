"""The Invitations and Mail tabs in a real browser, in both languages, phone and desktop: on a conference of our own
(made through the API, months ahead, in the afternoon), an organizer invites a whole unit subtree and one delegate
found by a search without accents, cancels one invitation, sends the invitations and watches the progress bar
until every message is sent (the demo server's own sender writes them to its outbox folder)."""
from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from domain.text import fold
from tests.browser.conftest import DEMO_PASSWORDS, PHONE, axe_serious, shoot, sign_in

DESKTOP = {"width": 1366, "height": 900}
POINTS = ["DC-QK3", "DC-QK1", "DC-QCHQ"]
TEXT = {
    "vi": {"invited": r"Đã mời (\d+) đại biểu", "cancelled": "Đã hủy giấy mời", "queued": "vào hàng đợi gửi",
           "invite": "Mời đại biểu", "unit": "Mời cả đơn vị", "picked": "Mời các đại biểu đã chọn",
           "send": "Gửi giấy mời", "find_unit": "Tìm đơn vị", "find": "Tìm đại biểu", "done": "Hoàn tất"},
    "en": {"invited": r"(\d+) delegates invited", "cancelled": "The invitation was cancelled", "queued": "queued for sending",
           "invite": "Invite delegates", "unit": "Invite the unit", "picked": "Invite the selected delegates",
           "send": "Send invitations", "find_unit": "Find a unit", "find": "Find delegates", "done": "Done"},
}


class Setup:
    """A scheduled conference of our own: the host hall and three points, on a random day ≥ 20 days ahead,
    14:00–16:00 (the other browser tests' conferences are mornings), with a unique title."""

    def __init__(self, page: Any, base: str) -> None:
        login = page.request.post(f"{base}/api/auth/login",
                                  data={"username": "vanphong", "password": DEMO_PASSWORDS["vanphong"]})
        self.page, self.base = page, base
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        sites = {s["code"]: s for s in self.get("/api/sites?limit=200")["items"]}
        day = date.today() + timedelta(days=random.randint(20, 3000))
        self.title = f"Hội nghị kiểm thử giấy mời {uuid.uuid4().hex[:8]}"
        self.id = self.post("/api/conferences", {"title": self.title, "starts_at": f"{day}T14:00:00+07:00",
                                                 "ends_at": f"{day}T16:00:00+07:00",
                                                 "host_site_id": sites["HQ"]["id"]})["id"]
        for code in POINTS:
            self.post(f"/api/conferences/{self.id}/sites", {"site_id": sites[code]["id"]})
        self.post(f"/api/conferences/{self.id}/schedule")
        units = self.get("/api/units?q=QK3&limit=50")["items"]
        self.qk3 = next(u for u in units if u["code"] == "QK3")
        qk1 = next(u for u in self.get("/api/units?q=QK1&limit=50")["items"] if u["code"] == "QK1")
        self.one = random.choice(self.get(f"/api/delegates?unit_id={qk1['id']}&limit=50")["items"])

    def get(self, path: str) -> Any:
        r = self.page.request.get(self.base + path, headers=self.headers)
        assert r.ok, r.text()
        return r.json()

    def post(self, path: str, body: Any = None) -> Any:
        r = self.page.request.post(self.base + path, headers=self.headers, data=body)
        assert r.ok, r.text()
        return r.json() if r.body() else None


def _both_sizes(page: Any, name: str) -> None:
    assert not axe_serious(page), axe_serious(page)
    shoot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert not axe_serious(page), axe_serious(page)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def _invited(page: Any, locale: str) -> int:
    found = re.search(TEXT[locale]["invited"], page.locator(".result-summary").inner_text())
    assert found, page.locator(".result-summary").inner_text()
    return int(found.group(1).replace(".", "").replace(",", ""))


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_invites_cancels_and_sends_the_invitations(page: Any, live_server: str, locale: str) -> None:
    t = TEXT[locale]
    s = Setup(page, live_server)
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions
    sign_in(page, "vanphong", locale)
    page.goto(f"/conferences/{s.id}/invitations")
    assert page.locator("nav .tabs a[aria-current=page]").get_attribute("href").endswith("/invitations")
    assert not axe_serious(page)

    # a whole unit and the units under it, each at the point of their unit
    page.get_by_role("link", name=t["invite"]).click()
    page.wait_for_url("**/invitations/invite")
    page.locator("#unit-q").fill("quan khu 3")
    page.locator("#unit-q").press("Enter")
    page.wait_for_url("**unit_q=quan+khu+3**")
    page.check(f"input[name=unit_id][value='{s.qk3['id']}']")
    assert page.locator("input[name=include_subunits]").is_checked()
    _both_sizes(page, f"invitations-invite-{locale}")
    page.get_by_role("button", name=t["unit"]).click()
    page.wait_for_url("**/invitations/bulk")
    unit_count = _invited(page, locale)
    assert unit_count >= 20
    _both_sizes(page, f"invitations-result-{locale}")

    # one delegate found by a search without accents
    page.goto(f"/conferences/{s.id}/invitations/invite")
    roster = page.locator("#roster-point-q")  # a point picked with the keyboard becomes a chip, its id hidden
    roster.focus()
    roster.press_sequentially("dc-qk1", delay=20)
    page.wait_for_selector("#roster-point-list [role=option]")
    roster.press("ArrowDown")
    roster.press("Enter")
    assert page.locator("#by-roster-h ~ form .chip").count() == 1
    assert page.locator("#by-roster-h ~ form input[name=conference_site_id]").input_value() != ""
    page.locator("#by-roster-h ~ form .chip-remove").click()
    assert page.locator("#by-roster-h ~ form input[name=conference_site_id]").input_value() == ""
    assert page.evaluate("document.activeElement.id") == "roster-point-q"
    page.locator("#pick-q").fill(fold(s.one["full_name"]))
    page.locator("#pick-q").press("Enter")
    page.wait_for_url("**q=**")
    page.check(f"input[name=delegate_ids][value='{s.one['id']}']")
    page.get_by_role("button", name=t["picked"]).click()
    page.wait_for_url("**/invitations/bulk")
    assert _invited(page, locale) == 1

    # the list: every one of them, paged on the server; cancel the one found by name
    page.goto(f"/conferences/{s.id}/invitations")
    total = unit_count + 1
    assert page.locator("table.inv-table tbody tr").count() == min(total, 50)
    _both_sizes(page, f"invitations-list-{locale}")

    # the point filter: a search field (no list of every point), keyboard only; the choice is a removable chip
    combo = page.locator("#f-point-q")
    combo.focus()
    combo.press_sequentially("diem cau quan khu 3", delay=20)
    page.wait_for_selector("#f-point-list [role=option]")
    assert page.locator("select[name=point], #f-point option").count() == 0
    assert combo.get_attribute("aria-expanded") == "true"
    _both_sizes(page, f"invitations-point-search-{locale}")
    combo.press("ArrowDown")
    assert combo.get_attribute("aria-activedescendant", timeout=2000).startswith("f-point-opt-")
    with page.expect_navigation():
        combo.press("Enter")
    assert "point=" in page.url
    chip = page.locator(".point-picker .chip")
    assert "Quân khu 3" in chip.inner_text()
    rows = page.locator("table.inv-table tbody tr")
    assert 0 < rows.count() < min(total, 50) + 1
    assert all("Quân khu 3" in t for t in rows.locator("td[data-label]:nth-child(2)").all_inner_texts())
    _both_sizes(page, f"invitations-point-chip-{locale}")
    with page.expect_navigation():
        chip.locator(".chip-remove").click()
    assert "point=" not in page.url and page.locator(".point-picker .chip").count() == 0

    page.locator("#f-q").fill(fold(s.one["full_name"]))
    page.locator("#f-q").press("Enter")
    page.wait_for_url("**q=**")
    row = page.locator("table.inv-table tbody tr", has_text=s.one["full_name"])
    assert row.count() == 1
    with page.expect_navigation():
        row.locator("form[action$='/cancel'] button").click()
    assert t["cancelled"] in page.locator(".flash").inner_text()
    assert page.locator("table.inv-table tbody tr", has_text=s.one["full_name"]).locator(".pass-revoked").count() == 1

    # send the invitations and watch the progress bar reach "all sent"
    page.goto(f"/conferences/{s.id}/mail")
    assert not axe_serious(page)
    with page.expect_navigation():
        page.locator("form[action$='/mail/send'] button").click()
    assert t["queued"] in page.locator(".flash").inner_text()
    bar = page.locator("#mail-progress progress")
    # the cancelled one gets nothing, nor a delegate without an e-mail address (other browser tests add some)
    mails = int(bar.get_attribute("max"))
    assert 0 < mails <= unit_count
    page.wait_for_function(
        "n => { const p = document.querySelector('#mail-progress'); const sent = p && p.querySelector('[data-count=sent]');"
        " return p && p.dataset.busy === 'false' && sent && Number(sent.textContent.replace(/[.,\\s]/g, '')) === n; }",
        arg=mails, timeout=90_000)
    assert t["done"] in page.locator("#mail-progress .progress-label").inner_text()
    assert page.locator("#mail-progress [data-count=failed]").inner_text() == "0"
    page.reload()
    assert page.locator("table.mail-table tbody tr").count() == min(mails, 50)
    _both_sizes(page, f"mail-{locale}")
