"""From a sheet's rows to the values of each field, with every problem of a cell named (row, column, code)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.models import BridgeSite, Delegate, InvitationRole, Unit

from . import legacy
from .columns import COLUMNS, Header, find_header
from .folding import fast_fold as fold
from .reader import Limits, Table, cell_text, column_letter, problem


@dataclass(slots=True)
class RowError:
    row: int
    column: str  # the column's letter ("" for the row as a whole)
    header: str  # the column's header as the file writes it
    field: str  # the column's field ("" for the row as a whole)
    code: str  # stable, registered in domain.errors.MESSAGES
    value: str = ""  # the cell as read
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedRow:
    row: int
    values: dict[str, Any]  # field → value, for the cells that are not empty
    errors: list[RowError]


CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # the API's `Code`
EMAIL = re.compile(r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")  # the API's delegate e-mail
PHONE = re.compile(r"^[0-9+() .-]*$")
_LENGTH = {"code": Unit.code, "name": Unit.name, "parent_code": Unit.code, "unit_code": Unit.code,
           "unit_name": Unit.name, "point_code": BridgeSite.code, "address": BridgeSite.address,
           "timezone": BridgeSite.timezone, "video_endpoint": BridgeSite.video_endpoint,
           "contact": BridgeSite.contact, "full_name": Delegate.full_name, "rank": Delegate.rank,
           "position": Delegate.position, "email": Delegate.email, "phone": Delegate.phone}
MAX_LENGTH = {f: col.property.columns[0].type.length for f, col in _LENGTH.items()}  # the database's limits
CODES = {"code", "parent_code", "unit_code", "point_code"}
PLAIN = CODES | {"email", "phone", "timezone", "capacity", "active", "locale", "role"}
_YES = {"x", "1", "co", "yes", "y", "true", "dung", "dang hoat dong", "hoat dong", "active", "v"}
_NO = {"0", "khong", "no", "n", "false", "sai", "ngung", "ngung hoat dong", "inactive", "-"}
_LOCALES = {"vi": "vi", "tieng viet": "vi", "viet": "vi", "vietnamese": "vi", "vn": "vi",
            "en": "en", "english": "en", "tieng anh": "en", "anh": "en"}
ROLES = {"chair": InvitationRole.chair, "chu tri": InvitationRole.chair, "chu toa": InvitationRole.chair,
         "presenter": InvitationRole.presenter, "bao cao vien": InvitationRole.presenter,
         "bao cao": InvitationRole.presenter, "trinh bay": InvitationRole.presenter,
         "tham luan": InvitationRole.presenter,
         "delegate": InvitationRole.delegate, "dai bieu": InvitationRole.delegate,
         "observer": InvitationRole.observer, "du thinh": InvitationRole.observer,
         "quan sat": InvitationRole.observer, "khach moi": InvitationRole.observer}
MAX_CAPACITY = 1_000_000


def _convert(fld: str, text: str, kind: str) -> tuple[Any, str | None, dict[str, Any]]:
    """(value, error code or None, error params) of one cell's text."""
    limit = MAX_LENGTH.get(fld)
    if limit is not None and len(text) > limit:
        return None, "too_long", {"max": limit}
    if fld in CODES:
        return (text, None, {}) if CODE.match(text) else (None, "invalid_code", {})
    if fld == "email":
        return (text, None, {}) if EMAIL.match(text) else (None, "invalid_email", {})
    if fld == "phone":
        return (text, None, {}) if PHONE.match(text) else (None, "invalid_phone", {})
    if fld == "capacity":
        digits = text.replace(" ", "").replace("\u202f", "")
        if not digits.isdigit():
            return None, "invalid_number", {}
        n = int(digits)
        return (n, None, {}) if n <= MAX_CAPACITY else (None, "out_of_range", {})
    if fld == "timezone":
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            return None, "invalid_timezone", {}
        return text, None, {}
    if fld == "active":
        folded = fold(text)
        if folded in _YES:
            return True, None, {}
        if folded in _NO:
            return False, None, {}
        return None, "invalid_choice", {"choices": "x / 1 / có / yes — 0 / không / no"}
    if fld == "locale":
        found = _LOCALES.get(fold(text))
        return (found, None, {}) if found else (None, "invalid_choice", {"choices": "vi, en"})
    if fld == "role":
        found = ROLES.get(fold(text))
        return (found, None, {}) if found else (
            None, "invalid_choice", {"choices": "chair / chủ trì, presenter / báo cáo viên, delegate / đại biểu, "
                                                "observer / dự thính"})
    hit = legacy.detect(text)
    if hit is not None:
        return None, f"legacy_{hit.encoding}", {"reading": hit.converted}
    return text, None, {}


class _Merges:
    """Merged cells below the header: every cell of a range takes the value of its first cell (a unit written once
    for the several delegates beside it)."""

    def __init__(self, merged: list[tuple[int, int, int, int]], header_row: int, first_column: int) -> None:
        self.ranges = sorted((r1, c1 - first_column, r2, c2 - first_column) for r1, c1, r2, c2 in merged
                             if r2 >= header_row and (r2 > r1 or c2 > c1))  # 0-based rows: the header is row-1
        self.next = 0
        self.active: list[list[Any]] = []  # [r1, c1, r2, c2, value]

    def apply(self, index: int, cells: list[Any]) -> list[Any]:
        """`index`: the 0-based row."""
        while self.next < len(self.ranges) and self.ranges[self.next][0] <= index:
            self.active.append([*self.ranges[self.next], None])
            self.next += 1
        if not self.active:
            return cells
        keep = []
        for rng in self.active:
            r1, c1, r2, c2, value = rng
            if r2 < index:
                continue
            keep.append(rng)
            if r1 == index:
                rng[4] = cells[c1] if 0 <= c1 < len(cells) else ""
                value = rng[4]
            for c in range(max(c1, 0), c2 + 1):
                if c < len(cells):
                    if (index, c) != (r1, c1):
                        cells[c] = value
                elif value not in (None, ""):
                    cells.extend([""] * (c + 1 - len(cells)))
                    cells[c] = value
        self.active = keep
        return cells


def parse(table: Table, kind: str, limits: Limits) -> tuple[Header, list[ParsedRow]]:
    """The header, then each non-empty row's values and the problems of its cells."""
    header = find_header(table.rows, kind, table.merged, table.first_column, table.sheet)
    columns = {c.field: c for c in COLUMNS[kind]}
    wanted = [(f, i, column_letter(i + table.first_column), header.names[f], columns[f].required)
              for f, i in header.fields.items()]
    merges = _Merges(table.merged, header.row, table.first_column)
    out: list[ParsedRow] = []
    cap = limits.max_cell_chars
    for n, cells in table.rows:
        if table.merged:
            cells = merges.apply(n - 1, list(cells))
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        empty = True
        texts = []
        for fld, i, letter, name, required in wanted:
            text = cell_text(cells[i]) if i < len(cells) else ""
            if len(text) > cap:
                text = text[:cap]
            texts.append((fld, text, letter, name, required))
            if text:
                empty = False
        if empty:
            continue
        for fld, text, letter, name, required in texts:
            if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
                text = text[1:]  # a formula-like value an export made inert
            if not text:
                if required:
                    errors.append(RowError(n, letter, name, fld, "required"))
                continue
            value, code, params = _convert(fld, text, kind)
            if code is not None:
                errors.append(RowError(n, letter, name, fld, code, text, params))
            else:
                values[fld] = value
        out.append(ParsedRow(n, values, errors))
        if len(out) > limits.max_rows:
            raise problem("import_too_many_rows", f"more than {limits.max_rows} rows", limit=limits.max_rows)
    return header, out
