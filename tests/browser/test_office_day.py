"""The office's whole job through the pages alone, as issue #10 asks: an organizer signs in, builds a conference of
the 48 demo points plus the host hall with ~1,000 delegates, gives it an agenda, schedules it, sends the
invitations and prints the passes of one point — in Vietnamese and in English. No API call is made by the test."""
from __future__ import annotations

import io
import random
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.conftest import shoot, sign_in

ROOT_UNIT = "Bộ Quốc phòng"


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_runs_a_48_point_conference_from_plan_to_printed_passes(page: Any, locale: str) -> None:
    page.set_default_timeout(60_000)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations (schedule, send)
    sign_in(page, "vanphong", locale)

    # 1. the wizard: a conference far enough ahead that no other test's conference overlaps it
    title = f"Hội nghị giao ban toàn quân {uuid.uuid4().hex[:6]}"
    # beyond every other browser test's days, and never the same day in both languages
    day = date.today() + timedelta(days=random.randint(1500, 3000) * 2 + (locale == "en"))
    page.goto("/conferences/new")
    page.fill("#f-title", title)
    page.fill("#f-date", day.isoformat())
    page.fill("#f-starts_at", "08:00")
    page.fill("#f-ends_at", "11:30")
    with page.expect_response(lambda r: "/conferences/host-options" in r.url):
        page.fill("#f-host_q", "HQ")
    host = page.locator("#f-host_site_id option", has_text="(HQ)").first.get_attribute("value")
    page.select_option("#f-host_site_id", value=host)
    with page.expect_navigation():
        page.click("form.conf-form button.primary")
    conf = int(re.search(r"/conferences/(\d+)", page.url).group(1))
    assert title in page.locator("h1").inner_text()

    # 2. every point under the ministry in one tick: the 48 points (the host hall is there already)
    page.goto(f"/conferences/{conf}/points")
    page.locator("#add-points .node").filter(
        has=page.locator("strong", has_text=re.compile(f"^{ROOT_UNIT}$"))).locator("input[type=checkbox]").first.check()
    page.locator("#add-points button.primary").click()
    page.locator("#points-work .result").wait_for()
    # The 48 demo points, and those other browser tests added under the ministry on the shared server.
    added = int(re.search(r"\d+", page.locator("#points-work .result").inner_text().split("\n")[2]).group())
    assert added >= 48
    listed = page.request.get(f"/api/conferences/{conf}/sites?limit=1").json()["total"]
    assert listed == added + 1  # the host hall was there already
    shoot(page, f"office-day-points-{locale}")

    # 3. invite the whole ministry: each delegate at the point of their unit
    page.goto(f"/conferences/{conf}/invitations/invite")
    page.locator("#unit-q").fill("bo quoc phong")
    page.locator("#unit-q").press("Enter")
    page.wait_for_url("**unit_q=**")
    page.locator("input[name=unit_id]").first.check()
    assert page.locator("input[name=include_subunits]").is_checked()
    with page.expect_navigation():
        page.locator("form:has(input[name=unit_id]) button.primary").first.click()
    invited = _number(page.locator(".result-summary").inner_text().split("\n")[0])
    assert 900 <= invited <= 1100, invited
    shoot(page, f"office-day-invited-{locale}")

    # 4. the agenda: opening, report, a contribution with its presenter, conclusion
    page.goto(f"/conferences/{conf}/agenda")
    for kind, item_title, minutes in (("opening", "Khai mạc", 10), ("report", "Báo cáo tổng kết công tác năm", 40),
                                      ("discussion", "Tham luận của Quân khu 3", 15),
                                      ("conclusion", "Kết luận hội nghị", 20)):
        page.select_option("#f-kind", kind)
        page.fill("#f-title", item_title)
        page.fill("#f-duration_minutes", str(minutes))
        if kind == "discussion":
            page.fill("#presenter-q", "quan khu 3")
            choice = page.locator("#presenter-choices label.choice").first
            choice.wait_for()
            choice.locator("input").check()
        page.locator("form.agenda-form button.primary").click()
        page.wait_for_load_state()
        page.locator("#agenda-list li.agenda-item .title strong", has_text=item_title).wait_for()
    agenda_text = page.locator("main").inner_text()
    assert "Kết luận hội nghị" in agenda_text and "09:05" in agenda_text  # 08:00 + 10 + 40 + 15
    shoot(page, f"office-day-agenda-{locale}")

    # 5. schedule it (confirmed), then send the invitations and watch every one go out
    page.goto(f"/conferences/{conf}")
    with page.expect_navigation():
        page.locator(f"form[action='/conferences/{conf}/actions/schedule'] button").click()
    page.goto(f"/conferences/{conf}/mail")
    with page.expect_navigation():
        page.locator("form[action$='/mail/send'] button").click()
    page.wait_for_function(
        "n => { const p = document.querySelector('#mail-progress'); const sent = p && p.querySelector('[data-count=sent]');"
        " return p && p.dataset.busy === 'false' && sent && Number(sent.textContent.replace(/[.,\\s]/g, '')) >= n; }",
        arg=invited - 60, timeout=300_000)  # delegates without an e-mail address get no mail
    assert page.locator("#mail-progress [data-count=failed]").inner_text() == "0"
    # the list of messages reloaded itself when the last one went out: none is shown as still queued
    page.wait_for_function("() => !document.querySelector('.mail-table .badge.mail-pending')")
    shoot(page, f"office-day-mail-{locale}")

    # 6. print the passes of one point: one PDF, ten cards to a page, the names with their diacritics
    page.goto(f"/conferences/{conf}/passes")
    row = page.locator("table.passes-points tr", has_text="DC-QK3")
    active = _number(row.locator("td.num").first.inner_text())
    with page.expect_download() as info:
        row.locator("a", has_text="PDF").click()
    pdf = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(pdf.pages) == -(-active // 10)
    assert "Quân khu 3" in "\n".join(p.extract_text() for p in pdf.pages)
