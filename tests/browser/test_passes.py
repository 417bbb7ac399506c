"""The Passes tab in a real browser: an organizer downloads the printable passes of one point of the demo's
year-end conference (only read: nothing of the demo is changed), in Vietnamese and English."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.conftest import PHONE, axe_serious, shoot, sign_in

YEAR_END = 1  # the demo's scheduled conference: 48 points + the host hall, 20 delegates a point


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_prints_the_passes_of_one_point(page: Any, locale: str, tmp_path: Path) -> None:
    sign_in(page, "vanphong", locale)
    page.goto(f"/conferences/{YEAR_END}/passes")
    assert page.locator("nav .tabs a[aria-current=page]").inner_text() == ("Thẻ đại biểu" if locale == "vi" else "Passes")
    assert not axe_serious(page)
    shoot(page, f"passes-tab-{locale}-desktop")
    row = page.locator("table.passes-points tr", has_text="DC-QK3")
    assert row.count() == 1
    active = int(row.locator("td.num").first.inner_text().replace(".", "").replace(",", ""))
    assert active > 0
    with page.expect_download() as info:
        row.locator("a", has_text="PDF").click()
    download = info.value
    assert download.suggested_filename.endswith("-DC-QK3.pdf")
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == -(-active // 10)
    assert "Nguyễn Quang Ngọc" in text and "Điểm cầu Quân khu 3" in text
    # the search narrows the table (diacritics-blind); the whole conference's buttons stay
    label = "Tìm điểm cầu" if locale == "vi" else "Search bridge points"
    page.get_by_label(label).fill("hai quan")
    page.get_by_label(label).press("Enter")
    page.wait_for_url("**q=hai+quan**")
    assert page.locator("table.passes-points tbody tr").count() >= 1
    assert page.locator("table.passes-points tbody", has_text="Hải quân").count() == 1
    assert page.locator(".passes-all a.button.primary").is_visible()
    page.set_viewport_size(PHONE)
    page.goto(f"/conferences/{YEAR_END}/passes")
    assert not axe_serious(page)
    shoot(page, f"passes-tab-{locale}-phone")
