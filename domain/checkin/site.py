"""Site check-in: the operator reports the bridge point ready (audio/video test passed) and connected."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from domain.point_links import presence
from domain.access import Principal
from domain.checkin.service import authorize_desk
from domain.errors import InvalidInput, NotFound
from domain.models import Conference, ConferenceSite, Readiness
from domain.uow import UnitOfWork
from domain.common import audit, ensure_editable


async def mark_site(uow: UnitOfWork, p: Principal, conference_id: int, conference_site_id: int, *, now: datetime,
                    readiness: Readiness | None = None, note: str | None = None,
                    connected: bool = False) -> ConferenceSite:
    """Record readiness (with its note) and/or that the link is up, with who and when."""
    if readiness is None and note is None and not connected:
        raise InvalidInput("send readiness, note or connection", code="nothing_to_record")
    async with uow:
        s = uow.session
        conf = await s.get(Conference, conference_id)
        if conf is None:
            raise NotFound(f"conference {conference_id} not found", code="conference_not_found")
        cs = (await s.execute(select(ConferenceSite).where(
            ConferenceSite.id == conference_site_id, ConferenceSite.conference_id == conference_id)
            .with_for_update())).scalar_one_or_none()
        await authorize_desk(s, p, conference_id, conference_site_id, cs.site_id if cs else None)
        assert cs is not None
        ensure_editable(conf)
        if readiness is not None:
            cs.readiness, cs.ready_at, cs.ready_by_id = readiness, now, p.user_id
        if note is not None:
            cs.ready_note = note
        audit(s, p, "site.checked", conference_id=conference_id, site_id=cs.site_id, subject=cs, source="manual",
              readiness=cs.readiness.value, note=cs.ready_note, connected=connected)
        if readiness is not None or note is not None:
            uow.emit(conference_id, "site_status", conference_site_id=cs.id, readiness=cs.readiness.value,
                     connection=cs.connection.value)
        await uow.commit()
    if connected:  # the presence service also closes an open outage of this point
        await presence.mark_connected(uow, conference_site_id, now, p.user_id)
        async with uow:
            cs = await uow.session.get(ConferenceSite, conference_site_id)
    assert cs is not None
    return cs
