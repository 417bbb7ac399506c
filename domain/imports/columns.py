"""The columns of each kind of list, and finding them in a sheet's header row.

A header is recognised with or without diacritics, in either language, and by the other names offices give it:
«Họ và tên» = «Ho va ten» = «HỌ VÀ TÊN (*)» = «Full name». The templates' headers are the labels below, in the
language of the download.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from domain.errors import N_
from domain.i18n import in_locale, gettext
from domain.text import fold

from .reader import HEADER_ROOM, cell_text, column_letter, problem

KINDS = ("units", "points", "delegates", "invitations")


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # English (N_), translated in the template of each language
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""  # the templates' example row


_UNIT_CODE = Column("unit_code", N_("Unit code"), ("Mã đơn vị", "Mã ĐV", "Unit code", "Unit ID"),
                    example="QK3")
_UNIT_NAME = Column("unit_name", N_("Unit"), ("Đơn vị", "Tên đơn vị", "Unit", "Unit name", "Cơ quan, đơn vị",
                                              "Cơ quan"), example="Quân khu 3")
_FULL_NAME = Column("full_name", N_("Full name"), ("Họ và tên", "Họ tên", "Họ và tên đại biểu", "Tên đại biểu",
                                                   "Name", "Full name", "Delegate", "Đại biểu"),
                    required=True, example="Nguyễn Văn An")
_EMAIL = Column("email", N_("E-mail"), ("Email", "E-mail", "Thư điện tử", "Địa chỉ thư điện tử", "Mail",
                                        "Thư điện tử (e-mail)"), example="nguyen.van.an@example.vn")
_POINT_CODE = Column("point_code", N_("Point code"), ("Mã điểm cầu", "Mã điểm", "Point code", "Site code",
                                                      "Bridge point code"), example="DC-QK3")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "units": (
        Column("code", N_("Unit code"), ("Mã đơn vị", "Mã", "Code", "Mã ĐV", "Unit code"), True, "QK3-PTM"),
        Column("name", N_("Unit name"), ("Tên đơn vị", "Tên", "Đơn vị", "Name", "Unit", "Unit name"), True,
               "Phòng Tham mưu"),
        Column("parent_code", N_("Parent unit code"), ("Mã đơn vị cấp trên", "Mã cấp trên", "Cấp trên",
                                                       "Parent", "Parent code", "Parent unit code"), example="QK3"),
    ),
    "points": (
        Column("code", N_("Point code"), ("Mã điểm cầu", "Mã", "Code", "Point code", "Site code"), True, "DC-QK3"),
        Column("name", N_("Point name"), ("Tên điểm cầu", "Tên", "Điểm cầu", "Name", "Point name", "Bridge point"),
               True, "Điểm cầu Quân khu 3"),
        _UNIT_CODE, _UNIT_NAME,
        Column("address", N_("Address"), ("Địa chỉ", "Address"), example="Hải Phòng"),
        Column("capacity", N_("Capacity"), ("Sức chứa", "Số chỗ", "Số chỗ ngồi", "Capacity", "Seats"), example="60"),
        Column("timezone", N_("Time zone"), ("Múi giờ", "Time zone", "Timezone"), example="Asia/Ho_Chi_Minh"),
        Column("video_endpoint", N_("Video endpoint"), ("Địa chỉ thiết bị truyền hình", "Thiết bị truyền hình",
                                                        "Video endpoint", "Video address"), example="sip:qk3@vc.mod"),
        Column("contact", N_("Contact"), ("Liên hệ", "Người liên hệ", "Contact"), example="Phòng Thông tin"),
        Column("active", N_("Active"), ("Đang hoạt động", "Hoạt động", "Active"), example="x"),
    ),
    "delegates": (
        _FULL_NAME,
        Column("rank", N_("Rank"), ("Cấp bậc", "Quân hàm", "Rank"), example="Đại tá"),
        Column("position", N_("Position"), ("Chức vụ", "Chức danh", "Position", "Title"), example="Phó Tư lệnh"),
        _UNIT_CODE, _UNIT_NAME, _EMAIL,
        Column("phone", N_("Phone"), ("Điện thoại", "Số điện thoại", "SĐT", "Điện thoại di động", "Phone", "Mobile"),
               example="0912 345 678"),
        Column("locale", N_("Language"), ("Ngôn ngữ", "Language"), example="vi"),
    ),
    "invitations": (
        _FULL_NAME, _UNIT_CODE, _UNIT_NAME, _EMAIL, _POINT_CODE,
        Column("role", N_("Role"), ("Vai trò", "Thành phần", "Role"), example="delegate"),
    ),
}
# alternatives: one of them must be there (the unit of a delegate by code or by name)
ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {}
# the ordinal column of every office list: known, never reported as ignored
_ORDINAL = {"stt", "tt", "sott", "no", "so", "n", "nr"}


def key(text: str) -> str:
    """A header as compared: folded (no case, no diacritics, đ→d), letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def label(column: Column, locale: str) -> str:
    with in_locale(locale):
        return gettext(column.label)


@cache
def _keys(column: Column) -> set[str]:
    return {key(a) for a in (*column.aliases, column.label, label(column, "vi"))} - {""}


@dataclass
class Header:
    row: int  # its row number
    fields: dict[str, int]  # field → column index in the row
    names: dict[str, str]  # field → the header as written in the file
    ignored: list[str]  # headers of columns that are not imported


def _match(cells: list[Any], kind: str) -> tuple[dict[str, int], dict[str, str], list[str], list[str]]:
    wanted = [(c, _keys(c)) for c in COLUMNS[kind]]
    found: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    duplicated: list[str] = []
    for i, raw in enumerate(cells):
        text = cell_text(raw)
        k = key(text)
        if not k:
            continue
        column = next((c for c, keys in wanted if k in keys), None)
        if column is None:
            if k not in _ORDINAL:
                ignored.append(text)
        elif column.field in found:
            duplicated.append(text)
        else:
            found[column.field] = i
            names[column.field] = text
    return found, names, ignored, duplicated


def find_header(rows: Any, kind: str, merged: list[tuple[int, int, int, int]], first_column: int,
                sheet: str) -> Header:
    """The header row among the first rows: the first one naming every required column (the rows above it, a
    title or a date, are skipped; the rows after it are the data). A header with merged cells, a column named twice, or no header at all is
    refused, naming the columns expected."""
    required = [c for c in COLUMNS[kind] if c.required]
    best: tuple[int, int, list[str]] | None = None  # (matches, row, missing)
    for n, cells in rows:
        found, names, ignored, duplicated = _match(cells, kind)
        missing = [c for c in required if c.field not in found]
        if found and not missing:
            if duplicated:
                raise problem("import_duplicate_column", f"the column {duplicated[0]!r} appears twice in row {n}",
                              column=duplicated[0], row=n)
            for r1, c1, r2, c2 in merged:
                if r1 <= n - 1 <= r2 and any(c1 <= i + first_column <= c2 for i in found.values()):
                    raise problem("import_merged_header",
                                  f"the header row {n} has merged cells ({column_letter(c1)}{r1 + 1}:"
                                  f"{column_letter(c2)}{r2 + 1}): give every column its own header cell",
                                  row=n, cells=f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}")
            for group in ONE_OF.get(kind, ()):
                if not any(f in found for f in group):
                    raise problem("import_missing_columns", f"the header row {n} lacks the column {group[0]!r}",
                                  row=n, columns=", ".join(label(c, "en") for c in COLUMNS[kind]
                                                           if c.field in group))
            return Header(n, found, names, ignored)
        if found and (best is None or len(found) > best[0]):
            best = (len(found), n, [label(c, "en") for c in missing])
        if n >= HEADER_ROOM:
            break
    expected = ", ".join(f"«{label(c, 'vi')}» / «{label(c, 'en')}»" for c in required)
    if best is not None:
        raise problem("import_missing_columns", f"row {best[1]} looks like the header but lacks "
                                                f"{', '.join(best[2])}", row=best[1], columns=", ".join(best[2]))
    raise problem("import_no_header", f"no header row with the columns {expected} in the first {HEADER_ROOM} rows "
                                      f"of {sheet!r}", columns=expected)
