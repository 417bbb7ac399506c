"""Reading the audit log (organizers)."""
from __future__ import annotations

from sqlalchemy import select

from ..access import Principal, require_staff
from ..models import AuditEntry
from ..uow import UnitOfWork
from .common import Page, paginate


async def list_entries(uow: UnitOfWork, p: Principal, *, conference_id: int | None = None,
                       action: str | None = None, site_id: int | None = None, limit: int = 50,
                       offset: int = 0) -> Page[AuditEntry]:
    require_staff(p)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if conference_id is not None:
        stmt = stmt.where(AuditEntry.conference_id == conference_id)
    if site_id is not None:
        stmt = stmt.where(AuditEntry.site_id == site_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    async with uow:
        return await paginate(uow.session, stmt, limit, offset)
