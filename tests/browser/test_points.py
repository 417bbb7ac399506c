"""Points of a conference and operator accounts in a real browser, in both languages, phone and desktop."""
from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PASSWORDS, PHONE, axe_serious, shoot, sign_in

DESKTOP = {"width": 1366, "height": 900}
TEXT = {
    "vi": {"added": "Số điểm cầu đã thêm: 4", "warning": "Vượt sức chứa", "created": "Số tài khoản kỹ thuật viên đã tạo: 3"},
    "en": {"added": "Points added: 4", "warning": "Above the capacity", "created": "Operator accounts created: 3"},
}


def _new_conference(page: Any, base: str) -> int:
    """A conference of our own, 20+ days ahead at a random day (the demo's and other tests' stay untouched)."""
    login = page.request.post(f"{base}/api/auth/login",
                              data={"username": "vanphong", "password": DEMO_PASSWORDS["vanphong"]})
    token = login.json()["access_token"]
    day = date.today() + timedelta(days=random.randint(60, 3000))
    r = page.request.post(f"{base}/api/conferences", headers={"Authorization": f"Bearer {token}"}, data={
        "title": f"Kiểm thử điểm cầu {uuid.uuid4().hex[:8]}", "starts_at": f"{day}T14:00:00+07:00",
        "ends_at": f"{day}T15:30:00+07:00"})
    assert r.status == 201, r.text()
    return int(r.json()["id"])


def _unit_box(page: Any, scope: str, name: str) -> Any:
    """The "every point under this unit" box of a unit, by its exact name."""
    return page.locator(f"{scope} .node").filter(
        has=page.locator("strong", has_text=re.compile(f"^{re.escape(name)}$"))).locator("input[type=checkbox]")


def _both_sizes(page: Any, name: str) -> None:
    page.set_viewport_size(PHONE)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)
    shoot(page, f"{name}-desktop")


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_adds_a_unit_subtree_and_a_search_pick(page: Any, live_server: str, locale: str) -> None:
    conf = _new_conference(page, live_server)
    sign_in(page, "vanphong", locale)
    page.goto(f"/conferences/{conf}/points")
    assert not axe_serious(page)
    # every point under the Navy (its own, its academy's, its company's) ...
    _unit_box(page, "#add-points", "Quân chủng Hải quân").check()
    # ... plus one point found without typing the accents
    page.fill("#f-q", "hoc vien quoc phong")
    pick = page.locator("#point-search li").filter(has_text="Điểm cầu Học viện Quốc phòng")
    pick.wait_for()
    pick.locator("input").check()
    assert page.locator("#add-points .picked").inner_text().strip()
    page.locator("#add-points button.primary").click()
    page.locator("#points-work .result").wait_for()
    assert TEXT[locale]["added"] in page.locator("#points-work .result").inner_text()
    rows = page.locator("table.points tbody tr")
    assert rows.count() == 4
    # expected attendance above the point's capacity: the warning shows at the row
    row = page.locator("tr", has_text="Điểm cầu Học viện Quốc phòng")
    row.locator("a.button").click()
    page.locator("tr.editing #f-expected_attendance").fill("5000")
    page.locator("tr.editing button.primary").click()
    page.locator("tr .capacity-warning").wait_for()
    assert TEXT[locale]["warning"] in page.locator("tr", has_text="Điểm cầu Học viện Quốc phòng").inner_text()
    assert not axe_serious(page)
    _both_sizes(page, f"points-added-{locale}")
    # the tree after adding: the Navy's points are marked as added; its branch loads when it opens
    assert _unit_box(page, "#add-points", "Quân chủng Hải quân").is_disabled()
    page.locator("#add-points summary").filter(has_text=re.compile("Quân chủng Hải quân$")).click()
    academy = _unit_box(page, "#add-points", "Học viện Hải quân")
    academy.wait_for()
    assert academy.is_disabled() and page.locator("#add-points input[name=site_ids][disabled]").count() >= 1
    # the list pages on the server: its search ignores accents, a unit filter takes the unit's subtree
    page.fill("#f-find", "hoc vien")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**find=hoc+vien**")
    assert rows.count() == 2
    page.select_option("#f-unit", label="\u2003Quân chủng Hải quân")  # the units under a root are indented
    page.fill("#f-find", "")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**unit=**")
    assert rows.count() == 3
    assert not axe_serious(page)
    _both_sizes(page, f"points-filtered-{locale}")


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_admin_creates_operator_accounts_for_three_points(page: Any, locale: str) -> None:
    sign_in(page, "admin", locale)
    page.goto("/registry/users")
    assert not axe_serious(page)
    page.goto("/registry/users/operators")
    assert not axe_serious(page)
    if locale == "vi":
        _unit_box(page, "#make-accounts", "Quân chủng Hải quân").check()  # three points
    else:
        _unit_box(page, "#make-accounts", "Tổng cục Hậu cần").check()  # two points ...
        page.fill("#f-q", "hoa hoc")  # ... and one found by a search
        pick = page.locator("#point-search li").filter(has_text="Điểm cầu Binh chủng Hóa học")
        pick.wait_for()
        pick.locator("input").check()
    _both_sizes(page, f"users-operators-{locale}")
    page.locator("#make-accounts button.primary").click()
    page.wait_for_url("**/registry/users/operators")
    assert TEXT[locale]["created"] in page.locator("main h2").inner_text()
    passwords = page.locator(".secret").all_inner_texts()
    assert len(passwords) == 3
    assert not axe_serious(page)
    _both_sizes(page, f"users-operators-done-{locale}")
    with page.expect_download() as info:
        page.locator("form[action='/registry/users/operators/sheet'] button").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 4 and all(p in data.decode("utf-8-sig") for p in passwords)
    # one of the new accounts signs in with its one-time password
    username = page.locator("tr.r-created td").nth(2).inner_text().strip()
    page.context.clear_cookies()
    sign_in(page, username, locale, password=passwords[0])
    assert page.locator("html").get_attribute("lang") == locale
