"""The reports' numbers on a small world, the downloads (XLSX read back with openpyxl, PDF text extracted with
pdftotext: Vietnamese names intact), need-to-know (an operator only their points, a wall board no names), vi/en."""
from __future__ import annotations

import io
import subprocess
from typing import Any

import openpyxl
import pytest

from tests.support.reports import ABSENCES, make_report_world


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def workbook(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content), read_only=True)


async def fetch(api: Any, url: str, who: str = "org", lang: str = "vi", expect: int = 200) -> Any:
    r = await api.client.get(url, headers={**api.as_(who), "Accept-Language": lang})
    assert r.status_code == expect, f"GET {url} as {who}: {r.status_code} {r.text[:200]}"
    return r


def rows(ws: Any) -> list[tuple[Any, ...]]:
    """Every row padded to the header's width (empty cells are not written)."""
    out = [tuple(r) for r in ws.iter_rows(values_only=True)]
    width = len(out[0]) if out else 0
    return [r + (None,) * (width - len(r)) for r in out]


async def test_attendance_numbers_per_point_unit_and_the_absent_and_missing(api):
    rw = await make_report_world(api)
    r = await api.get(f"{rw.c}/reports/attendance")
    absent = 1 if ABSENCES else 0
    assert r["totals"] == {"expected": 6, "present": 4, "late": 1, "walk_ins": 1, "absent": absent,
                           "missing": 3 - absent, "rate": 0.5}
    by_code = {p["code"]: p["counts"] for p in r["points"]}
    assert by_code["HQ"] == {"expected": 2, "present": 1, "late": 0, "walk_ins": 0, "absent": 0, "missing": 1,
                             "rate": 0.5}
    assert by_code["DC-QK3"]["expected"] == 4 and by_code["DC-QK3"]["present"] == 3
    assert by_code["DC-QK3"]["walk_ins"] == 1 and by_code["DC-QK3"]["late"] == 1
    units = {u["name"]: u["counts"] for u in r["units"]}
    assert units["Quân khu 3"]["expected"] == 1 and units["Quân khu 3"]["present"] == 1
    assert sum(u["expected"] for u in units.values()) == 6
    names = {p["full_name"]: p["state"] for p in r["people"]}
    assert names == {"Đỗ Minh Khôi": "missing", "Hoàng Anh Tuấn": "missing",
                     "Trần Thị Hằng": "absent" if ABSENCES else "missing"}
    assert r["people_total"] == 3
    found = await api.get(f"{rw.c}/reports/attendance?q=hoang%20anh")
    assert [p["full_name"] for p in found["people"]] == ["Hoàng Anh Tuấn"]


async def test_attendance_xlsx_and_pdf_in_both_languages(api):
    rw = await make_report_world(api)
    x = await fetch(api, f"{rw.c}/reports/attendance/xlsx", lang="en")
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in x.headers["content-disposition"]
    wb = workbook(x.content)
    assert wb.sheetnames == ["Per bridge point", "Per unit", "Absent and missing delegates"]
    points = rows(wb["Per bridge point"])
    assert points[0][:3] == ("Code", "Bridge point", "Expected")
    assert ("HQ", "Hội trường Bộ Quốc phòng", 2, 1, 0, 0, 0, 1, 0.5) in points
    people = rows(wb["Absent and missing delegates"])
    assert {r[0] for r in people[1:]} == {"Đỗ Minh Khôi", "Hoàng Anh Tuấn", "Trần Thị Hằng"}
    pdf = await fetch(api, f"{rw.c}/reports/attendance/pdf", lang="vi")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for name in ("Hoàng Anh Tuấn", "Đỗ Minh Khôi", "Trần Thị Hằng", "Hội trường Bộ Quốc phòng", "Quân khu 3"):
        assert name in text, name
    assert "Báo cáo điểm danh" in text and "Vắng không rõ lý do" in text
    en = pdf_text((await fetch(api, f"{rw.c}/reports/attendance/pdf", lang="en")).content)
    assert "Attendance report" in en and "Hoàng Anh Tuấn" in en


@pytest.mark.parametrize("kind", ["outages", "speaking", "delivery", "acknowledgements"])
async def test_every_report_downloads_as_xlsx_and_pdf(api, kind):
    rw = await make_report_world(api)
    wb = workbook((await api.call("GET", f"{rw.c}/reports/{kind}/xlsx", expect=200)).content)
    assert wb.sheetnames
    text = pdf_text((await api.call("GET", f"{rw.c}/reports/{kind}/pdf", expect=200)).content)
    assert "Điểm cầu Quân khu 3" in text


async def test_outages_speaking_delivery_and_acknowledgement_numbers(api):
    rw = await make_report_world(api)
    wb = workbook((await fetch(api, f"{rw.c}/reports/outages/xlsx", lang="en")).content)
    outages = rows(wb["Outages"])
    assert [(r[0], r[5]) for r in outages[1:]] == [("DC-QK3", 150), ("DC-QK3", 60), ("HQ", 20)]
    assert outages[1][2] == "18/12/2026 08:30" and outages[1][4] == "2:30"
    wb = workbook((await fetch(api, f"{rw.c}/reports/speaking/xlsx", lang="en")).content)
    assert rows(wb["Per bridge point"])[1:] == [("DC-QK3", "Điểm cầu Quân khu 3", 1, "6:00", 360),
                                                 ("HQ", "Hội trường Bộ Quốc phòng", 1, "3:00", 180)]
    assert rows(wb["Per delegate"])[1][0] == "Nguyễn Quang Ngọc"
    wb = workbook((await fetch(api, f"{rw.c}/reports/delivery/xlsx", lang="en")).content)
    per_point = {r[0]: r[2:] for r in rows(wb["Per bridge point"])[1:]}
    # invitations, sent, pending, failed, not sent yet, no e-mail
    assert per_point["HQ"] == (2, 1, 0, 1, 0, 0)
    assert per_point["DC-QK3"] == (5, 2, 1, 0, 2, 0)  # duc failed once then sent: sent
    assert [r[0] for r in rows(wb["Failed invitations"])[1:]] == ["Đỗ Minh Khôi"]
    wb = workbook((await fetch(api, f"{rw.c}/reports/acknowledgements/xlsx", lang="en")).content)
    assert rows(wb["Notices"])[1][2:] == (2, 1, 1)
    receipts = rows(wb["Acknowledgements per point"])[1:]
    assert [(r[1], r[3] != "not yet", r[5]) for r in receipts] == [("HQ", False, None), ("DC-QK3", True, "Đã nhận, sẽ triển khai")]


async def test_an_operator_reads_only_their_points_and_a_wall_board_no_names(api):
    rw = await make_report_world(api)
    mine = await api.get(f"{rw.c}/reports/attendance", who="op")
    assert [p["code"] for p in mine["points"]] == ["DC-QK3"]
    assert mine["partial"] and mine["totals"]["expected"] == 4
    assert {p["full_name"] for p in mine["people"]} == {"Trần Thị Hằng", "Hoàng Anh Tuấn"}
    wb = workbook((await api.call("GET", f"{rw.c}/reports/attendance/xlsx", "op", 200)).content)
    assert {r[0] for r in rows(wb.worksheets[0])[1:]} == {"DC-QK3"}
    text = pdf_text((await api.call("GET", f"{rw.c}/reports/delivery/pdf", "op", 200)).content)
    assert "Hội trường" not in text and "Đỗ Minh Khôi" not in text
    wb = workbook((await api.call("GET", f"{rw.c}/reports/outages/xlsx", "op", 200)).content)
    assert {r[0] for r in rows(wb.worksheets[0])[1:]} == {"DC-QK3"}
    wall = await api.get(f"{rw.c}/reports/attendance", who="viewer")
    assert wall["names"] is False and wall["people"] == [] and wall["totals"]["expected"] == 6
    wb = workbook((await api.call("GET", f"{rw.c}/reports/speaking/xlsx", "viewer", 200)).content)
    assert "Per delegate" not in wb.sheetnames and "Người phát biểu" not in wb.sheetnames
    text = pdf_text((await api.call("GET", f"{rw.c}/reports/attendance/pdf", "viewer", 200)).content)
    assert "Hoàng Anh Tuấn" not in text and "Điểm cầu Quân khu 3" in text
    await api.call("GET", f"{rw.c}/reports/attendance/xlsx", "op_out", 404)
    await api.call("GET", f"{rw.c}/reports/nonsense/xlsx", "org", 404)
