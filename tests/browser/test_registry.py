"""The registry in a real browser: an organizer adds a unit under an existing one, a bridge point and a delegate in
it, is warned before registering the same person twice, creates them anyway, and finds people without accents."""
from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from domain.text import fold
from tests.browser.conftest import PHONE, axe_serious, shoot, sign_in

DESKTOP = {"width": 1366, "height": 900}


def check_and_shoot(page: Any, name: str, locale: str) -> None:
    """No serious accessibility violation, then the page at phone and desktop sizes."""
    assert not axe_serious(page), axe_serious(page)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        shoot(page, f"registry-{name}-{locale}-{size_name}")
    page.set_viewport_size(DESKTOP)


def submit(page: Any) -> None:
    page.click("form.registry-form button.primary")
    page.wait_for_load_state()


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_builds_a_unit_with_a_point_and_delegates(page: Any, locale: str) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    sign_in(page, "vanphong", locale)

    # the tree, then a search without accents that shows each match with its path
    page.goto("/registry/units")
    assert page.locator(".unit-tree details[open]").count() >= 1
    check_and_shoot(page, "units", locale)
    page.fill("#f-q", "quan khu 3")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r"q=quan"))
    match = page.locator(".unit-matches li", has=page.get_by_role("link", name="Quân khu 3", exact=True))
    assert "Bộ Quốc phòng" in match.locator(".unit-path").inner_text()
    check_and_shoot(page, "units-search", locale)
    match.get_by_role("link", name="Quân khu 3", exact=True).click()

    # a new unit under Military Region 3
    page.click("a[href^='/registry/units/new?parent_id=']")
    page.fill("#f-code", f"QK3-TEST-{tag}")
    page.fill("#f-name", f"Phòng Thử nghiệm {tag}")
    assert page.locator("#f-parent_id option:checked").inner_text().strip() == "Quân khu 3"
    submit(page)
    page.wait_for_url(re.compile(r"/registry/units/\d+$"))
    unit_url = page.url
    unit_id = unit_url.rsplit("/", 1)[1]
    assert page.locator(".flash").is_visible()
    assert "Quân khu 3" in page.locator(".crumbs").inner_text()
    check_and_shoot(page, "unit", locale)

    # a bridge point in it
    page.click("a[href^='/registry/points/new?unit=']")
    page.fill("#f-code", f"DC-TEST-{tag}")
    page.fill("#f-name", f"Điểm cầu Thử nghiệm {tag}")
    page.fill("#f-address", "Hồng Bàng, Hải Phòng")
    page.fill("#f-capacity", "25")
    page.fill("#f-contact", "Đại úy Phạm Văn Tâm, 0912 345 678")
    check_and_shoot(page, "point-new", locale)
    submit(page)
    page.wait_for_url(re.compile(r"/registry/points/\d+$"))
    page.goto(unit_url)
    page.click(f"a[href='/registry/points?unit={unit_id}']")
    assert page.locator("table.registry-table tbody tr").count() == 1
    assert f"DC-TEST-{tag}" in page.locator("table.registry-table").inner_text()
    check_and_shoot(page, "points", locale)

    # a delegate in it
    name = f"Nguyễn Văn Thử {tag}"
    page.goto(unit_url)
    page.click("a[href^='/registry/delegates/new?unit=']")
    page.fill("#f-full_name", name)
    page.fill("#f-rank", "Thiếu tá")
    page.fill("#f-position", "Trợ lý văn phòng")
    page.fill("#f-email", f"thu.{tag.lower()}@qk3.bqp.vn")
    submit(page)
    page.wait_for_url(re.compile(r"/registry/delegates/\d+$"))
    first_url = page.url

    # the same person again (typed without accents): a warning first, with a link to the one who exists
    page.goto(unit_url)
    page.click("a[href^='/registry/delegates/new?unit=']")
    page.fill("#f-full_name", f"nguyen van thu {tag.lower()}")
    page.fill("#f-rank", "Thiếu tá")
    submit(page)
    warning = page.locator("#duplicate-warning")
    assert warning.is_visible()
    link = warning.locator("a[href^='/registry/delegates/']")
    assert link.inner_text() == name and first_url.endswith(link.get_attribute("href"))
    check_and_shoot(page, "delegate-duplicate", locale)
    page.click("button[name=confirm_duplicate]")
    page.wait_for_url(re.compile(r"/registry/delegates/\d+$"))
    assert page.url != first_url

    # both are found without accents, in the unit's list
    page.goto(f"/registry/delegates?unit={unit_id}")
    page.fill("#f-q", f"nguyen van thu {tag.lower()}")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r"q=nguyen"))
    assert page.locator("table.registry-table tbody tr").count() == 2

    # «nguyen van» over the whole demo: people written with accents, paged on the server
    page.goto("/registry/delegates")
    page.fill("#f-q", "nguyen van")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r"q=nguyen"))
    rows = page.locator("table.registry-table tbody tr td:first-child")
    assert rows.count() > 1
    names = rows.all_inner_texts()
    assert all("nguyen van" in fold(t) for t in names) and any(t.startswith("Nguyễn Văn") for t in names), names
    check_and_shoot(page, "delegates", locale)
