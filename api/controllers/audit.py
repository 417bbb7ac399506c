from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from api.controllers.common import Limit, Offset, QueryId
from api.schemas import AuditPage, audit_out
from domain.access import Principal
from domain.services import audit
from domain.uow import UnitOfWork


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]

    @get("/", operation_id="listAudit",
         description="The audit log, newest first (organizers): who did what, when, where and how.")
    async def list_(self, uow: UnitOfWork, principal: Principal, conference_id: QueryId = None,
                    site_id: QueryId = None, action: Annotated[str | None, Parameter(max_length=64)] = None,
                    limit: Limit = 50, offset: Offset = 0) -> AuditPage:
        page = await audit.list_entries(uow, principal, conference_id=conference_id, site_id=site_id,
                                        action=action, limit=limit, offset=offset)
        return AuditPage([audit_out(a) for a in page.items], page.total, page.limit, page.offset)
