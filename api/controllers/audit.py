from __future__ import annotations

from datetime import datetime

from litestar import Controller, get

from api.schemas import AuditPage, audit_out
from api.params import Action, Limit, Offset, QueryId, SearchText, When
from domain.access import Principal
from domain.errors import InvalidInput
from domain.users import audit
from domain.uow import UnitOfWork



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
                    site_id: QueryId = None, action: Action = None,
                    actor_user_id: QueryId = None, actor: SearchText = None, conference: SearchText = None,
                    site: SearchText = None, since: When = None, until: When = None,
                    limit: Limit = 50, offset: Offset = 0) -> AuditPage:
        page = await audit.list_entries(uow, principal, conference_id=conference_id, site_id=site_id,
                                        action=action, actor_user_id=actor_user_id, actor=actor,
                                        conference=conference, site=site, since=_aware(since, "since"),
                                        until=_aware(until, "until"), limit=limit, offset=offset)
        return AuditPage([audit_out(a) for a in page.items], page.total, page.limit, page.offset)
