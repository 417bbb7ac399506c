"""Importing lists from spreadsheets in the staff console: choose the kind and the file, see what every row would
do (a dry run), then apply it all at once.

The checked file is kept (domain.imports.staging, an hour, its owner only) so that «Import» applies exactly what was
shown. Every decision is the service's (domain.imports.run_import), the same as the JSON API and the command line.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from api.uploads import MAX_BODY, clean_name, upload_of
from api.i18n import gettext
from api.i18n.errors import registered_text
from api.params import Filter, Form, Multipart, OptionalId
from api.schemas import MAX_ID
from domain.access import Principal
from domain.errors import DomainError, InvalidInput
from domain.imports import ImportReport, import_form, run_import
from domain.imports.columns import COLUMNS, KINDS
from domain.imports.staging import Staging
from domain.imports.templates import FIELDS, TITLES
from domain.uow import UnitOfWork

from .common import checked, form_errors, page, redirect

SHOWN = 300  # rows of each table on the page (the counts are complete)
DONE = {"units": "/registry/units", "points": "/registry/points", "delegates": "/registry/delegates"}


def _staging(request: Request[Any, Any, Any]) -> Staging:
    return Staging(request.app.state.settings.data_dir / "imports")


def _labels(kind: str) -> dict[str, str]:
    return {c.field: gettext(c.label) for c in COLUMNS[kind]} | {"parent_code": gettext(
        next(c.label for c in COLUMNS["units"] if c.field == "parent_code"))}


def _kind(value: str | None) -> str:
    return value if value in KINDS else "delegates"


async def _form_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, kind: str,
                     conference_id: int | None, *, errors: dict[str, str] | None = None, status_code: int = 200,
                     allow_duplicates: bool = False) -> Template:
    form = await import_form(uow, principal, kind, conference_id)
    return page(request, "imports/index.html", status_code=status_code, form=form, kind=form.kind,
                kinds=[(k, gettext(TITLES[k])) for k in KINDS], errors=errors or {}, labels=_labels(form.kind),
                template_fields=FIELDS[form.kind], allow_duplicates=allow_duplicates)


@get("/imports", include_in_schema=False)
async def import_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, kind: Filter = None,
                      conference: OptionalId = None) -> Template:
    return await _form_page(request, uow, principal, _kind(kind), conference)


def _report_page(request: Request[Any, Any, Any], report: ImportReport, token: str | None, status_code: int = 200,
                 allow_duplicates: bool = False) -> Template:
    errors = [(r, e, registered_text(e.code, e.params) or e.code) for r in report.rows if r.action == "error"
              for e in r.errors]
    changes = [r for r in report.rows if r.action in ("create", "update")]
    return page(request, "imports/report.html", status_code=status_code, report=report, token=token,
                errors=errors[:SHOWN], errors_total=len(errors), changes=changes[:SHOWN],
                changes_total=len(changes), labels=_labels(report.kind), title=gettext(TITLES[report.kind]),
                allow_duplicates=allow_duplicates, shown=SHOWN)


@post("/imports", include_in_schema=False, status_code=200, request_max_body_size=MAX_BODY)
async def check_file(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                     data: Multipart) -> Template:
    """The dry run: every row's action, nothing written; the file is kept for «Import»."""
    kind = _kind(data.get("kind") if isinstance(data.get("kind"), str) else None)
    raw = data.get("conference_id")
    conference_id = int(raw) if isinstance(raw, str) and raw.isdigit() and 1 <= int(raw) <= MAX_ID else None
    allow = checked(data.get("allow_duplicates"))
    staging = _staging(request)
    staged = None
    try:
        upload = upload_of(data)
        staged = staging.put(upload.file, user_id=principal.user_id, kind=kind, conference_id=conference_id,
                             file_name=clean_name(upload), allow_duplicates=allow)
        with staged.path.open("rb") as f:
            report = await run_import(uow, principal, kind, f, staged.file_name, conference_id=conference_id,
                                      dry_run=True, allow_duplicates=allow, source="page")
    except InvalidInput as exc:
        if staged is not None:
            staging.drop(staged.token)
        if exc.field not in ("file", "kind", "conference_id"):
            raise
        return await _form_page(request, uow, principal, kind, conference_id, errors={"file": form_errors(exc)[
            exc.field or ""]}, status_code=422, allow_duplicates=allow)
    if not report.ok or not report.changed:
        staging.drop(staged.token)
        return _report_page(request, report, None, 422 if not report.ok else 200, allow)
    return _report_page(request, report, staged.token, 200, allow)


@post("/imports/apply", include_in_schema=False, status_code=303)
async def apply_file(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                     data: Form) -> Response[Any]:
    """Import the checked file: all rows or none (a row that went wrong since the check stops it all)."""
    staging = _staging(request)
    try:
        staged = staging.get(data.get("token", ""), principal.user_id)
    except DomainError as exc:
        return await _form_page(request, uow, principal, "delegates", None, errors={"file": form_errors(exc)[
            "file"]}, status_code=422)
    with staged.path.open("rb") as f:
        report = await run_import(uow, principal, staged.kind, f, staged.file_name,
                                  conference_id=staged.conference_id, dry_run=False,
                                  allow_duplicates=staged.allow_duplicates, source="page")
    if not report.applied:
        staging.drop(staged.token)
        return _report_page(request, report, None, 422, staged.allow_duplicates)
    staging.drop(staged.token)
    c = report.counts
    message = gettext("Imported: %(create)s created, %(update)s updated, %(unchanged)s unchanged.",
                      create=c["create"], update=c["update"], unchanged=c["unchanged"])
    target = (f"/conferences/{report.conference_id}/invitations" if report.kind == "invitations"
              else DONE[report.kind])
    return redirect(target, flash=message)


ROUTES = [import_page, check_file, apply_file]
