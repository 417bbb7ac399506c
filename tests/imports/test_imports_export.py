"""The registry's lists in the template's columns: whatever a name holds, the file is written (found by schemathesis:
a unit named with control characters made the XLSX export answer 500)."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.factories import make_world


async def test_control_characters_never_break_the_export_and_csv_says_its_charset_once(api) -> None:
    await make_world(api)
    r = await api.call("POST", "/api/units", json={"code": "CTRL1", "name": "Đơn vị \x01\x1fBắc\tNinh"})
    assert r.status_code == 201
    r = await api.call("GET", "/api/imports/current/units", params={"format": "xlsx"})
    assert r.status_code == 200
    names = [row[1] for row in load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(
        values_only=True)]
    assert "Đơn vị Bắc\tNinh" in names  # what XML cannot hold is left out, the rest is kept
    r = await api.call("GET", "/api/imports/current/units", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "Đơn vị \x01\x1fBắc" in r.content.decode("utf-8-sig")  # CSV keeps every character


async def test_the_contract_declares_both_file_types_of_the_list_downloads(api) -> None:
    spec = (await api.call("GET", "/schema/openapi.json")).json()
    for path in ("/api/imports/templates/{kind}", "/api/imports/current/{kind}"):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"}
