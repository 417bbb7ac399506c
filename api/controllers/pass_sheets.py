"""Sheets of passes (HTTP): every active pass of a conference, or of one bridge point, as a PDF or a ZIP of PNGs."""
from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from api.pages.passes import PRIVATE_HEADERS
from api.params import ConferenceId, PointFilter
from domain.access import Principal
from domain.invitations import pass_sheets
from domain.invitations.pass_sheets import PassFile
from domain.uow import UnitOfWork

WHO = ("Organizers: any point; operators: their own points only (without `conference_site_id`, all of theirs). "
       "Only active invitations (invited, confirmed) get a pass; at most "
       f"{pass_sheets.MAX_PASSES:,} in one file (`too_many_passes`: choose a point). Each export is audited.")


def download(f: PassFile) -> Response[bytes]:
    """A file to save, never cached (each card carries a credential)."""
    return Response(f.content, media_type=f.media_type, headers={
        **PRIVATE_HEADERS, "Content-Disposition": f'attachment; filename="{f.filename}"',
        "X-Pass-Count": str(f.count)})


@get("/api/conferences/{conference_id:int}/passes.pdf", operation_id="getPassSheetPdf", tags=["passes"],
     media_type="application/pdf",
     description="The passes as one PDF ready to print: ID-1 cards (85.6 × 54 mm), ten to an A4 sheet with cut "
                 "marks; each with the QR pass, full name, rank, position, unit, bridge point and conference title. "
                 + WHO)
async def pass_sheet_pdf(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal, state: State,
                         conference_site_id: PointFilter = None) -> Response[bytes]:
    return download(await pass_sheets.pass_sheet_pdf(uow, principal, state.keyring, conference_id,
                                                     conference_site_id))


@get("/api/conferences/{conference_id:int}/passes.zip", operation_id="getPassSheetZip", tags=["passes"],
     media_type="application/zip",
     description="The passes as a ZIP of PNG cards (200 dpi), one per delegate, named "
                 "`<point code>/<name without diacritics>-<invitation id>.png`. " + WHO)
async def pass_sheet_zip(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal, state: State,
                         conference_site_id: PointFilter = None) -> Response[bytes]:
    return download(await pass_sheets.pass_sheet_zip(uow, principal, state.keyring, conference_id,
                                                     conference_site_id))


ROUTES: list[Any] = [pass_sheet_pdf, pass_sheet_zip]
