"""Importing delegates in a real browser: from the registry to the import page, a file with mistakes (a TCVN3 name,
an unknown unit) shown row by row, then a correct file checked, previewed and imported — in both languages."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE, axe_serious, shoot, sign_in
from tests.support.imports import xlsx

DESKTOP = {"width": 1366, "height": 900}


def check_and_shoot(page: Any, name: str, locale: str) -> None:
    assert not axe_serious(page), axe_serious(page)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        shoot(page, f"imports-{name}-{locale}-{size_name}")
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_organizer_checks_and_imports_a_list_of_delegates(page: Any, locale: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    sign_in(page, "vanphong", locale)
    page.goto("/registry/delegates")
    page.get_by_role("link", name={"vi": "Nhập từ bảng tính", "en": "Import from a spreadsheet"}[locale]).click()
    page.wait_for_url("**/imports?kind=delegates")
    assert page.locator("a[href*='/api/imports/templates/delegates?format=xlsx&lang=vi']").count() == 1
    check_and_shoot(page, "form", locale)

    wrong = tmp_path / "dai-bieu-loi.xlsx"
    wrong.write_bytes(xlsx([["DANH SÁCH ĐẠI BIỂU"], [], ["STT", "Họ và tên", "Cấp bậc", "Mã đơn vị", "Thư điện tử"],
                            [1, f"NguyÔn V¨n An {tag}", "§¹i t¸", "QK3", ""],
                            [2, f"Trần Văn Bình {tag}", "Trung tá", "KHONG-CO", f"binh.{tag}@qk3.vn"]]))
    page.set_input_files("#f-file", str(wrong))
    page.click("form.import-form button.primary")
    page.wait_for_load_state()
    alert = page.locator("div.error[role=alert]")
    assert alert.is_visible()
    table = page.locator("table.import-table").first.inner_text()
    assert f"Nguyễn Văn An {tag}" in table and "Đại tá" in table and "KHONG-CO" in table
    assert page.locator("form[action='/imports/apply']").count() == 0
    check_and_shoot(page, "errors", locale)

    page.goto("/imports?kind=delegates")
    right = tmp_path / "dai-bieu.xlsx"
    right.write_bytes(xlsx([["STT", "Họ và tên", "Cấp bậc", "Chức vụ", "Mã đơn vị", "Thư điện tử"],
                            [1, f"Nguyễn Văn An {tag}", "Đại tá", "Trưởng phòng", "QK3", f"an.{tag}@qk3.vn"],
                            [2, f"Trần Văn Bình {tag}", "Trung tá", "Trợ lý", "QK3", f"binh.{tag}@qk3.vn"],
                            [3, f"Lê Thị Hoa {tag}", "Thiếu tá", "Nhân viên", "QK3", ""]]))
    page.set_input_files("#f-file", str(right))
    page.click("form.import-form button.primary")
    page.wait_for_load_state()
    assert page.locator(".import-counts .count-create strong").inner_text() == "3"
    check_and_shoot(page, "preview", locale)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("form.import-apply button.primary")
    page.wait_for_url("**/registry/delegates")
    assert page.locator(".flash").inner_text().startswith({"vi": "Đã nhập: 3 thêm mới", "en": "Imported: 3 created"}
                                                          [locale])
    page.fill("#f-q", f"nguyen van an {tag}")
    page.press("#f-q", "Enter")
    page.wait_for_load_state()
    assert page.get_by_role("link", name=f"Nguyễn Văn An {tag}").count() == 1
