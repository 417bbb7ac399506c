"""Importing lists from spreadsheets (HTTP): a multipart upload checked (dry run) or applied, the templates of each
kind in both languages, and the registry's current lists in the same columns."""
from __future__ import annotations

from typing import Any, Literal

from litestar import Response, get, post

from api.i18n import current_locale
from api.params import ImportFormat as Format, ImportLanguage as Language, Multipart, QueryId
from api.uploads import MAX_BODY, clean_name, upload_of
from api.schemas import MAX_ID
from api.schemas.imports import ImportReportOut, import_report_out
from domain.access import Principal
from domain.errors import InvalidInput
from domain.imports import run_import
from domain.imports import templates as import_templates
from domain.uow import UnitOfWork

Kind = Literal["units", "points", "delegates", "invitations"]
WHO = "Organizers and administrators only."


def _flag(value: Any, name: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.lower() in ("1", "true", "on", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("0", "false", "off", "no"):
        return False
    raise InvalidInput(f"{name}: true or false", code="invalid_input", field=name)


def _id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InvalidInput(f"{name}: not an id", code="invalid_input", field=name)
    return int(value)


@post("/api/imports/{kind:str}", operation_id="importList", tags=["imports"], status_code=200,
      request_max_body_size=MAX_BODY,
      description="Import units (a tree by parent code), bridge points, delegates or a conference's invitations from "
                  "an XLSX or CSV file (UTF-8 with or without BOM, or UTF-16 «Unicode Text»), sent as "
                  "multipart/form-data: `file`, `dry_run` (default true: only check), `conference_id` (invitations), "
                  "`allow_duplicates` (a delegate with the same name and unit but another e-mail is another person). "
                  "Headers are found with or without accents, in Vietnamese or English. The report gives every "
                  "row's action (create, update, unchanged, error) and each error's row, column, stable code and "
                  "message in the request's language. An apply writes all rows or none: with any row in error it "
                  "answers 422 `import_has_errors` with the report and writes nothing. Rows are matched by natural "
                  "keys (unit and point codes, a delegate's e-mail or else name and unit): the same file twice "
                  "changes nothing. A file that cannot be imported at all (not a spreadsheet, a ZIP bomb, formulas, "
                  "merged header cells, no header row, more than 200,000 rows) answers 422 with its code. " + WHO)
async def import_list(kind: Kind, data: Multipart, uow: UnitOfWork, principal: Principal) -> Response[ImportReportOut]:
    upload = upload_of(data)
    report = await run_import(uow, principal, kind, upload.file, clean_name(upload),
                              conference_id=_id(data.get("conference_id"), "conference_id"),
                              dry_run=_flag(data.get("dry_run"), "dry_run", True),
                              allow_duplicates=_flag(data.get("allow_duplicates"), "allow_duplicates", False),
                              source="api")
    out = import_report_out(report)
    return Response(out, status_code=422 if out.code else 200)


def _download(f: import_templates.ListFile) -> Response[bytes]:
    return Response(f.content, media_type=f.media_type, headers={
        "Content-Disposition": f'attachment; filename="{f.filename}"', "Cache-Control": "private, no-store"})


@get("/api/imports/templates/{kind:str}", operation_id="getImportTemplate", tags=["imports"],
     description="The empty template of a kind (its header row, and in XLSX a second sheet with instructions and an "
                 "example per column), with the headers in Vietnamese or English. " + WHO)
async def import_template(kind: Kind, principal: Principal, format: Format = "xlsx",
                          lang: Language = None) -> Response[bytes]:
    return _download(import_templates.template_file(principal, kind, lang or current_locale(), format))


@get("/api/imports/current/{kind:str}", operation_id="getImportList", tags=["imports"],
     description="What is registered, in the template's columns (for invitations: the active invitations of "
                 "`conference_id`): edit it and import it back. " + WHO)
async def import_current(kind: Kind, uow: UnitOfWork, principal: Principal, format: Format = "xlsx",
                         lang: Language = None, conference_id: QueryId = None) -> Response[bytes]:
    return _download(await import_templates.current_file(uow, principal, kind, lang or current_locale(), format,
                                                         conference_id))


ROUTES: list[Any] = [import_list, import_template, import_current]
