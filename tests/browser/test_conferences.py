"""Conferences in a real browser: the home page, list and calendar, and the wizard driven by the keyboard alone
(Tab, typing, Space, Enter; no mouse), in Vietnamese and English, with no serious accessibility violation."""
from __future__ import annotations

import random
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import PHONE, axe_serious, shoot, sign_in

DESKTOP = {"width": 1366, "height": 900}


def check_and_shoot(page: Any, name: str, locale: str) -> None:
    violations = axe_serious(page)
    assert not violations, violations
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        shoot(page, f"conferences-{name}-{locale}-{size_name}")
    page.set_viewport_size(DESKTOP)


def focused(page: Any) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def tab_to(page: Any, element_id: str, limit: int = 12) -> None:
    """Press Tab until the element has the focus (the order is the form's; a field it skips fails the test)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id} (stuck at #{focused(page)})")


def type_date(page: Any, element_id: str, day: date, previous_id: str) -> None:
    """Type a date into a focused date input. Chromium orders its fields by the browser's own language (not the
    page's), so a first try tells day-month from month-day; then back to the first field and type the date."""
    page.keyboard.type("01022003")
    order = {"2003-02-01": "%d%m%Y", "2003-01-02": "%m%d%Y"}.get(page.eval_on_selector(f"#{element_id}", "e => e.value"))
    assert order, "unknown date field order"
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        if focused(page) == previous_id:
            break
    tab_to(page, element_id)
    page.keyboard.type(day.strftime(order))
    assert page.eval_on_selector(f"#{element_id}", "e => e.value") == day.isoformat()


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_home_list_and_calendar(page: Any, locale: str) -> None:
    sign_in(page, "vanphong", locale)
    page.goto("/")
    assert page.locator("#h-live").is_visible() and page.locator("#h-todo").is_visible()
    assert page.locator("section[aria-labelledby=h-live] progress").count() >= 1  # the demo's live conference
    check_and_shoot(page, "home", locale)

    page.goto("/conferences")
    page.fill("#f-q", "tong ket")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r"q=tong"))
    assert page.locator("table.conf-table tbody tr").count() >= 1
    assert "tổng kết" in page.locator("table.conf-table").inner_text().lower()
    check_and_shoot(page, "list", locale)
    page.set_viewport_size(PHONE)  # a card per conference: the title reads across the phone, not a letter a line
    title = page.locator("table.conf-table tbody tr td:nth-child(3)").first.bounding_box()
    assert title is not None and title["width"] > 300 and title["height"] < 80, title
    page.set_viewport_size(DESKTOP)

    page.goto("/conferences/calendar")
    assert page.locator(".cal-month .cal-item").count() >= 2  # the demo's two conferences are this month or next
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"date="))
    page.goto("/conferences/calendar")
    check_and_shoot(page, "calendar", locale)
    page.goto("/conferences/calendar?view=week")
    check_and_shoot(page, "calendar-week", locale)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_wizard_works_with_the_keyboard_alone(page: Any, locale: str) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Giao ban thử nghiệm bàn phím {tag}"
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    day: date = today + timedelta(days=random.randint(20, 400))
    sign_in(page, "vanphong", locale)
    page.goto("/conferences/new")
    check_and_shoot(page, "wizard", locale)
    assert focused(page) == "f-title"  # the wizard starts at its first field

    page.keyboard.type(title)
    tab_to(page, "f-description")
    page.keyboard.type("Giao ban trực tuyến giữa Văn phòng Bộ và các điểm cầu.")
    tab_to(page, "f-kind")
    tab_to(page, "f-visibility")
    tab_to(page, "f-date")
    type_date(page, "f-date", day, "f-visibility")
    tab_to(page, "f-starts_at")
    page.keyboard.type("1310")
    tab_to(page, "f-ends_at")
    page.keyboard.type("0700")  # before the start: the form must come back with the error at this field
    tab_to(page, "f-end_date")
    tab_to(page, "f-timezone")
    tab_to(page, "f-host_q")
    with page.expect_response(re.compile(r"/conferences/host-options")):
        page.keyboard.type("hoc vien quoc phong")
    page.wait_for_function("() => /Học viện Quốc phòng/.test("
                           "document.querySelector('#f-host_site_id option:checked')?.textContent || '')")
    tab_to(page, "f-host_site_id")
    tab_to(page, "f-chair_filter")
    page.keyboard.type("le huy vinh")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#chair-list input:checked").count() == 1
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter submits

    # the error is at the end time, which has the focus; everything typed is still there
    assert focused(page) == "f-ends_at"
    assert page.locator("#e-ends_at").is_visible()
    assert page.locator("#f-title").input_value() == title
    assert page.locator("#chair-list input:checked").count() == 1
    assert "Học viện Quốc phòng" in page.locator("#f-host_site_id option:checked").inner_text()
    assert not axe_serious(page), axe_serious(page)
    page.keyboard.type("1420")
    assert page.eval_on_selector("#f-ends_at", "e => e.value") == "14:20"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/conferences/\d+$"))
    assert page.locator(".flash").is_visible()
    assert title in page.locator("main h1").inner_text()
    facts = page.locator(".facts").inner_text()
    assert "13:10" in facts and "14:20" in facts and "Học viện Quốc phòng" in facts
    check_and_shoot(page, "overview", locale)


def test_a_busy_host_hall_links_to_the_other_conference(page: Any) -> None:
    """The demo's conference 2 is live now at the headquarters hall: a new one at the same time there is refused."""
    sign_in(page, "vanphong", "en")
    page.goto("/conferences/2")
    other = page.locator("main h1").inner_text().split("\n")[0].strip()
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    page.goto("/conferences/new")
    page.fill("#f-title", f"Trùng giờ {uuid.uuid4().hex[:6]}")
    page.fill("#f-date", now.date().isoformat())
    page.fill("#f-starts_at", "00:00")
    page.fill("#f-ends_at", "23:59")
    with page.expect_response(re.compile(r"/conferences/host-options")):
        page.fill("#f-host_q", "diem cau chinh")
    page.wait_for_function("() => document.querySelector('#f-host_site_id').value !== ''")
    page.click("form.conf-form button.primary")
    page.wait_for_load_state()
    error = page.locator("#e-host_site_id")
    assert "overlapping conference" in error.inner_text()
    link = error.get_by_role("link")
    assert re.fullmatch(r"/conferences/\d+", link.get_attribute("href"))  # conference 2, unless another test's is earlier
    href = link.get_attribute("href")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(href)
    if href == "/conferences/2":
        assert page.locator("main h1").inner_text().split("\n")[0].strip() == other
