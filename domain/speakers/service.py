"""Running the list of speakers: which item has the floor, the order of the waiting, and the speeches.

Every command returns the state of the list it changed (docs/speakers.md) and emits one "speakers" event.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.access import Principal, visible_conference
from domain.errors import Conflict
from domain.models import ACTIVE_INVITATION, AgendaItem, AgendaKind, Conference, ConferenceSite, ConferenceStatus
from domain.models import Invitation, Role, SiteRole
from domain.speakers.models import EntrySource, Floor, SpeakerEntry, SpeakerKind, SpeakerList, SpeechPause
from domain.speakers.view import check_new_order, speakers_state, status_of
from domain.uow import UnitOfWork
from domain.speakers import requests as floor_requests
from domain.common import audit
from domain.speakers.floor import Change, invitation_in, renumber, run_change

State = dict[str, Any]


async def get_state(uow: UnitOfWork, p: Principal, conference_id: int, *, agenda_item_id: int | None = None,
                    now: datetime | None = None) -> State:
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        return await speakers_state(uow.session, conference_id, agenda_item_id=agenda_item_id, now=now)


def _audit(c: Change, action: str, subject: Any = None, **detail: Any) -> None:
    audit(c.session, c.principal, f"speakers.{action}", conference_id=c.conf.id, subject=subject, **detail)


async def _running(c: Change) -> SpeakerEntry | None:
    """The speech in progress in this conference; only the current item's list can hold one."""
    return (await c.session.execute(
        select(SpeakerEntry).join(SpeakerList, SpeakerList.id == SpeakerEntry.list_id)
        .where(SpeakerList.conference_id == c.conf.id, SpeakerEntry.started_at.is_not(None),
               SpeakerEntry.ended_at.is_(None)))).scalars().first()


async def set_current_item(uow: UnitOfWork, p: Principal, conference_id: int, agenda_item_id: int | None, *,
                           now: datetime | None = None) -> State:
    """Give the floor to an agenda item (opening its list, with its presenter queued) or to none."""
    async def apply(c: Change) -> State:
        if c.floor.agenda_item_id == agenda_item_id:
            raise Conflict("this agenda item already has the floor", code="already_current")
        if await _running(c) is not None:
            raise Conflict("a speech is in progress; end it before moving on", code="speech_in_progress")
        if agenda_item_id is not None:
            await c.list_for(agenda_item_id, bump=False)
        c.floor.agenda_item_id, c.floor.item_since = agenda_item_id, c.now
        _audit(c, "current_item", agenda_item_id=agenda_item_id)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def add_speaker(uow: UnitOfWork, p: Principal, conference_id: int, *, invitation_id: int,
                      kind: SpeakerKind = SpeakerKind.ordinary, topic: str = "",
                      allotted_minutes: int | None = None, agenda_item_id: int | None = None,
                      now: datetime | None = None) -> State:
    """The chair puts a delegate on the list directly (also on a closed list)."""
    async def apply(c: Change) -> State:
        lst = await c.list_for(agenda_item_id)
        inv = await invitation_in(c.session, c.conf, invitation_id)
        entry = await c.add_entry(lst, inv, EntrySource.chair, kind, topic=topic, allotted_minutes=allotted_minutes)
        _audit(c, "added", entry, invitation_id=inv.id, kind=kind.value)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def update_speaker(uow: UnitOfWork, p: Principal, conference_id: int, entry_id: int, fields: dict[str, Any],
                         *, now: datetime | None = None) -> State:
    """Change a speaker's topic or own speaking time (also while they speak: "two more minutes")."""
    async def apply(c: Change) -> State:
        entry = await c.entry(entry_id)
        if entry.ended_at is not None:
            raise Conflict("this speech is over", code="already_finished")
        for name, value in fields.items():
            setattr(entry, name, value)
        _audit(c, "updated", entry, fields=sorted(fields))
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def remove_speaker(uow: UnitOfWork, p: Principal, conference_id: int, entry_id: int, *,
                         now: datetime | None = None) -> State:
    async def apply(c: Change) -> State:
        entry = await c.entry(entry_id)
        _require_waiting(entry)
        await c.session.delete(entry)
        _audit(c, "removed", entry, invitation_id=entry.invitation_id)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


def _require_waiting(entry: SpeakerEntry) -> None:
    if entry.started_at is not None:
        raise Conflict(f"speaker entry {entry.id} is {status_of(entry)}, not waiting", code="not_waiting",
                       status=status_of(entry))


def _end(c: Change, entry: SpeakerEntry) -> None:
    for pause in entry.pauses:
        if pause.ended_at is None:
            pause.ended_at = c.now
    entry.ended_at = c.now


async def _start(c: Change, lst: SpeakerList, entry: SpeakerEntry) -> None:
    """Starting a speaker ends whoever is speaking on the list."""
    for running in await c.entries(lst, waiting=False):
        _end(c, running)
    entry.started_at = c.now
    _audit(c, "started", entry, invitation_id=entry.invitation_id)


async def start_speaker(uow: UnitOfWork, p: Principal, conference_id: int, entry_id: int, *,
                        now: datetime | None = None) -> State:
    async def apply(c: Change) -> State:
        c.require_live()
        entry = await c.entry(entry_id)
        if c.list is None or c.list.agenda_item_id != c.floor.agenda_item_id:
            raise Conflict("this entry's agenda item does not have the floor", code="not_current_item")
        _require_waiting(entry)
        await _start(c, c.list, entry)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def start_next(uow: UnitOfWork, p: Principal, conference_id: int, *, now: datetime | None = None) -> State:
    async def apply(c: Change) -> State:
        c.require_live()
        lst = await c.current_list()
        waiting = await c.entries(lst, waiting=True)
        if not waiting:
            raise Conflict("nobody is waiting on the list", code="no_waiting_speaker")
        await _start(c, lst, waiting[0])
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def _current_speaker(c: Change) -> SpeakerEntry:
    running = await c.entries(await c.current_list(), waiting=False)
    if not running:
        raise Conflict("nobody is speaking", code="no_current_speaker")
    return running[0]


async def pause(uow: UnitOfWork, p: Principal, conference_id: int, *, now: datetime | None = None) -> State:
    async def apply(c: Change) -> State:
        c.require_live()
        entry = await _current_speaker(c)
        if status_of(entry) == "paused":
            raise Conflict("the speech is already paused", code="already_paused")
        entry.pauses.append(SpeechPause(started_at=c.now))
        _audit(c, "paused", entry)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def resume(uow: UnitOfWork, p: Principal, conference_id: int, *, now: datetime | None = None) -> State:
    async def apply(c: Change) -> State:
        c.require_live()
        entry = await _current_speaker(c)
        open_pause = next((x for x in entry.pauses if x.ended_at is None), None)
        if open_pause is None:
            raise Conflict("the speech is not paused", code="not_paused")
        open_pause.ended_at = c.now
        _audit(c, "resumed", entry)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def end_speech(uow: UnitOfWork, p: Principal, conference_id: int, *, now: datetime | None = None) -> State:
    """Allowed after the conference ended too, so a speech left running can still be closed."""
    async def apply(c: Change) -> State:
        entry = await _current_speaker(c)
        _end(c, entry)
        _audit(c, "ended", entry, invitation_id=entry.invitation_id)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now, read_only_ok=True)


async def readd_last(uow: UnitOfWork, p: Principal, conference_id: int, *, agenda_item_id: int | None = None,
                     now: datetime | None = None) -> State:
    """Put the speaker who finished last back at the top of the list (a speech ended by mistake)."""
    async def apply(c: Change) -> State:
        lst = await c.list_for(agenda_item_id)
        last = (await c.session.execute(
            select(SpeakerEntry).where(SpeakerEntry.list_id == lst.id, SpeakerEntry.ended_at.is_not(None))
            .order_by(SpeakerEntry.ended_at.desc(), SpeakerEntry.id.desc()).limit(1))).scalar_one_or_none()
        if last is None:
            raise Conflict("nobody has finished speaking on this list yet", code="no_last_speaker")
        inv = await invitation_in(c.session, c.conf, last.invitation_id)
        entry = await c.add_entry(lst, inv, EntrySource.readd, last.kind, front=True, topic=last.topic,
                                  requested_minutes=last.requested_minutes, allotted_minutes=last.allotted_minutes)
        _audit(c, "readded", entry, invitation_id=inv.id)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def set_closed(uow: UnitOfWork, p: Principal, conference_id: int, closed: bool, *,
                     agenda_item_id: int | None = None, now: datetime | None = None) -> State:
    """A closed list refuses new floor requests; the chair can still add speakers."""
    async def apply(c: Change) -> State:
        lst = await c.list_for(agenda_item_id)
        if lst.closed == closed:
            raise Conflict(f"the list is already {'closed' if closed else 'open'}",
                           code="already_closed" if closed else "not_closed")
        lst.closed = closed
        _audit(c, "closed" if closed else "reopened", lst)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)


async def reorder(uow: UnitOfWork, p: Principal, conference_id: int, entry_ids: list[int], version: int, *,
                  agenda_item_id: int | None = None, now: datetime | None = None) -> State:
    """The chair's full order of the waiting entries, valid only against the version it was made from."""
    async def apply(c: Change) -> State:
        lst = await c.list_for(agenda_item_id, version=version)
        waiting = {e.id: e for e in await c.entries(lst, waiting=True)}
        check_new_order(list(waiting), entry_ids)
        renumber([waiting[i] for i in entry_ids])
        _audit(c, "reordered", lst, order=entry_ids)
        return await c.state()
    return await run_change(uow, p, conference_id, apply, now=now)



DEMO_REQUESTS = (
    ("Kinh nghiệm triển khai văn bản điện tử và chữ ký số tại đơn vị", SpeakerKind.ordinary, 7, True),
    ("Đề nghị làm rõ thời hạn gửi báo cáo số liệu quý I", SpeakerKind.point_of_order, 2, True),
    ("Kiến nghị nâng cấp đường truyền tới các đồn, trạm biên phòng", SpeakerKind.ordinary, 5, True),
    ("Đề xuất bổ sung quy chế bảo mật khi họp trực tuyến", SpeakerKind.ordinary, 5, False),
)


async def _demo_targets(uow: UnitOfWork, conference_id: int) -> tuple[AgendaItem | None, list[int]]:
    """The first discussion item, and one delegate at each of the first remote points (not its presenter)."""
    async with uow:
        s = uow.session
        floor = await s.get(Floor, conference_id)
        item = (await s.execute(select(AgendaItem).where(
            AgendaItem.conference_id == conference_id, AgendaItem.kind == AgendaKind.discussion)
            .order_by(AgendaItem.position).limit(1))).scalar_one_or_none()
        if item is None or (floor is not None and floor.agenda_item_id is not None):
            return None, []
        rows = await s.execute(
            select(Invitation.id, Invitation.conference_site_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .where(Invitation.conference_id == conference_id, Invitation.status.in_(ACTIVE_INVITATION),
                   ConferenceSite.role == SiteRole.remote,
                   Invitation.id != item.presenter_invitation_id)
            .order_by(Invitation.conference_site_id, Invitation.id))
        one_per_site: dict[int, int] = {}
        for inv_id, cs_id in rows:
            one_per_site.setdefault(cs_id, inv_id)
        return item, list(one_per_site.values())[:len(DEMO_REQUESTS)]


async def seed_demo_speakers(uow: UnitOfWork, conference_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """A running list for the demo: the first discussion item gets the floor, its presenter speaks if the
    conference is live, and remote points have asked the floor (three accepted — one a point of order —
    and one pending). Does nothing once an item has the floor."""
    system = Principal(user_id=None, username="demo", role=Role.organizer)
    item, invitation_ids = await _demo_targets(uow, conference_id)
    if item is None:
        return {"created": False}
    await set_current_item(uow, system, conference_id, item.id, now=now)
    async with uow:
        status = await uow.session.scalar(select(Conference.status).where(Conference.id == conference_id))
    if status is ConferenceStatus.live and item.presenter_invitation_id is not None:
        await start_next(uow, system, conference_id, now=now)
    for inv_id, (topic, kind, minutes, accepted) in zip(invitation_ids, DEMO_REQUESTS):
        req = await floor_requests.request_floor(uow, system, conference_id, invitation_id=inv_id, kind=kind,
                                                 topic=topic, requested_minutes=minutes, now=now)
        if accepted:
            await floor_requests.accept(uow, system, conference_id, req["id"], now=now)
    return {"created": True, "agenda_item_id": item.id, "requests": len(invitation_ids)}
