"""Absences (HTTP): a point's operator reports an expected delegate absent with a reason, or takes it back; the list
per point. docs/checkin.md, section Absences."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Request, delete, get, put

from api.params import ConferenceId, InvitationId, Limit, Offset, QueryId
from api.schemas.absences import AbsenceIn, AbsenceOut, AbsencePage
from domain.access import Principal
from domain.checkin import absences
from domain.db import utcnow
from domain.uow import UnitOfWork

ABSENCE = "/api/conferences/{conference_id:int}/invitations/{invitation_id:int}/absence"


@put(ABSENCE, operation_id="setAbsence", tags=["check-in"], status_code=200,
     description="Report an expected delegate absent with a reason (leave, duty, illness, other with a note), or "
                 "change the reason. The operator of the delegate's point, or an organizer. Refused while the "
                 "delegate is checked in (409 delegate_present). Counted as absent in the attendance and the live "
                 "view until the delegate checks in after it.")
async def set_absence(request: Request[Any, Any, Any], conference_id: ConferenceId, invitation_id: InvitationId,
                      data: AbsenceIn, uow: UnitOfWork, principal: Principal) -> AbsenceOut:
    now = request.app.state.get("clock", utcnow)()
    view = await absences.set_absence(uow, principal, conference_id, invitation_id, reason=data.reason,
                                      note=data.note, now=now)
    return msgspec.convert(asdict(view), AbsenceOut, strict=False)


@delete(ABSENCE, operation_id="clearAbsence", tags=["check-in"],
        description="Take the absence back: the delegate is expected after all. Answers 204 also when there was "
                    "none.")
async def clear_absence(conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                        principal: Principal) -> None:
    await absences.clear_absence(uow, principal, conference_id, invitation_id)


@get("/api/conferences/{conference_id:int}/absences", operation_id="listAbsences", tags=["check-in"],
     description="The delegates reported absent, by name (operators: their points'; chairs: their conferences'); "
                 "`superseded` ones checked in after it and no longer count.")
async def list_absences(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                        conference_site_id: QueryId = None, limit: Limit = 100, offset: Offset = 0) -> AbsencePage:
    page = await absences.list_absences(uow, principal, conference_id, conference_site_id=conference_site_id,
                                        limit=limit, offset=offset)
    return AbsencePage([msgspec.convert(asdict(v), AbsenceOut, strict=False) for v in page.items], page.total,
                       page.limit, page.offset)


ROUTES: list[Any] = [set_absence, clear_absence, list_absences]
