"""Sheets of passes: the PDF to print and the ZIP of PNGs, read back (pypdf, zxing-cpp) and scanned at the door;
who may export them; the Passes tab of a conference."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from api.controllers import pass_sheets as pass_sheets_api
from api.pages import passes_tab
from domain.invitations.pass_sheets import COLS, ROWS, FONT_DIR, FONTS
from tests.support.checkin import audit, desks, scan
from tests.support.matrix import Walk, modules_of, routes_of
from tests.support.pages import sign_in
from tests.platform.test_role_matrix import ROLES, _world_for_matrix

pytestmark = pytest.mark.skipif(not (FONT_DIR / FONTS["regular"]).exists(),
                                reason="DejaVu fonts missing (make browser installs fonts-dejavu-core)")

NAMES = ["Đặng Thị Thủy", "Phùng Sĩ Tấn", "Trịnh Văn Quyết", "Lương Đức Hiếu", "Ngô Thế Dũng", "Bùi Thị Huyền",
         "Đỗ Quốc Việt", "Hồ Sĩ Lực", "Kiều Minh Khải", "Tạ Hữu Điệp", "Quách Văn Lượng"]


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def decoded(png: bytes) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def _invite(api: Any, d: Any, names: list[str], cs: int) -> dict[str, int]:
    out = {}
    for name in names:
        delegate = (await api.post("/api/delegates", {"full_name": name, "rank": "Thiếu tá",
                                                      "position": "Trợ lý Văn thư", "unit_id": d.w.unit}))["id"]
        out[name] = (await api.post(f"{d.c}/invitations", {"delegate_id": delegate, "conference_site_id": cs}))["id"]
    return out


async def test_the_pdf_has_one_card_per_active_pass_with_the_names_in_vietnamese(api):
    d = await desks(api)
    invited = await _invite(api, d, NAMES, d.w.cs_qk3)
    await api.patch(f"{d.c}/invitations/{invited['Quách Văn Lượng']}", {"status": "declined"})
    r = await api.call("GET", f"{d.c}/passes.pdf", expect=200)
    assert r.headers["content-type"] == "application/pdf" and r.headers["cache-control"] == "no-store"
    assert r.headers["content-disposition"] == f'attachment; filename="passes-{d.w.conference}.pdf"'
    cards = 2 + len(NAMES) - 1  # Lê Huy Vịnh at HQ, Nguyễn Quang Ngọc and ten of the eleven at QK3
    assert r.headers["x-pass-count"] == str(cards)
    pages, text = pdf_text(r.content)
    assert pages == -(-cards // (COLS * ROWS)) == 2
    for name in ["Lê Huy Vịnh", "Nguyễn Quang Ngọc", *NAMES[:-1]]:
        assert text.count(name) == 1, name
    assert "Quách Văn Lượng" not in text  # declined: no card
    assert text.count("Hội nghị tổng kết công tác văn phòng năm 2026") == cards
    assert "Điểm cầu Quân khu 3" in text and "Thượng tướng" in text and "Trợ lý Văn thư" in text
    entries = await audit(api, d, "passes.exported")
    assert entries[0]["detail"]["format"] == "pdf" and entries[0]["detail"]["count"] == cards


async def test_one_point_only(api):
    d = await desks(api)
    await _invite(api, d, NAMES[:3], d.w.cs_hq)
    r = await api.call("GET", f"{d.c}/passes.pdf", params={"conference_site_id": d.w.cs_qk3}, expect=200)
    assert r.headers["content-disposition"].endswith('-DC-QK3.pdf"')
    pages, text = pdf_text(r.content)
    assert pages == 1 and "Nguyễn Quang Ngọc" in text
    assert not any(name in text for name in ["Lê Huy Vịnh", *NAMES[:3]])
    z = await api.call("GET", f"{d.c}/passes.zip", params={"conference_site_id": d.w.cs_hq}, expect=200)
    names = sorted(zipfile.ZipFile(io.BytesIO(z.content)).namelist())
    assert len(names) == 4 and all(n.startswith("HQ/") for n in names)
    entries = await audit(api, d, "passes.exported")
    assert [e["detail"]["format"] for e in entries[:2]] == ["zip", "pdf"]
    assert entries[0]["site_id"] == d.w.hq and entries[1]["site_id"] == d.w.qk3


async def test_a_png_in_the_zip_decodes_to_a_pass_the_door_accepts(api):
    d = await desks(api)
    r = await api.call("GET", f"{d.c}/passes.zip", expect=200)
    assert r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    ngoc = d.w.invitations["ngoc"]
    assert sorted(z.namelist()) == sorted([f"DC-QK3/Nguyen-Quang-Ngoc-{ngoc}.png",
                                           f"HQ/Le-Huy-Vinh-{d.w.invitations['vinh']}.png"])
    png = z.read(f"DC-QK3/Nguyen-Quang-Ngoc-{ngoc}.png")
    assert Image.open(io.BytesIO(png)).size == (674, 425)  # 85.6 × 54 mm at 200 dpi
    [token] = decoded(png)
    result = await scan(api, d, token)
    assert result["result"] == "ok" and result["invitation_id"] == ngoc


async def test_a_reissued_pass_is_printed_in_its_new_version(api):
    d = await desks(api)
    old = (await api.get(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass"))["token"]
    await api.post(f"{d.c}/invitations/{d.w.invitations['ngoc']}/pass/reissue", expect=200)
    z = await api.call("GET", f"{d.c}/passes.zip", params={"conference_site_id": d.w.cs_qk3}, expect=200)
    [token] = decoded(zipfile.ZipFile(io.BytesIO(z.content)).read(
        f"DC-QK3/Nguyen-Quang-Ngoc-{d.w.invitations['ngoc']}.png"))
    assert token != old
    assert (await scan(api, d, old))["result"] == "revoked"
    assert (await scan(api, d, token))["result"] == "ok"


async def test_an_operator_prints_their_own_point_only(api):
    d = await desks(api)
    r = await api.call("GET", f"{d.c}/passes.pdf", who="op", expect=200)
    _, text = pdf_text(r.content)
    assert "Nguyễn Quang Ngọc" in text and "Lê Huy Vịnh" not in text
    r = await api.call("GET", f"{d.c}/passes.zip", who="op", params={"conference_site_id": d.w.cs_hq}, expect=404)
    assert r.json()["code"] == "conference_site_not_found"


async def test_bad_input_is_refused_and_nothing_is_audited(api):
    d = await desks(api)
    for params, status, code in (({"conference_site_id": 0}, 422, None), ({"conference_site_id": "x"}, 422, None),
                                 ({"conference_site_id": 999_999}, 404, "conference_site_not_found")):
        r = await api.call("GET", f"{d.c}/passes.pdf", params=params)
        assert r.status_code == status, (params, r.text)
        if code:
            assert r.json()["code"] == code and r.json()["field"] == "conference_site_id"
    await api.call("GET", "/api/conferences/999/passes.zip", expect=404)
    empty = (await api.post(f"/api/sites", {"code": "DC-TRONG", "name": "Điểm cầu trống"}))["id"]
    cs = (await api.post(f"{d.c}/sites", {"site_id": empty}))["id"]
    r = await api.call("GET", f"{d.c}/passes.pdf", params={"conference_site_id": cs}, expect=409)
    assert r.json()["code"] == "no_active_passes"
    assert await audit(api, d, "passes.exported") == []


async def test_too_many_passes_for_one_file(api, monkeypatch):
    from domain.invitations import pass_sheets
    d = await desks(api)
    monkeypatch.setattr(pass_sheets, "MAX_PASSES", 1)
    r = await api.client.get(f"{d.c}/passes.pdf", headers={**api.as_("org"), "Accept-Language": "vi"})
    assert r.status_code == 422 and r.json()["code"] == "too_many_passes"
    assert r.json()["detail"] == "2 thẻ là quá nhiều cho một tệp (tối đa 1): hãy chọn một điểm cầu."
    await api.call("GET", f"{d.c}/passes.pdf", params={"conference_site_id": d.w.cs_qk3}, expect=200)


# --- the Passes tab ---------------------------------------------------------------------------------------------

async def test_the_passes_tab_counts_passes_per_point_and_lists_the_revoked(api):
    d = await desks(api)
    invited = await _invite(api, d, NAMES[:3], d.w.cs_qk3)
    await api.patch(f"{d.c}/invitations/{invited[NAMES[0]]}", {"status": "cancelled"})
    await api.user("vp", "organizer")
    for locale, words in (("vi", ["Thẻ đại biểu", "Tải PDF để in", "Thẻ đã thu hồi", "Đã hủy"]),
                          ("en", ["Passes", "Download PDF to print", "Revoked passes", "Cancelled"])):
        b = await sign_in(api, "vp", locale)
        html = (await b.get(f"/conferences/{d.w.conference}/passes")).text
        for word in words:
            assert word in html, word
        assert f"passes.pdf?conference_site_id={d.w.cs_qk3}" in html
        assert NAMES[0] in html and NAMES[1] not in html  # revoked listed, active not
        await b.aclose()
    b = await sign_in(api, "vp", "en")
    html = (await b.get(f"/conferences/{d.w.conference}/passes?q=quan%20khu")).text
    assert "DC-QK3" in html and "Hội trường Bộ Quốc phòng" not in html
    await b.aclose()


async def test_an_operator_sees_only_their_points_on_the_tab(api):
    d = await desks(api)
    b = await sign_in(api, "op", "en")
    html = (await b.get(f"/conferences/{d.w.conference}/passes")).text
    assert "DC-QK3" in html and "Hội trường Bộ Quốc phòng" not in html and "All my bridge points" in html
    await b.aclose()


# --- who may export -------------------------------------------------------------------------------------------

API_EXPECTED = {"anon": 401, "admin": 200, "org": 200, "op": 200, "op_out": 404, "chair": 403, "viewer": 403}
PAGE_EXPECTED = {**API_EXPECTED, "anon": 303}


async def test_every_pass_sheet_route_for_every_role(api):
    w = await _world_for_matrix(api)
    for username, role, sites in (("admin", "admin", []), ("org", "organizer", []), ("chair", "chair", []),
                                  ("op", "operator", [w.qk3]), ("op_out", "operator", [w.other_site]),
                                  ("viewer", "viewer", [])):
        await api.user(f"web_{username}", role, sites=sites)
    walk = Walk(routes_of(api.app, modules_of([*pass_sheets_api.ROUTES, *passes_tab.ROUTES])), html_errors=True)
    c = f"/api/conferences/{w.conference}"
    for name, path, expected in (
            ("pdf", f"{c}/passes.pdf", API_EXPECTED),
            ("zip", f"{c}/passes.zip", API_EXPECTED),
            ("pdf of QK3", f"{c}/passes.pdf?conference_site_id={w.cs_qk3}", API_EXPECTED),
            ("zip of HQ", f"{c}/passes.zip?conference_site_id={w.cs_hq}", {**API_EXPECTED, "op": 404})):
        for role in ROLES:
            r = await api.call("GET", path, None if role == "anon" else role)
            walk.check("GET", name, path, role, r, expected[role])
    path = f"/conferences/{w.conference}/passes"
    for role in ROLES:
        if role == "anon":
            from tests.support.pages import browser
            b = browser(api)
        else:
            b = await sign_in(api, f"web_{role}", "en")
        r = await b.get(path, expect=None, follow_redirects=False)
        walk.check("GET", "passes tab", path, role, r, PAGE_EXPECTED[role])
        if r.status_code >= 400:
            assert r.headers["X-Error-Code"] in ("forbidden_role", "conference_not_found")
        await b.aclose()
    walk.assert_complete("pass sheets")
