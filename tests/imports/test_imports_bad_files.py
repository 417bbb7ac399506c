"""Files that cannot be imported: a clear error with a stable code, nothing written, memory and time bounded."""
from __future__ import annotations

import io
import resource
import time
from typing import Any

import pytest

from domain.imports.reader import Limits, open_table
from domain.errors import InvalidInput
from domain.models import AuditEntry, Delegate, Unit
from tests.conftest import Api
from tests.support.imports import (PDF, PNG, XLS, count, csv_bytes, docx, huge_declared, inline_row, lying_zip,
                                 million_rows, raw_xlsx, upload, xlsx, zip_bomb)

HEADER = ["STT", "Họ và tên", "Cấp bậc", "Chức vụ", "Đơn vị"]


def _people(n: int = 3) -> list[list[Any]]:
    return [[i, f"Nguyễn Văn {chr(65 + i)}", "Đại tá", "Trưởng phòng", ""] for i in range(1, n + 1)]


CASES: list[tuple[str, Any, str, str]] = [
    ("pdf", lambda: PDF, "list.pdf", "import_not_spreadsheet"),
    ("png", lambda: PNG, "list.png", "import_not_spreadsheet"),
    ("binary", lambda: bytes(range(256)) * 40, "list.bin", "import_not_spreadsheet"),
    ("docx", docx, "list.docx", "import_not_spreadsheet"),
    ("xls", lambda: XLS, "list.xls", "import_old_excel"),
    ("empty", lambda: b"", "list.csv", "import_empty"),
    ("broken zip", lambda: b"PK\x03\x04" + b"\x00" * 200, "list.xlsx", "import_not_spreadsheet"),
    ("zip bomb", zip_bomb, "bomb.xlsx", "import_zip_bomb"),
    ("zip lying about its size", lying_zip, "liar.xlsx", "import_zip_bomb"),
    ("zip declaring 3 GB", huge_declared, "huge.xlsx", "import_zip_bomb"),
    ("formulas", lambda: xlsx([HEADER, *_people(2), [3, "=B2&B3", "Đại tá", "", ""]]), "f.xlsx", "import_formulas"),
    ("merged header", lambda: xlsx([HEADER, *_people()], merges=["D1:E1"]), "m.xlsx", "import_merged_header"),
    ("no header", lambda: xlsx([["Cột A", "Cột B"], ["1", "2"]]), "h.xlsx", "import_no_header"),
    ("header lacking the name", lambda: xlsx([["STT", "Cấp bậc", "Chức vụ"], [1, "Đại tá", "x"]]), "h.xlsx",
     "import_missing_columns"),
    ("header too low", lambda: xlsx([*([["…"]] * 60), HEADER, *_people()]), "low.xlsx", "import_no_header"),
    ("a column twice", lambda: xlsx([["Họ và tên", "Ho va ten"], ["An", "An"]]), "d.xlsx", "import_duplicate_column"),
    ("not UTF-8", lambda: "Ho va ten\r\nFrançois Müller\r\n".encode("cp1252"), "l.csv", "import_encoding"),
    ("a million rows (CSV)", lambda: b"Ho va ten\r\n" + b"Nguyen Van An\r\n" * 1_000_000, "big.csv",
     "import_too_many_rows"),
    ("a million rows (XLSX)", million_rows, "big.xlsx", "import_too_many_rows"),
    ("one cell far away", lambda: raw_xlsx([inline_row(1, "Họ và tên"), inline_row(2, "An"),
                                            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                                            '</c></row>']), "sparse.xlsx", "import_too_many_rows"),
]


async def test_a_bad_file_is_refused_with_its_code_and_nothing_is_written(api: Api) -> None:
    """Every case, checked and applied: 422 with the case's code at the field «file», nothing in the database."""
    before = await count(api, Delegate), await count(api, AuditEntry)
    wrong = []
    for name, make, file_name, code in CASES:
        content = make()
        started = time.monotonic()
        for dry_run in (True, False):
            problem = await upload(api, "delegates", content, file_name, dry_run=dry_run, expect=None)
            if not isinstance(problem, dict) or problem.get("code") != code or problem.get("field") != "file":
                wrong.append(f"{name} (dry run: {dry_run}): {str(problem)[:300]}")
        if time.monotonic() - started > 60:  # both calls, on a busy machine
            wrong.append(f"{name} took {time.monotonic() - started:.0f} s")
    assert not wrong, "\n".join(wrong)
    assert (await count(api, Delegate), await count(api, AuditEntry)) == before


async def test_the_reason_is_told_in_the_users_language(api: Api) -> None:
    vi = await upload(api, "delegates", xlsx([HEADER, [1, "=1+2", "", "", ""]]), "f.xlsx", expect=422,
                      headers={"Accept-Language": "vi"})
    assert "công thức" in vi["detail"] and "B2" in vi["detail"]
    en = await upload(api, "delegates", PDF, "x.pdf", expect=422, headers={"Accept-Language": "en"})
    assert "not a spreadsheet" in en["detail"]


def test_the_upload_size_is_bounded_before_anything_is_read() -> None:
    with pytest.raises(InvalidInput) as exc:
        open_table(io.BytesIO(b"Ho va ten\n" + b"x\n" * 1000), "a.csv", Limits(max_bytes=1000))
    assert exc.value.code == "import_too_large"


def test_a_million_rows_are_refused_in_bounded_memory_and_time() -> None:
    """The reader stops at the limit: reading a 1,000,000-row sheet costs what 200,000 rows of it cost."""
    content = million_rows()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(InvalidInput) as exc:
        open_table(io.BytesIO(content), "big.xlsx")
    assert exc.value.code == "import_too_many_rows"
    assert time.monotonic() - started < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 150, grown_mb


async def test_a_formula_typed_in_a_csv_is_kept_as_text_never_evaluated(api: Api) -> None:
    before = await count(api, Unit)
    report = await upload(api, "units", csv_bytes([["Mã đơn vị", "Tên đơn vị"], ["A", "=cmd|' /C calc'!A0"]]),
                          "u.csv", dry_run=False)
    assert report["counts"]["create"] == 1 and await count(api, Unit) == before + 1
    exported = await api.call("GET", "/api/imports/current/units?format=csv", expect=200)
    assert "'=cmd|' /C calc'!A0" in exported.content.decode("utf-8-sig")  # inert in Excel
    again = await upload(api, "units", exported.content, "u.csv")  # and read back as it was
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 1, "error": 0}
    as_xlsx = await api.call("GET", "/api/imports/current/units?format=xlsx", expect=200)
    again = await upload(api, "units", as_xlsx.content, "u.xlsx")  # a text cell, not a formula
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 1, "error": 0}
