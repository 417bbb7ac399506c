from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from api.controllers.common import Limit, Offset, QueryId
from api.schemas import AuditPage, audit_out
from domain.access import Principal
from domain.errors import InvalidInput
from domain.services import audit
from domain.uow import UnitOfWork

SearchText = Annotated[str | None, Parameter(max_length=200)]
When = Annotated[datetime | None, Parameter(description="ISO 8601 with its offset, e.g. 2026-12-18T08:00:00+07:00")]


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{field} needs a time zone offset", code="invalid", field=field)
    return value


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]

    @get("/", operation_id="listAudit",
         description="The audit log, newest first (organizers): who did what, when, where and how. Filters "
                     "combine: `action` is one code (`notice.published`) or a family ending in a dot (`checkin.`); "
                     "`actor`, `conference` and `site` match part of the user's name, the conference's title, the "
                     "point's code or name, ignoring case and Vietnamese diacritics; `since` ≤ time < `until`.")
    async def list_(self, uow: UnitOfWork, principal: Principal, conference_id: QueryId = None,
                    site_id: QueryId = None, action: Annotated[str | None, Parameter(max_length=64)] = None,
                    actor_user_id: QueryId = None, actor: SearchText = None, conference: SearchText = None,
                    site: SearchText = None, since: When = None, until: When = None,
                    limit: Limit = 50, offset: Offset = 0) -> AuditPage:
        page = await audit.list_entries(uow, principal, conference_id=conference_id, site_id=site_id,
                                        action=action, actor_user_id=actor_user_id, actor=actor,
                                        conference=conference, site=site, since=_aware(since, "since"),
                                        until=_aware(until, "until"), limit=limit, offset=offset)
        return AuditPage([audit_out(a) for a in page.items], page.total, page.limit, page.offset)
