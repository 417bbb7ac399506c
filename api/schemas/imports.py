"""Schemas of importing lists from spreadsheets: the report of a dry run or an apply."""
from __future__ import annotations

from msgspec import Struct

from api.i18n.errors import registered_text
from domain.imports import ImportReport

MAX_ROWS_OUT = 5000  # rows listed in a report (every count is complete)


class ImportErrorOut(Struct):
    row: int  # as the office sees it in the sheet
    column: str  # the column's letter; "" for the row as a whole
    header: str  # the column's header in the file
    field: str
    code: str  # stable: see the error codes of the API
    message: str  # in the request's language
    value: str  # the cell as read


class ImportRowOut(Struct):
    row: int
    action: str  # create | update | unchanged | error
    label: str
    changes: list[str]
    errors: list[ImportErrorOut]


class ImportReportOut(Struct):
    kind: str
    file_name: str
    format: str  # xlsx | csv
    sheet: str
    header_row: int
    columns: dict[str, str]  # field → header found in the file
    ignored_columns: list[str]
    counts: dict[str, int]  # create, update, unchanged, error
    dry_run: bool
    applied: bool
    conference_id: int | None
    rows: list[ImportRowOut]  # the rows that change something or have errors (errors first), at most 5,000
    rows_truncated: bool
    code: str | None = None  # import_has_errors when an apply wrote nothing


def import_report_out(r: ImportReport) -> ImportReportOut:
    listed = [x for x in r.rows if x.action == "error"] + [x for x in r.rows if x.action in ("create", "update")]
    rows = [ImportRowOut(x.row, x.action, x.label, list(x.changes), [
        ImportErrorOut(e.row, e.column, e.header, e.field, e.code, registered_text(e.code, e.params) or e.code, e.value)
        for e in x.errors]) for x in listed[:MAX_ROWS_OUT]]
    return ImportReportOut(r.kind, r.file_name, r.format, r.sheet, r.header_row, r.columns, r.ignored_columns,
                           r.counts, r.dry_run, r.applied, r.conference_id, rows, len(listed) > MAX_ROWS_OUT,
                           None if r.applied or r.dry_run else "import_has_errors")
