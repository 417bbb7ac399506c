"""How every change to a conference's speakers runs: one transaction that holds the floor lock,
applies a rule, bumps the list's version and emits ONE "speakers" event after commit."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.access import Principal, visible_conference
from domain.db import utcnow
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.models import (ACTIVE_INVITATION, AgendaItem, Conference, ConferenceSite, ConferenceStatus,
                      Invitation, Role, conference_managers)
from domain.speakers.models import EntrySource, Floor, SpeakerEntry, SpeakerKind, SpeakerList
from domain.speakers.view import insert_index, speakers_state
from domain.uow import UnitOfWork
from domain.common import ensure_editable

T = TypeVar("T")


async def may_manage(session: AsyncSession, p: Principal, conf: Conference) -> bool:
    """Organizers, and the chair or secretary of this conference, run its lists of speakers."""
    if p.is_staff:
        return True
    if p.role is not Role.chair:
        return False
    if p.delegate_id is not None and conf.chair_delegate_id == p.delegate_id:
        return True
    return await session.scalar(select(conference_managers.c.user_id).where(
        conference_managers.c.conference_id == conf.id, conference_managers.c.user_id == p.user_id)) is not None


async def invitation_in(session: AsyncSession, conf: Conference, invitation_id: int) -> Invitation:
    inv = await session.get(Invitation, invitation_id)
    if inv is None or inv.conference_id != conf.id:
        raise InvalidInput(f"invitation_id: no invitation {invitation_id} in this conference",
                           code="unknown_reference", field="invitation_id")
    if inv.status not in ACTIVE_INVITATION:
        raise InvalidInput(f"invitation {invitation_id} is {inv.status.value}", code="invitation_inactive",
                           field="invitation_id")
    return inv


def require_requester(p: Principal, manager: bool) -> None:
    if not (manager or p.role is Role.operator or p.is_delegate_link):
        raise Forbidden("this role may not request the floor", code="forbidden_role")


async def check_speaks_for(session: AsyncSession, p: Principal, inv: Invitation, manager: bool) -> None:
    """An operator acts for delegates at their own sites, a delegate for themself."""
    require_requester(p, manager)
    if manager:
        return
    if p.is_delegate_link:
        if inv.id != p.invitation_id:
            raise Forbidden("a delegate may request the floor only for themself", code="not_yourself")
        return
    site_id = await session.scalar(select(ConferenceSite.site_id).where(ConferenceSite.id == inv.conference_site_id))
    if site_id not in p.site_ids:
        raise Forbidden("this delegate sits at another bridge point", code="not_your_site")


@dataclass
class Change:
    """What one command works on: the conference, its floor (locked) and the list it touches."""
    session: AsyncSession
    principal: Principal
    conf: Conference
    floor: Floor
    now: datetime
    manager: bool
    list: SpeakerList | None = None
    _bumped: set[int] = field(default_factory=set)
    last_state: dict[str, Any] | None = None  # what state() last built: the event reuses it when it is current

    def require_live(self) -> None:
        if self.conf.status is not ConferenceStatus.live:
            raise Conflict(f"conference {self.conf.id} is {self.conf.status.value}; speakers run only while live",
                           code="conference_not_live", current_status=self.conf.status.value)

    async def item(self, agenda_item_id: int | None) -> AgendaItem:
        """The named agenda item, or the one that has the floor."""
        item_id = agenda_item_id if agenda_item_id is not None else self.floor.agenda_item_id
        if item_id is None:
            raise Conflict("no agenda item has the floor; make one current first", code="no_current_item")
        item = await self.session.get(AgendaItem, item_id)
        if item is None or item.conference_id != self.conf.id:
            raise InvalidInput(f"agenda_item_id: no agenda item {item_id} in this conference",
                               code="unknown_reference", field="agenda_item_id")
        return item

    async def list_for(self, agenda_item_id: int | None, *, version: int | None = None,
                       bump: bool = True) -> SpeakerList:
        """The item's list (opened on first use); bumps its version, refusing a stale `version`."""
        item = await self.item(agenda_item_id)
        lst = (await self.session.execute(
            select(SpeakerList).where(SpeakerList.agenda_item_id == item.id))).scalar_one_or_none()
        if lst is None:
            lst = await self._open(item)
        await self.use_list(lst, bump=bump, expected=version)
        return lst

    async def current_list(self) -> SpeakerList:
        return await self.list_for(None)

    async def use_list(self, lst: SpeakerList, *, bump: bool = True, expected: int | None = None) -> None:
        self.list = lst
        if bump:
            await self.bump(lst, expected)

    async def _open(self, item: AgendaItem) -> SpeakerList:
        lst = SpeakerList(conference_id=self.conf.id, agenda_item_id=item.id, version=1, closed=False)
        self.session.add(lst)
        await self.session.flush()
        presenter = (await self.session.get(Invitation, item.presenter_invitation_id)
                     if item.presenter_invitation_id is not None else None)
        if presenter is not None and presenter.status in ACTIVE_INVITATION:
            await self.add_entry(lst, presenter, EntrySource.agenda, SpeakerKind.ordinary, topic=item.title)
        return lst

    async def bump(self, lst: SpeakerList, expected: int | None = None) -> None:
        """Atomic compare-and-increment, so two secretaries cannot both win with the same version."""
        if lst.id in self._bumped and expected is None:
            return
        stmt = update(SpeakerList).where(SpeakerList.id == lst.id)
        if expected is not None:
            stmt = stmt.where(SpeakerList.version == expected)
        result = await self.session.execute(stmt.values(version=SpeakerList.version + 1))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise Conflict(f"the list changed (now version {lst.version}); reload and try again",
                           code="stale_version", current_version=lst.version)
        self._bumped.add(lst.id)

    async def entries(self, lst: SpeakerList, *, waiting: bool) -> list[SpeakerEntry]:
        """Waiting entries in order, or the unfinished started one(s)."""
        stmt = select(SpeakerEntry).where(SpeakerEntry.list_id == lst.id, SpeakerEntry.ended_at.is_(None))
        stmt = stmt.where(SpeakerEntry.started_at.is_(None) if waiting else SpeakerEntry.started_at.is_not(None))
        rows = await self.session.execute(stmt.options(selectinload(SpeakerEntry.pauses))
                                          .order_by(SpeakerEntry.weight, SpeakerEntry.id))
        return list(rows.scalars())

    async def add_entry(self, lst: SpeakerList, inv: Invitation, source: EntrySource, kind: SpeakerKind, *,
                        front: bool = False, **fields: Any) -> SpeakerEntry:
        waiting = await self.entries(lst, waiting=True)
        if any(e.invitation_id == inv.id and e.kind is kind for e in waiting):
            raise Conflict("this delegate is already waiting on the list", code="already_waiting",
                           invitation_id=inv.id)
        entry = SpeakerEntry(list_id=lst.id, invitation_id=inv.id, kind=kind, source=source, added_at=self.now,
                             added_by_id=self.principal.user_id, pauses=[], **fields)
        self.session.add(entry)
        waiting.insert(0 if front else insert_index([e.kind for e in waiting], kind), entry)
        renumber(waiting)
        await self.session.flush()
        return entry

    async def entry(self, entry_id: int) -> SpeakerEntry:
        """An entry of this conference; its list becomes the one this change touches."""
        row = (await self.session.execute(
            select(SpeakerEntry, SpeakerList).join(SpeakerList, SpeakerList.id == SpeakerEntry.list_id)
            .where(SpeakerEntry.id == entry_id, SpeakerList.conference_id == self.conf.id)
            .options(selectinload(SpeakerEntry.pauses)))).first()
        if row is None:
            raise NotFound(f"speaker entry {entry_id} not found", code="speaker_entry_not_found")
        await self.use_list(row[1])
        return row[0]

    async def state(self) -> dict[str, Any]:
        """The state of the list this change touched (the current one if none)."""
        await self.session.flush()
        item_id = self.list.agenda_item_id if self.list is not None else None
        self.last_state = await speakers_state(self.session, self.conf.id, agenda_item_id=item_id, now=self.now)
        return self.last_state


def renumber(waiting: list[SpeakerEntry]) -> None:
    for n, entry in enumerate(waiting, start=1):
        entry.weight = n


async def lock_floor(session: AsyncSession, conference_id: int) -> Floor:
    """Create-if-missing, then lock, the conference's floor row: every speaker change queues here.

    On SQLite the INSERT takes the database's write lock; on PostgreSQL the row is locked FOR UPDATE.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(Floor).values(conference_id=conference_id)
                          .on_conflict_do_nothing(index_elements=["conference_id"]))
    stmt = (select(Floor).where(Floor.conference_id == conference_id).with_for_update()
            .execution_options(populate_existing=True))
    return (await session.execute(stmt)).scalar_one()


async def run_change(uow: UnitOfWork, p: Principal, conference_id: int, apply: Callable[[Change], Awaitable[T]],
                     *, manage: bool = True, now: datetime | None = None, read_only_ok: bool = False) -> T:
    """Check need-to-know then role, lock the floor, apply, emit the current state once, commit."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        manager = await may_manage(s, p, conf)
        if manage and not manager:
            raise Forbidden("only the conference's chair, secretary or organizers run the list of speakers",
                            code="forbidden_role")
        floor = await lock_floor(s, conf.id)
        await s.refresh(conf, ["status"])  # as of the lock: a conference that just ended runs nothing
        if not read_only_ok:
            ensure_editable(conf)
        change = Change(s, p, conf, floor, now or utcnow(), manager)
        result = await apply(change)
        await s.flush()
        current = change.last_state  # commands end with change.state(): built once if it is the current list
        if current is None or current["agenda_item_id"] != floor.agenda_item_id:
            current = await speakers_state(s, conf.id, now=change.now)
        uow.emit(conf.id, "speakers", **current)
        await uow.commit()
        return result
