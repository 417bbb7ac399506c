"""Reports in a real browser, in both languages, on a desktop and a phone: the live demo conference's attendance
with its chart, every report tab, the report across conferences, an Excel download, and an operator's report that
holds only their point. Reading reports changes nothing, so the shared demo is used as it is."""
from __future__ import annotations

import io
from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_serious, shoot, sign_in

LIVE = 2  # the demo's conference that is live now
TABS = ["outages", "speaking", "delivery", "acknowledgements"]


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_reads_every_report(page: Any, locale: str) -> None:
    sign_in(page, "vanphong", locale)
    page.goto(f"/conferences/{LIVE}/reports")
    assert page.locator(".tabs a[aria-current=page]").inner_text() == ("Báo cáo" if locale == "vi" else "Reports")
    assert page.locator("figure.chart svg.bar").count() >= 2
    assert page.locator("table.counts tbody tr").count() >= 40
    assert not axe_serious(page)
    shoot(page, f"reports-attendance-{locale}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shoot(page, f"reports-attendance-{locale}-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    for tab in TABS:
        page.click(f".subtabs a[href$='/reports/{tab}']")
        page.wait_for_url(f"**/reports/{tab}")
        assert page.locator(".report-head h2").is_visible()
        assert not axe_serious(page), tab
    shoot(page, f"reports-acknowledgements-{locale}-desktop")
    page.click(".subtabs a[href$='/reports/delivery']")
    shoot(page, f"reports-delivery-{locale}-desktop")
    with page.expect_download() as download:
        page.click(f"a[href='/api/conferences/{LIVE}/reports/delivery/xlsx']")
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
    assert len(book.sheetnames) >= 1
    page.click("header nav a[href='/reports']")
    page.wait_for_url("**/reports")
    assert page.locator("figure.chart").count() == 3
    assert not axe_serious(page)
    shoot(page, f"reports-across-{locale}-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, f"reports-across-{locale}-phone")


def test_an_operator_reads_only_their_point(page: Any) -> None:
    sign_in(page, "vanhanh.qk3", "vi")
    page.goto(f"/conferences/{LIVE}/reports")
    assert "Chỉ các điểm cầu do đồng chí phụ trách." in page.locator(".report-head").inner_text()
    assert page.locator("table.counts").first.locator("tbody tr").count() == 1
    assert not axe_serious(page)
    page.set_viewport_size(PHONE)
    shoot(page, "reports-operator-vi-phone")
