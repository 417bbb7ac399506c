"""The agenda editor, the conclusions and the audit log in a real browser, in both languages, phone and desktop:
five items added through the form (a presenter picked by a search without accents), one dragged to another place,
one moved with the keyboard, planned times following; a notice with a small attachment; the audit log filtered."""
from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.text import fold
from tests.browser.conftest import DEMO_PASSWORDS, PHONE, axe_serious, shoot, sign_in

DESKTOP = {"width": 1366, "height": 900}
ITEMS = [("opening", "Khai mạc hội nghị", 10), ("report", "Báo cáo tổng kết công tác năm", 30),
         ("discussion", "Tham luận của đơn vị", 15), ("break", "Giải lao", 15), ("conclusion", "Kết luận hội nghị", 20)]
TEXT = {
    "vi": {"saved": "Đã lưu thứ tự mới.", "published": "Đã phát hành thông báo kết luận", "acked": "0/1 điểm cầu đã xác nhận",
           "reordered": "Đã sắp xếp lại chương trình", "family": "Tất cả: Chương trình"},
    "en": {"saved": "The new order was saved.", "published": "The conclusions were published", "acked": "0 of 1 points acknowledged",
           "reordered": "Agenda reordered", "family": "All: Agenda"},
}


class Setup:
    """A conference of our own through the API: ≥ 60 days ahead on a random day, one point, four invitations."""

    def __init__(self, page: Any, base: str) -> None:
        login = page.request.post(f"{base}/api/auth/login",
                                  data={"username": "vanphong", "password": DEMO_PASSWORDS["vanphong"]})
        self.page, self.base = page, base
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        # A point of its own: the demo's points are live in the demo's live conference, and a point live elsewhere
        # cannot start another conference (409 site_busy).
        site = self.post("/api/sites", {"code": f"AG-{uuid.uuid4().hex[:8]}", "name": "Điểm cầu kiểm thử chương trình"})
        day = date.today() + timedelta(days=random.randint(60, 3000))
        self.title = f"Hội nghị kiểm thử chương trình {uuid.uuid4().hex[:8]}"
        conf = self.post("/api/conferences", {"title": self.title, "starts_at": f"{day}T08:00:00+07:00",
                                              "ends_at": f"{day}T11:00:00+07:00", "host_site_id": site["id"]})
        self.id = conf["id"]
        cs = self.get(f"/api/conferences/{self.id}/sites")["items"][0]["id"]
        delegates = self.get(f"/api/delegates?limit=4&offset={random.randint(0, 900)}")["items"]
        self.invitations = [self.post(f"/api/conferences/{self.id}/invitations", {
            "delegate_id": d["id"], "conference_site_id": cs})["id"] for d in delegates]
        self.presenter, self.presenter_invitation = delegates[1]["full_name"], self.invitations[1]

    def get(self, path: str) -> Any:
        r = self.page.request.get(self.base + path, headers=self.headers)
        assert r.ok, r.text()
        return r.json()

    def post(self, path: str, body: Any = None) -> Any:
        r = self.page.request.post(self.base + path, headers=self.headers, data=body)
        assert r.ok, r.text()
        return r.json() if r.body() else None


def _titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#agenda-list li.agenda-item .title strong").all_inner_texts()]


def _starts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#agenda-list li.agenda-item .when time:first-of-type").all_inner_texts()]


def _both_sizes(page: Any, name: str) -> None:
    page.set_viewport_size(PHONE)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    shoot(page, f"{name}-desktop")


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_builds_the_agenda_publishes_conclusions_and_reads_the_log(page: Any, live_server: str,
                                                                               locale: str) -> None:
    s = Setup(page, live_server)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "vanphong", locale)
    page.goto(f"/conferences/{s.id}/agenda")
    assert not axe_serious(page)

    # five items through the form; the report's presenter found without typing the accents
    for kind, title, minutes in ITEMS:
        page.select_option("#f-kind", kind)
        page.fill("#f-title", title)
        page.fill("#f-duration_minutes", str(minutes))
        if kind == "report":
            page.fill("#presenter-q", fold(s.presenter))
            choice = page.locator("#presenter-choices label.choice",
                                  has=page.locator(f"input[value='{s.presenter_invitation}']"))
            choice.wait_for()
            assert s.presenter in choice.inner_text()
            choice.locator("input").check()
        page.locator("form.agenda-form button.primary").click()
        page.wait_for_load_state()
        page.locator("#agenda-list li.agenda-item .title strong", has_text=title).wait_for()
    assert _titles(page) == [t for _, t, _ in ITEMS]
    assert _starts(page) == ["08:00", "08:10", "08:40", "08:55", "09:10"]
    assert s.presenter in page.locator("#agenda-list li.agenda-item").nth(1).inner_text()

    page.evaluate("() => window.scrollTo(0, 0)")  # both items in view: a scroll in the middle of a drag ends it
    # drag the break (4th) above the discussion (3rd): the order is saved, the times follow
    page.locator("#agenda-list li.agenda-item").nth(3).drag_to(
        page.locator("#agenda-list li.agenda-item").nth(2), target_position={"x": 40, "y": 4})
    expect(page.locator("#agenda-status")).to_have_text(TEXT[locale]["saved"])
    order = [ITEMS[0][1], ITEMS[1][1], ITEMS[3][1], ITEMS[2][1], ITEMS[4][1]]
    assert _titles(page) == order
    assert _starts(page) == ["08:00", "08:10", "08:40", "08:55", "09:10"]
    page.reload()
    assert _titles(page) == order  # on the server, not only on the screen

    # with the keyboard: the opening goes down one place; the focus stays on the moved item's button
    down = page.locator("#agenda-list li.agenda-item").nth(0).locator("button.move").nth(1)
    down.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#agenda-list li.agenda-item .title strong").first).to_have_text(ITEMS[1][1])
    assert _titles(page) == [order[1], order[0], *order[2:]]
    assert _starts(page) == ["08:00", "08:30", "08:40", "08:55", "09:10"]
    focused = page.locator("#agenda-list li.agenda-item", has=page.locator("button.move:focus"))
    expect(focused).to_have_count(1)
    assert ITEMS[0][1] in focused.inner_text()
    assert not axe_serious(page)
    _both_sizes(page, f"agenda-editor-{locale}")

    # conclusions, once the conference has ended: a notice with a small attachment
    for action in ("schedule", "start", "end"):
        s.post(f"/api/conferences/{s.id}/{action}")
    page.goto(f"/conferences/{s.id}/notices")
    assert not axe_serious(page)
    page.fill("#f-title", "Thông báo kết luận của Thủ trưởng Bộ")
    page.fill("#f-body", "1. Đánh giá kết quả công tác năm.\n2. Nhiệm vụ trọng tâm năm tới.")
    page.set_input_files("#f-attachment", files=[{"name": "ket-luan.pdf", "mimeType": "application/pdf",
                                                  "buffer": b"%PDF-1.4\n% ket luan\n"}])
    page.locator("form[enctype] button.primary").click()
    page.locator(".flash").wait_for()
    assert TEXT[locale]["published"] in page.locator(".flash").inner_text()
    notice = page.locator("article.notice").first
    assert "ket-luan.pdf" in notice.inner_text() and TEXT[locale]["acked"] in notice.inner_text()
    assert not axe_serious(page)
    _both_sizes(page, f"agenda-notices-{locale}")

    # the audit log: this conference's agenda actions
    page.goto("/audit")
    assert not axe_serious(page)
    page.fill("#f-conference", fold(s.title))
    page.select_option("#f-action", label=TEXT[locale]["family"])
    page.locator("form[role=search] button.primary").click()
    page.wait_for_url(re.compile(r"action=agenda\."))
    table = page.locator("table.audit").inner_text()
    assert TEXT[locale]["reordered"] in table and s.title in table
    assert page.locator("table.audit tbody tr").count() == 7  # five added, one dragged, one moved
    assert not axe_serious(page)
    _both_sizes(page, f"agenda-audit-{locale}")
    page.goto(f"/conferences/{s.id}/audit")
    assert TEXT[locale]["reordered"] in page.locator("table.audit").inner_text()
    assert not axe_serious(page)
