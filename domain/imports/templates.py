"""The files an office fills in: a template per kind and language (XLSX with an instructions sheet, or CSV), and
the registry's current list in the same columns (edit it, import it back: nothing changes unless you changed it)."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from domain.access import Principal, require_staff, visible_conference
from domain.errors import N_, InvalidInput
from domain.i18n import gettext, in_locale
from domain.models import (ACTIVE_INVITATION, BridgeSite, ConferenceSite, Delegate, Invitation, Unit)
from domain.uow import UnitOfWork

from .columns import COLUMNS, KINDS, Column

FIELDS: dict[str, tuple[str, ...]] = {
    "units": ("code", "name", "parent_code"),
    "points": ("code", "name", "unit_code", "address", "capacity", "timezone", "video_endpoint", "contact", "active"),
    "delegates": ("full_name", "rank", "position", "unit_code", "email", "phone", "locale"),
    "invitations": ("full_name", "unit_code", "email", "point_code", "role"),
}
TEXT_FIELDS = {"code", "parent_code", "unit_code", "point_code", "phone"}  # kept as text: «0912…», «001»
TITLES = {"units": N_("Units"), "points": N_("Bridge points"), "delegates": N_("Delegates"),
          "invitations": N_("Invitations")}
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv"}  # the server adds «; charset=utf-8» to a text type
INSTRUCTIONS = [
    N_("Fill in the first sheet, one row per line of the list; keep the header row as it is."),
    N_("The columns may be in any order; headers are recognised with or without accents, in Vietnamese or "
       "English. Other columns (an ordinal number, notes) are left out."),
    N_("Type values, not formulas, and do not merge the header cells. Type in Unicode: text from the old TCVN3 "
       "(ABC) or VNI fonts is refused, with what it would read."),
    N_("An empty cell leaves what is registered as it is."),
    N_("Rows are matched with what is registered: units and bridge points by their code, delegates by their "
       "e-mail or else by their name and unit. Importing the same file twice changes nothing."),
    N_("Instead of the unit's code, a column «Unit» may give its name."),
    N_("Always check the file first: bridgepoint shows what every row would do, and imports nothing while any row "
       "has an error."),
]
EXAMPLE = N_("Example")
REQUIRED = N_("required")


def columns(kind: str) -> list[Column]:
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}", code="import_unknown_kind", field="kind")
    by_field = {c.field: c for c in COLUMNS[kind]}
    return [by_field[f] for f in FIELDS[kind]]


def headers(kind: str, locale: str) -> list[str]:
    with in_locale(locale):
        return [gettext(c.label) for c in columns(kind)]


def file_name(kind: str, locale: str, fmt: str, current: bool = False) -> str:
    names = {"vi": {"units": "don-vi", "points": "diem-cau", "delegates": "dai-bieu", "invitations": "giay-moi"},
             "en": {"units": "units", "points": "bridge-points", "delegates": "delegates",
                    "invitations": "invitations"}}
    what = names.get(locale, names["en"])[kind]
    return f"bridgepoint-{what}{'' if current else '-' + ('mau' if locale == 'vi' else 'template')}.{fmt}"


def write(kind: str, locale: str, fmt: str, rows: Iterable[Sequence[Any]] = ()) -> bytes:
    """A template (no rows) or a list in the template's columns, as XLSX or CSV (UTF-8 with a BOM, which Excel
    opens with the Vietnamese letters intact)."""
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(headers(kind, locale))
        for row in rows:
            writer.writerow(["" if v is None else _inert(v) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise InvalidInput(f"unknown format {fmt!r}", code="import_unknown_format", field="format")
    return _xlsx(kind, locale, rows)


def _inert(value: Any) -> Any:
    """A CSV cell Excel would take for a formula («=», «+», «-», «@») gets an apostrophe in front (Excel then shows
    it as text); the import takes the apostrophe off again."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xlsx(kind: str, locale: str, rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols = columns(kind)
    book = Workbook(write_only=True)
    with in_locale(locale):
        sheet = book.create_sheet(gettext(TITLES[kind])[:31])
        for i, c in enumerate(cols, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(14, min(40, len(gettext(c.label)) + 6))
            if c.field in TEXT_FIELDS:
                sheet.column_dimensions[get_column_letter(i)].number_format = "@"
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
        head = []
        for c in cols:
            cell = WriteOnlyCell(sheet, value=gettext(c.label))
            cell.font, cell.fill = bold, fill
            head.append(cell)
        sheet.append(head)
        sheet.freeze_panes = "A2"
        for row in rows:
            values = []
            for c, v in zip(cols, row):
                if isinstance(v, str):
                    v = _UNWRITABLE.sub("", v)  # control characters XML (and so XLSX) cannot hold
                if (c.field in TEXT_FIELDS and v not in (None, "")) or (isinstance(v, str) and v.startswith("=")):
                    cell = WriteOnlyCell(sheet, value=str(v))
                    cell.data_type = "s"  # text, even when it starts with «=»: never a formula
                    cell.number_format = "@"
                    values.append(cell)
                else:
                    values.append(v)
            sheet.append(values)
        notes = book.create_sheet(gettext("Instructions")[:31])
        notes.column_dimensions["A"].width = 28
        notes.column_dimensions["B"].width = 100
        wrap = Alignment(wrap_text=True, vertical="top")
        title = WriteOnlyCell(notes, value=gettext("How to fill in this list"))
        title.font = Font(bold=True, size=13)
        notes.append([title])
        for line in INSTRUCTIONS:
            cell = WriteOnlyCell(notes, value=gettext(line))
            cell.alignment = wrap
            notes.append(["", cell])
        notes.append([])
        head = [WriteOnlyCell(notes, value=gettext("Column")), WriteOnlyCell(notes, value=gettext(EXAMPLE))]
        for cell in head:
            cell.font = bold
        notes.append(head)
        for c in cols:
            name = gettext(c.label) + (f" ({gettext(REQUIRED)})" if c.required else "")
            notes.append([name, c.example])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


async def current_rows(uow: UnitOfWork, p: Principal, kind: str, conference_id: int | None = None
                       ) -> list[list[Any]]:
    """What is registered, in the template's columns (organizers and administrators: the registry is theirs)."""
    require_staff(p)
    columns(kind)
    async with uow:
        s = uow.session
        if kind == "units":
            parent = aliased(Unit)
            rows = await s.execute(select(Unit.code, Unit.name, parent.code).outerjoin(
                parent, parent.id == Unit.parent_id).order_by(Unit.code))
            return [list(r) for r in rows.tuples()]
        if kind == "points":
            rows = await s.execute(select(BridgeSite.code, BridgeSite.name, Unit.code, BridgeSite.address,
                                          BridgeSite.capacity, BridgeSite.timezone, BridgeSite.video_endpoint,
                                          BridgeSite.contact, BridgeSite.active)
                                   .outerjoin(Unit, Unit.id == BridgeSite.unit_id).order_by(BridgeSite.code))
            return [[*r[:8], "x" if r[8] else "0"] for r in rows.tuples()]
        if kind == "delegates":
            rows = await s.execute(select(Delegate.full_name, Delegate.rank, Delegate.position, Unit.code,
                                          Delegate.email, Delegate.phone, Delegate.locale)
                                   .outerjoin(Unit, Unit.id == Delegate.unit_id).order_by(Delegate.search,
                                                                                          Delegate.id))
            return [list(r) for r in rows.tuples()]
        if conference_id is None:
            raise InvalidInput("invitations are a conference's: name the conference", code="required",
                               field="conference_id")
        conf = await visible_conference(s, p, conference_id)
        rows = await s.execute(select(Delegate.full_name, Unit.code, Delegate.email, BridgeSite.code, Invitation.role)
                               .join(Delegate, Delegate.id == Invitation.delegate_id)
                               .outerjoin(Unit, Unit.id == Delegate.unit_id)
                               .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
                               .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                               .where(Invitation.conference_id == conf.id, Invitation.status.in_(ACTIVE_INVITATION))
                               .order_by(Delegate.search, Invitation.id))
        return [[*r[:4], r[4].value] for r in rows.tuples()]


@dataclass(frozen=True)
class ListFile:
    content: bytes
    filename: str
    media_type: str


def template_file(p: Principal, kind: str, locale: str, fmt: str) -> ListFile:
    """The empty template of a kind, in a language (organizers and administrators: they import)."""
    require_staff(p)
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}", code="import_unknown_format", field="format")
    return ListFile(write(kind, locale, fmt), file_name(kind, locale, fmt), FORMATS[fmt])


async def current_file(uow: UnitOfWork, p: Principal, kind: str, locale: str, fmt: str,
                       conference_id: int | None = None) -> ListFile:
    """What is registered, in the template's columns: edit it in Excel and import it back."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}", code="import_unknown_format", field="format")
    rows = await current_rows(uow, p, kind, conference_id)
    return ListFile(write(kind, locale, fmt, rows), file_name(kind, locale, fmt, current=True), FORMATS[fmt])
