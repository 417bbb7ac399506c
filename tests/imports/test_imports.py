"""Importing units, points, delegates and invitations: headers in either language, every row's action, all or
nothing, idempotent by natural keys, duplicates, legacy encodings, the round trip through the exported lists."""
from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import select

from domain.models import AuditEntry, BridgeSite, Delegate, Invitation, Unit
from tests.conftest import Api
from tests.support.imports import count, csv_bytes, unicode_text, upload, xlsx
from tests.support.factories import make_world

UNITS = [["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"],
         ["QK3-PTM", "Phòng Tham mưu", "QK3"],  # its parent comes later in the file
         ["QK3", "Quân khu 3", "BQP"],
         ["BQP", "Bộ Quốc phòng", ""]]
POINTS = [["Point code", "Point name", "Unit", "Address", "Capacity", "Time zone", "Active"],
          ["DC-QK3", "Điểm cầu Quân khu 3", "Quân khu 3", "Hải Phòng", 60, "Asia/Ho_Chi_Minh", "x"],
          ["HQ", "Hội trường Bộ Quốc phòng", "Bộ Quốc phòng", "Hà Nội", 200, "", "có"]]
PEOPLE = [["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ"], [], ["STT", "HỌ VÀ TÊN (*)", "Cấp bậc", "Chức vụ", "Đơn vị",
                                                   "Thư điện tử", "Ghi chú"],
          [1, "Nguyễn Văn An", "Đại tá", "Phó Tư lệnh", "Quân khu 3", "an.nv@qk3.vn", "dự cả ngày"],
          [2, "Trần Thị Bình", "Thượng tá", "Trưởng phòng", "Phòng Tham mưu", "", ""],
          [3, "Lê Huy Cường", "Trung tá", "Trợ lý", "Bộ Quốc phòng", "cuong.lh@mod.vn", ""]]


async def _registry(api: Api) -> None:
    assert (await upload(api, "units", xlsx(UNITS), "units.xlsx", dry_run=False))["applied"]
    assert (await upload(api, "points", xlsx(POINTS), "points.xlsx", dry_run=False))["applied"]


async def _snapshot(api: Api) -> list[Any]:
    async with api.sessionmaker() as s:
        out = []
        for model in (Unit, BridgeSite, Delegate, Invitation):
            rows = (await s.execute(select(model).order_by(model.id))).scalars().all()
            out.append([{c.name: getattr(r, c.name) for c in model.__table__.columns if c.name != "created_at"}
                        for r in rows])
        return out


async def test_a_unit_tree_imports_in_any_order_and_again_changes_nothing(api: Api) -> None:
    check = await upload(api, "units", xlsx(UNITS), "units.xlsx")
    assert check["counts"] == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert check["dry_run"] and not check["applied"] and await count(api, Unit) == 0
    done = await upload(api, "units", xlsx(UNITS), "units.xlsx", dry_run=False)
    assert done["applied"] and await count(api, Unit) == 3
    async with api.sessionmaker() as s:
        units = {u.code: u for u in (await s.execute(select(Unit))).scalars()}
    assert units["QK3-PTM"].parent_id == units["QK3"].id and units["QK3"].parent_id == units["BQP"].id
    assert units["QK3"].search == "quan khu 3 qk3"  # searchable as the registry's own units
    before = await _snapshot(api)
    audits = await count(api, AuditEntry)
    again = await upload(api, "units", xlsx(UNITS), "units.xlsx", dry_run=False)
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 3, "error": 0} and again["applied"]
    assert await _snapshot(api) == before and await count(api, AuditEntry) == audits


async def test_a_unit_cannot_end_up_under_itself(api: Api) -> None:
    await upload(api, "units", xlsx(UNITS), dry_run=False)
    cycle = await upload(api, "units", xlsx([UNITS[0], ["BQP", "Bộ Quốc phòng", "QK3-PTM"]]))
    assert cycle["counts"]["error"] == 1 and cycle["rows"][0]["errors"][0]["code"] == "unit_cycle"
    unknown = await upload(api, "units", xlsx([UNITS[0], ["X1", "Phòng X", "KHONG-CO"], ["X1", "Phòng Y", ""]]))
    codes = sorted(e["code"] for r in unknown["rows"] for e in r["errors"])
    assert codes == ["duplicate_in_file", "unit_not_found"]


async def test_points_find_their_unit_by_name_and_check_every_cell(api: Api) -> None:
    await upload(api, "units", xlsx(UNITS), dry_run=False)
    done = await upload(api, "points", xlsx(POINTS), dry_run=False)
    assert done["counts"]["create"] == 2
    async with api.sessionmaker() as s:
        hq = (await s.execute(select(BridgeSite).where(BridgeSite.code == "HQ"))).scalar_one()
        bqp = (await s.execute(select(Unit).where(Unit.code == "BQP"))).scalar_one()
    assert (hq.unit_id, hq.capacity, hq.timezone, hq.active) == (bqp.id, 200, "Asia/Ho_Chi_Minh", True)
    bad = await upload(api, "points", xlsx([POINTS[0], ["DC 9", "Điểm 9", "Quân khu 9", "", "sáu mươi",
                                                        "Asia/Hanoi", "có lẽ"]]), headers={"Accept-Language": "en"})
    errors = {e["field"]: e for e in bad["rows"][0]["errors"]}
    assert {f: e["code"] for f, e in errors.items()} == {
        "code": "invalid_code", "capacity": "invalid_number", "timezone": "invalid_timezone",
        "active": "invalid_choice", "unit_name": "unit_not_found"}
    assert errors["code"]["column"] == "A" and errors["code"]["header"] == "Point code"
    assert errors["code"]["row"] == 2 and errors["code"]["value"] == "DC 9"
    moved = await upload(api, "points", xlsx([POINTS[0], ["HQ", "Hội trường Bộ Quốc phòng", "", "Số 7 Nguyễn Tri "
                                                          "Phương", "", "", ""]]), dry_run=False)
    assert moved["counts"] == {"create": 0, "update": 1, "unchanged": 0, "error": 0}
    assert moved["rows"][0]["changes"] == ["address"]  # empty cells left the rest as it was


async def test_delegates_under_a_title_with_office_headers(api: Api) -> None:
    await _registry(api)
    check = await upload(api, "delegates", xlsx(PEOPLE), "dai-bieu.xlsx")
    assert check["header_row"] == 3 and check["ignored_columns"] == ["Ghi chú"]  # «STT» is known, not reported
    assert check["counts"] == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert await count(api, Delegate) == 0
    await upload(api, "delegates", xlsx(PEOPLE), dry_run=False)
    async with api.sessionmaker() as s:
        people = {d.full_name: d for d in (await s.execute(select(Delegate))).scalars()}
        unit = (await s.execute(select(Unit).where(Unit.code == "QK3-PTM"))).scalar_one()
    assert people["Trần Thị Bình"].unit_id == unit.id and people["Nguyễn Văn An"].email == "an.nv@qk3.vn"
    assert people["Lê Huy Cường"].search.startswith("le huy cuong")
    # a changed rank updates, matched by e-mail; a person without e-mail by name and unit
    changed = [row[:] for row in PEOPLE]
    changed[3][2], changed[4][3] = "Thiếu tướng", "Phó phòng"
    again = await upload(api, "delegates", xlsx(changed), dry_run=False)
    assert again["counts"] == {"create": 0, "update": 2, "unchanged": 1, "error": 0}
    assert sorted(tuple(r["changes"]) for r in again["rows"]) == [("position",), ("rank",)]
    assert await count(api, Delegate) == 3


async def test_headers_with_or_without_accents_and_in_english(api: Api) -> None:
    await _registry(api)
    for header in (["Họ và tên", "Mã đơn vị"], ["Ho va ten", "Ma don vi"], ["HO TEN", "MÃ ĐƠN VỊ"],
                   ["Full name", "Unit code"], ["  họ và  tên ", "unit code"]):
        report = await upload(api, "delegates", xlsx([header, ["Phạm Minh Đức", "QK3"]]))
        assert report["columns"] == {"full_name": " ".join(header[0].split()), "unit_code": header[1]}, header
        assert report["counts"]["create"] == 1


async def test_csv_as_offices_save_it(api: Api) -> None:
    await _registry(api)
    rows = [["Họ và tên", "Cấp bậc", "Đơn vị"], ["Nguyễn Văn Định", "Đại úy", "Quân khu 3"],
            ["Đỗ Thị Hà; Lan", "", "Bộ Quốc phòng"]]
    variants = {"UTF-8": csv_bytes(rows), "UTF-8 with BOM": csv_bytes(rows, bom=True),
                "semicolons": csv_bytes(rows, delimiter=";", bom=True), "Unicode Text": unicode_text(rows)}
    for name, content in variants.items():
        report = await upload(api, "delegates", content, "list.csv")
        assert report["counts"]["create"] == 2, (name, report)
        assert report["format"] == "csv"
    await upload(api, "delegates", variants["Unicode Text"], "list.txt", dry_run=False)
    async with api.sessionmaker() as s:
        names = sorted((await s.execute(select(Delegate.full_name))).scalars())
    assert names == ["Nguyễn Văn Định", "Đỗ Thị Hà; Lan"]


async def test_text_is_stored_in_nfc_with_its_white_space_tidied(api: Api) -> None:
    await _registry(api)
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị\u00a0Thủy ")
    await upload(api, "delegates", xlsx([["Họ và tên"], [decomposed]]), dry_run=False)
    async with api.sessionmaker() as s:
        name = (await s.execute(select(Delegate.full_name))).scalar_one()
    assert name == "Nguyễn Thị Thủy" and unicodedata.is_normalized("NFC", name)


async def test_legacy_vietnamese_encodings_are_reported_with_their_reading_and_never_imported(api: Api) -> None:
    await _registry(api)
    rows = [["Họ và tên", "Cấp bậc", "Đơn vị"],
            ["NguyÔn V¨n An", "§¹i t¸", "Quân khu 3"],  # TCVN3 (ABC, .VnTime)
            ["Nguyeãn Vaên Bình", "Ñaïi taù", "Quân khu 3"],  # VNI (VNI-Times)
            ["Nguyễn Văn Chiến", "Đại tá", "Quân khu 3"]]
    for lang, expected in (("vi", "Nguyễn Văn An"), ("en", "Nguyễn Văn An")):
        report = await upload(api, "delegates", xlsx(rows), headers={"Accept-Language": lang})
        errors = [e for r in report["rows"] for e in r["errors"]]
        assert [(e["row"], e["column"], e["code"]) for e in errors] == [
            (2, "A", "legacy_tcvn3"), (2, "B", "legacy_tcvn3"), (3, "A", "legacy_vni"), (3, "B", "legacy_vni")]
        assert expected in errors[0]["message"] and "Đại tá" in errors[3]["message"]
        assert ("bảng mã" in errors[0]["message"]) == (lang == "vi")
    applied = await upload(api, "delegates", xlsx(rows), dry_run=False, expect=422)
    assert applied["code"] == "import_has_errors" and not applied["applied"]
    assert await count(api, Delegate) == 0  # not even the correct third row


async def test_duplicates_in_the_file_and_against_the_registry(api: Api) -> None:
    await _registry(api)
    await upload(api, "delegates", xlsx([["Họ và tên", "Đơn vị", "Thư điện tử"],
                                         ["Nguyễn Văn An", "Quân khu 3", "an@qk3.vn"]]), dry_run=False)
    report = await upload(api, "delegates", xlsx([
        ["Họ và tên", "Đơn vị", "Thư điện tử"],
        ["Hoàng Văn Em", "Quân khu 3", "em@qk3.vn"],
        ["Hoàng Văn Em (trùng)", "Quân khu 3", "EM@qk3.vn"],  # the same e-mail, whatever its case
        ["Vũ Văn Giang", "Quân khu 3", ""],
        ["vu van giang", "Quân khu 3", ""],  # the same name and unit, ignoring accents and case
        ["Nguyễn Văn An", "Quân khu 3", "an.khac@qk3.vn"]]))  # registered with another e-mail
    found = {r["row"]: [e["code"] for e in r["errors"]] for r in report["rows"] if r["errors"]}
    assert found == {3: ["duplicate_in_file"], 5: ["duplicate_in_file"], 6: ["import_possible_duplicate"]}
    first = next(r for r in report["rows"] if r["row"] == 3)["errors"][0]
    assert first["field"] == "email" and "2" in first["message"]
    # told that these are different people, the office creates the namesake
    other = await upload(api, "delegates", xlsx([["Họ và tên", "Đơn vị", "Thư điện tử"],
                                                 ["Nguyễn Văn An", "Quân khu 3", "an.khac@qk3.vn"]]),
                         dry_run=False, allow_duplicates="true")
    assert other["counts"]["create"] == 1 and await count(api, Delegate) == 2


async def test_a_dry_run_writes_nothing_and_an_apply_after_a_failed_one_writes_nothing(api: Api) -> None:
    await _registry(api)
    rows = [["Họ và tên", "Mã đơn vị", "Thư điện tử"], ["Ngô Văn Hải", "QK3", "hai@qk3.vn"],
            ["Đinh Văn Khoa", "QK9", "khoa@qk3.vn"]]  # no such unit
    before = await _snapshot(api), await count(api, AuditEntry)
    check = await upload(api, "delegates", xlsx(rows))
    assert check["counts"] == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert check["rows"][0]["action"] == "error" and check["rows"][0]["errors"][0]["column"] == "B"
    assert (await _snapshot(api), await count(api, AuditEntry)) == before
    applied = await upload(api, "delegates", xlsx(rows), dry_run=False, expect=422)
    assert applied["code"] == "import_has_errors" and applied["counts"]["error"] == 1
    assert (await _snapshot(api), await count(api, AuditEntry)) == before


async def test_an_applied_import_is_audited_once(api: Api) -> None:
    await _registry(api)
    await upload(api, "delegates", xlsx(PEOPLE), "dai-bieu.xlsx", dry_run=False)
    async with api.sessionmaker() as s:
        entries = (await s.execute(select(AuditEntry).where(AuditEntry.action == "import.applied")
                                   .order_by(AuditEntry.id))).scalars().all()
    assert [e.detail["kind"] for e in entries] == ["units", "points", "delegates"]
    assert {"file": "dai-bieu.xlsx", "created": 3, "rows": 3}.items() <= entries[-1].detail.items()
    assert entries[-1].actor_user_id == await api.user_id("org") and entries[-1].source == "api"


async def test_invitations_of_a_conference(api: Api) -> None:
    w = await make_world(api)  # HQ host hall + DC-QK3; Vịnh at HQ, Ngọc at QK3
    more = [(await api.post("/api/delegates", {"full_name": name, "unit_id": w.unit, "email": email}))["id"]
            for name, email in (("Phan Văn Giang", "giang@mod.vn"), ("Lương Cường", "cuong@mod.vn"))]
    rows = [["Họ và tên", "Thư điện tử", "Mã điểm cầu", "Vai trò"],
            ["Phan Văn Giang", "giang@mod.vn", "DC-QK3", "Chủ trì"],
            ["Lương Cường", "cuong@mod.vn", "", "đại biểu"],  # no point: his unit's (the host hall's)
            ["Nguyễn Quang Ngọc", "", "HQ", "Báo cáo viên"],  # already invited at QK3: moves, and presents
            ["Người Lạ", "", "DC-QK3", ""],  # nobody registered
            ["Lê Huy Vịnh", "", "DC-HQ2", ""]]  # a point that does not take part
    conf = w.conference
    check = await upload(api, "invitations", xlsx(rows), conference_id=conf)
    actions = {r["label"]: (r["action"], [e["code"] for e in r["errors"]]) for r in check["rows"]}
    assert actions == {"Phan Văn Giang": ("create", []), "Lương Cường": ("create", []),
                       "Nguyễn Quang Ngọc": ("update", []), "Người Lạ": ("error", ["delegate_not_found"]),
                       "Lê Huy Vịnh": ("error", ["conference_site_not_found"])}
    good = [rows[0], *rows[1:4]]
    done = await upload(api, "invitations", xlsx(good), dry_run=False, conference_id=conf)
    assert done["counts"] == {"create": 2, "update": 1, "unchanged": 0, "error": 0}
    invs = {i["delegate_id"]: i for i in (await api.get(f"/api/conferences/{conf}/invitations?limit=50"))["items"]}
    assert invs[more[0]]["role"] == "chair" and invs[more[0]]["conference_site_id"] == w.cs_qk3
    assert invs[more[1]]["conference_site_id"] == w.cs_hq
    assert invs[w.delegates["ngoc"]]["conference_site_id"] == w.cs_hq
    assert invs[w.delegates["ngoc"]]["role"] == "presenter"
    again = await upload(api, "invitations", xlsx(good), dry_run=False, conference_id=conf)
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    # without a conference: a clear error
    problem = await upload(api, "invitations", xlsx(good), expect=422)
    assert problem["code"] == "required" and problem["field"] == "conference_id"


async def test_the_round_trip_through_the_registrys_own_lists_changes_nothing(api: Api) -> None:
    await _registry(api)
    await upload(api, "delegates", xlsx(PEOPLE), dry_run=False)
    w_conf = (await api.post("/api/conferences", {
        "title": "Giao ban tháng 12", "starts_at": "2026-12-28T08:00:00+07:00",
        "ends_at": "2026-12-28T10:00:00+07:00"}))["id"]
    hq = (await api.get("/api/sites?q=HQ"))["items"][0]["id"]
    await api.post(f"/api/conferences/{w_conf}/sites", {"site_id": hq})
    await upload(api, "invitations", xlsx([["Họ và tên", "Thư điện tử", "Mã điểm cầu"],
                                           ["Nguyễn Văn An", "an.nv@qk3.vn", "HQ"]]), dry_run=False,
                 conference_id=w_conf)
    before = await _snapshot(api), await count(api, AuditEntry)
    for kind in ("units", "points", "delegates", "invitations"):
        for fmt, lang in (("xlsx", "vi"), ("csv", "en")):
            query = f"?format={fmt}&lang={lang}" + (f"&conference_id={w_conf}" if kind == "invitations" else "")
            exported = await api.call("GET", f"/api/imports/current/{kind}{query}", expect=200)
            report = await upload(api, kind, exported.content, f"{kind}.{fmt}", dry_run=False,
                                  **({"conference_id": w_conf} if kind == "invitations" else {}))
            assert report["counts"]["create"] == report["counts"]["update"] == report["counts"]["error"] == 0, \
                (kind, fmt, report)
            assert report["counts"]["unchanged"] > 0
    assert (await _snapshot(api), await count(api, AuditEntry)) == before


async def test_templates_in_both_languages(api: Api) -> None:
    from python_calamine import CalamineWorkbook
    import io

    for kind, first in (("units", ("Mã đơn vị", "Unit code")), ("delegates", ("Họ và tên", "Full name"))):
        for lang, header in zip(("vi", "en"), first):
            r = await api.call("GET", f"/api/imports/templates/{kind}?format=xlsx&lang={lang}", expect=200)
            assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
            book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
            assert book.get_sheet_by_index(0).to_python()[0][0] == header
            assert len(book.sheet_names) == 2  # the instructions
            c = await api.call("GET", f"/api/imports/templates/{kind}?format=csv&lang={lang}", expect=200)
            assert c.content.startswith(b"\xef\xbb\xbf" + header.encode())
            # an empty template checks as an empty list
            report = await upload(api, kind, r.content, "mau.xlsx")
            assert report["counts"] == {"create": 0, "update": 0, "unchanged": 0, "error": 0}


async def test_a_unit_written_once_for_the_rows_beside_it_applies_to_each(api: Api) -> None:
    """Offices merge the unit's cell down the rows of its delegates: every row of the merged range gets it."""
    await _registry(api)
    rows = [["STT", "Họ và tên", "Đơn vị"], [1, "Đặng Văn Khải", "Quân khu 3"], [2, "Bùi Thị Mai", None],
            [3, "Hồ Văn Nam", None], [4, "Tạ Văn Phúc", "Bộ Quốc phòng"]]
    report = await upload(api, "delegates", xlsx(rows, merges=["C2:C4"]), dry_run=False)
    assert report["counts"] == {"create": 4, "update": 0, "unchanged": 0, "error": 0}
    async with api.sessionmaker() as s:
        units = dict((await s.execute(select(Delegate.full_name, Unit.code).join(Unit, Unit.id == Delegate.unit_id)))
                     .tuples().all())
    assert units == {"Đặng Văn Khải": "QK3", "Bùi Thị Mai": "QK3", "Hồ Văn Nam": "QK3", "Tạ Văn Phúc": "BQP"}
