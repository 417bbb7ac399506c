"""The follow-ups of a change, in the transaction that makes it: the calendar SEQUENCE bump and the
e-mails it causes, so a change and its messages commit (or roll back) together.

Callers pass their open session; nothing here commits. Every message has an idempotency key, and
inserting a key that exists is a no-op, so repeating a cause never queues a second message.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import utcnow
from domain.models import (ACTIVE_INVITATION, BridgeSite, Conference, ConferenceSite, ConferenceStatus, Delegate,
                     Invitation, InvitationStatus)
from domain.mail.models import MailKind, OutboxMessage

CHUNK = 500  # rows per INSERT, well under the bind-parameter limits of SQLite and asyncpg
BLANK = dict(reason="", invitation_id=None, notice_id=None, conference_site_id=None)  # one shape for every row
LIVE = (ConferenceStatus.draft, ConferenceStatus.scheduled, ConferenceStatus.live)


async def queue(s: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert outbox rows, skipping any whose idempotency key exists; returns the ids of the new ones."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    now, new_ids = utcnow(), []
    for start in range(0, len(rows), CHUNK):
        chunk = [{**BLANK, "next_attempt_at": now, "created_at": now, **r} for r in rows[start:start + CHUNK]]
        stmt = (insert(OutboxMessage).values(chunk)
                .on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(OutboxMessage.id))
        new_ids += (await s.execute(stmt)).scalars().all()
    return new_ids


def invitation_row(inv: Invitation, email: str) -> dict[str, Any]:
    # The key includes the pass version: a re-issued pass (after a cancel, say) warrants a new invitation.
    return dict(idempotency_key=f"invitation:{inv.id}:{inv.pass_version}", kind=MailKind.invitation,
                recipient=email, conference_id=inv.conference_id, invitation_id=inv.id)


def _mailed(invitation_id: Any) -> Any:
    return exists().where(OutboxMessage.invitation_id == invitation_id,
                          OutboxMessage.kind == MailKind.invitation)


async def _mailed_active(s: AsyncSession, conf: Conference, *conditions: Any) -> list[tuple[Invitation, str]]:
    rows = await s.execute(select(Invitation, Delegate.email).join(Delegate, Delegate.id == Invitation.delegate_id)
                           .where(Invitation.conference_id == conf.id, Invitation.status.in_(ACTIVE_INVITATION),
                                  Delegate.email != "", _mailed(Invitation.id), *conditions))
    return list(rows.tuples())


def _follow_up(kind: MailKind, reason: str, conf: Conference, inv: Invitation, email: str,
               key: str) -> dict[str, Any]:
    return dict(idempotency_key=f"{kind.value}:{inv.id}:{key}", kind=kind, reason=reason, recipient=email,
                conference_id=conf.id, invitation_id=inv.id)


async def conference_changed(s: AsyncSession, conf: Conference, reason: str, *conditions: Any) -> list[int]:
    """Updates (same UID, the conference's current SEQUENCE) to every delegate already invited by mail."""
    rows = await _mailed_active(s, conf, *conditions)
    return await queue(s, [_follow_up(MailKind.update, reason, conf, inv, email, str(conf.sequence))
                           for inv, email in rows])


async def conference_cancelled(s: AsyncSession, conf: Conference) -> list[int]:
    rows = await _mailed_active(s, conf)
    return await queue(s, [_follow_up(MailKind.cancellation, "conference_cancelled", conf, inv, email,
                                      str(inv.pass_version)) for inv, email in rows])


async def invitation_changed(s: AsyncSession, conf: Conference, inv: Invitation, *, was_active: bool,
                             old_site_id: int) -> None:
    """After an organizer edits one invitation: a cancel when it stops, an update when the delegate moves site."""
    stopped = was_active and inv.status is InvitationStatus.cancelled
    moved = inv.status in ACTIVE_INVITATION and inv.conference_site_id != old_site_id
    if not (stopped or moved):
        return
    conf.sequence += 1  # the delegate's calendar entry changed place or status
    mailed = (await s.execute(select(_mailed(inv.id)))).scalar()
    email = (await s.get(Delegate, inv.delegate_id)).email
    if not mailed or not email:
        return
    if stopped:
        await queue(s, [_follow_up(MailKind.cancellation, "invitation_cancelled", conf, inv, email,
                                   str(inv.pass_version))])
    else:
        await queue(s, [_follow_up(MailKind.update, "place", conf, inv, email, str(conf.sequence))])


async def substituted(s: AsyncSession, conf: Conference, old: Invitation, new: Invitation) -> None:
    """The seat moves to a deputy: the old delegate's entry is cancelled; the deputy is invited if the
    original delegate had been."""
    conf.sequence += 1
    if not (await s.execute(select(_mailed(old.id)))).scalar():
        return
    old_email = (await s.get(Delegate, old.delegate_id)).email
    new_email = (await s.get(Delegate, new.delegate_id)).email
    rows = []
    if old_email:
        rows.append(_follow_up(MailKind.cancellation, "substituted", conf, old, old_email, str(old.pass_version)))
    if new_email:
        rows.append(invitation_row(new, new_email))
    await queue(s, rows)


async def site_changed(s: AsyncSession, site: BridgeSite) -> None:
    """A bridge site's name or address changed: every coming conference there moves SEQUENCE, and the
    delegates invited at that site get an update."""
    rows = await s.execute(select(Conference, ConferenceSite.id).join(
        ConferenceSite, ConferenceSite.conference_id == Conference.id)
        .where(ConferenceSite.site_id == site.id, Conference.status.in_(LIVE)).with_for_update(of=Conference))
    for conf, cs_id in rows.tuples().all():
        conf.sequence += 1
        await conference_changed(s, conf, "place", Invitation.conference_site_id == cs_id)
