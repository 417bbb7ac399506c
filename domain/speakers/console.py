"""The chair's speaker console in one read: the conference, its agenda (to give the floor to an item), the list of
speakers of the item that has the floor, the floor requests still waiting and the speaking time so far.

Only those who run the list open it (the conference's chair or secretary, organizers, admins): others who see the
conference are refused (403 `forbidden_role`), others again do not learn it exists (404)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.access import Principal, visible_conference
from domain.db import utcnow
from domain.errors import Forbidden
from domain.models import AgendaItem, Conference
from domain.speakers.floor import may_manage
from domain.speakers.history import totals_in
from domain.speakers.requests import pending_in
from domain.speakers.view import speakers_state
from domain.uow import UnitOfWork

REQUESTS_SHOWN = 100


@dataclass(frozen=True)
class ChairConsole:
    conference: Conference
    items: list[AgendaItem]
    state: dict[str, Any]            # docs/speakers.md: the state of the current item's list
    requests: list[dict[str, Any]]   # pending floor requests, oldest first (every item's)
    totals: dict[str, Any]           # finished speeches per delegate and per site


async def console(uow: UnitOfWork, p: Principal, conference_id: int, *, now: datetime | None = None) -> ChairConsole:
    now = now or utcnow()
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        if not await may_manage(s, p, conf):
            raise Forbidden("only the conference's chair, secretary or organizers run the list of speakers",
                            code="forbidden_role")
        items = list((await s.execute(select(AgendaItem).where(AgendaItem.conference_id == conf.id)
                                      .order_by(AgendaItem.position, AgendaItem.id))).scalars())
        state = await speakers_state(s, conf.id, now=now)
        requests = await pending_in(s, conf, limit=REQUESTS_SHOWN)
        totals = await totals_in(s, conf, now)
        return ChairConsole(conf, items, state, requests, totals)
