"""The report pages and JSON routes: every route × every role, the pages in both languages (charts, numbers,
need-to-know), the report across conferences, and bad input (a wrong month: the error at the field)."""
from __future__ import annotations

import io
import subprocess
from typing import Any

import openpyxl

from api.controllers import reports as reports_api
from api.pages import reports as reports_pages
from tests.conftest import Api
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import PageClient, browser, sign_in
from tests.support.reports import make_report_world

ROLES = ["anon", "admin", "org", "chair", "op", "op_out", "viewer", "delegate"]
KINDS = ["attendance", "outages", "speaking", "delivery", "acknowledgements"]


async def _delegate_token(api: Api, invitation_id: int, conference_id: int) -> str:
    p = await api.get(f"/api/conferences/{conference_id}/invitations/{invitation_id}/pass")
    return p["personal_link"].rsplit("/", 1)[1]


async def test_every_report_route_for_every_role(api: Api) -> None:
    rw = await make_report_world(api)
    await api.user("admin", "admin")
    api.tokens["delegate"] = await _delegate_token(api, rw.inv["ngoc"], rw.w.conference)
    clients: dict[str, PageClient] = {"anon": browser(api, "en"), "delegate": browser(api, "en")}
    for role in ("admin", "org", "chair", "op", "op_out", "viewer"):
        clients[role] = await sign_in(api, role, "en")
    seen = {r: 200 for r in ROLES} | {"anon": 303, "delegate": 303, "op_out": 404}
    pages = [(f"{rw.page}{'' if k == 'attendance' else '/' + k}", seen) for k in KINDS]
    pages.append(("/reports", {r: 200 for r in ROLES} | {"anon": 303, "delegate": 303}))
    walk = Walk(routes_of(api.app, modules_of(reports_pages.ROUTES)), html_errors=True)
    for url, expected in pages:
        for role in ROLES:
            r = await clients[role].get(url, expect=None)
            if expected[role] == 303:
                assert r.headers["location"].startswith("/login"), (url, role)
            walk.check("GET", url, url, role, r, expected[role])
    walk.assert_complete("report pages")

    api_walk = Walk(routes_of(api.app, modules_of(reports_api.ROUTES)))
    read = {r: 200 for r in ROLES} | {"anon": 401, "op_out": 404, "delegate": 403}
    everyone = read | {"op_out": 200}
    cases: list[tuple[str, dict[str, int]]] = [(f"{rw.c}/reports/attendance", read)]
    cases += [(f"{rw.c}/reports/{k}/{fmt}", read) for k in KINDS for fmt in ("xlsx", "pdf")]
    cases += [("/api/reports/trends", everyone), ("/api/reports/trends/xlsx", everyone),
              ("/api/reports/trends/pdf", everyone)]
    for url, expected in cases:
        for role in ROLES:
            headers = ({"Authorization": f"Bearer {api.tokens[role]}"} if role not in ("anon", "delegate") else
                       {"Authorization": f"Bearer {api.tokens['delegate']}"} if role == "delegate" else {})
            r = await api.client.get(url, headers=headers)
            api_walk.check("GET", url, url, role, r, expected[role])
    api_walk.assert_complete("report API")
    for c in clients.values():
        await c.aclose()


async def test_the_attendance_page_in_both_languages_with_its_chart(api: Api) -> None:
    rw = await make_report_world(api)
    vi = await sign_in(api, "org", "vi")
    html = (await vi.get(rw.page)).text
    assert "Điểm danh" in html and "Vắng không rõ lý do" in html and "Tải tệp Excel" in html
    assert 'class="bar"' in html and "k-missing" in html  # the SVG chart
    assert "Hoàng Anh Tuấn" in html and "Trần Thị Hằng" in html and "Ốm" in html and "Nằm viện" in html
    assert f'href="/api/conferences/{rw.w.conference}/reports/attendance/pdf"' in html
    assert 'aria-current="page">Báo cáo<' in html
    en = await sign_in(api, "org", "en")
    html = (await en.get(rw.page)).text
    assert "Absent and missing delegates" in html and "Present on time" in html
    found = (await en.get(rw.page + "?q=tran%20thi")).text
    assert "Trần Thị Hằng" in found and "Hoàng Anh Tuấn" not in found
    for kind in KINDS[1:]:
        page = (await en.get(f"{rw.page}/{kind}")).text
        assert "Điểm cầu Quân khu 3" in page, kind
    outages = (await en.get(f"{rw.page}/outages")).text
    assert "k-outage" in outages and "2:30" in outages


async def test_an_operator_page_shows_only_their_point_and_a_wall_board_no_names(api: Api) -> None:
    rw = await make_report_world(api)
    op = await sign_in(api, "op", "en")
    html = (await op.get(rw.page)).text
    assert "Only the bridge points you operate." in html
    assert "Điểm cầu Quân khu 3" in html and "Hội trường Bộ Quốc phòng" not in html and "Đỗ Minh Khôi" not in html
    delivery = (await op.get(f"{rw.page}/delivery")).text
    assert "Đỗ Minh Khôi" not in delivery and "Hội trường Bộ Quốc phòng" not in delivery
    wall = await sign_in(api, "viewer", "en")
    html = (await wall.get(rw.page)).text
    assert "Numbers only" in html and "Hoàng Anh Tuấn" not in html and "Absent and missing delegates" not in html
    speaking = (await wall.get(f"{rw.page}/speaking")).text
    assert "Nguyễn Quang Ngọc" not in speaking and "Điểm cầu Quân khu 3" in speaking


async def test_across_conferences_numbers_and_a_bad_month(api: Api) -> None:
    rw = await make_report_world(api)
    r = await api.get("/api/reports/trends?from=2026-07&to=2027-01")
    assert r["first"] == "2026-07" and r["last"] == "2027-01" and len(r["per_month"]) == 7
    assert {m["month"]: m["conferences"] for m in r["per_month"]}["2026-12"] == 1
    [conf] = r["conferences"]
    assert (conf["points"], conf["expected"], conf["present"], conf["rate"]) == (2, 6, 3, 0.5)
    units = {u["name"]: u for u in r["units"]}
    assert units["Bộ Quốc phòng"]["expected"] == 5 and units["Quân khu 3"]["rate"] == 1.0
    mine = await api.get("/api/reports/trends?from=2026-07&to=2027-01", who="op")
    assert mine["partial"] and mine["conferences"][0]["points"] == 1 and mine["conferences"][0]["expected"] == 4
    bad = await api.call("GET", "/api/reports/trends?from=2026-13", expect=422)
    assert bad.json()["code"] == "invalid_month" and bad.json()["field"] == "from"
    assert (await api.call("GET", "/api/reports/trends?from=2027-01&to=2026-01", expect=422)).json()["code"] == \
        "month_range"
    assert (await api.call("GET", "/api/reports/trends?from=2020-01&to=2026-01", expect=422)).json()["code"] == \
        "month_range"
    xlsx = await api.client.get("/api/reports/trends/xlsx?from=2026-07&to=2027-01",
                                headers={**api.as_("org"), "Accept-Language": "en"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Conferences per month", "Points per conference", "Attendance rate per unit"]
    header = next(book["Attendance rate per unit"].iter_rows(values_only=True))
    assert header == ("Code", "Unit", "12/2026", "All months")  # only the months in which a conference took place
    pdf = await api.client.get("/api/reports/trends/pdf?from=2026-07&to=2027-01",
                               headers={**api.as_("org"), "Accept-Language": "vi"})
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    assert "Hội nghị tổng kết công tác văn phòng năm 2026" in text and "Số hội nghị theo tháng" in text
    vi = await sign_in(api, "org", "vi")
    page = await vi.get("/reports?from=2026-13&to=2027-01", expect=422)
    assert "Nhập tháng theo dạng NNNN-TT" in page.text and 'aria-invalid="true"' in page.text
    page = (await vi.get("/reports?from=2026-07&to=2027-01")).text
    assert "Hội nghị tổng kết công tác văn phòng năm 2026" in page and "Tỷ lệ có mặt theo đơn vị" in page
    assert f'href="/conferences/{rw.w.conference}/reports"' in page and "/api/imports/current/units" in page
