"""Invitations by e-mail and the outbox as organizers see it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from domain.access import Principal, require_staff, visible_conference
from domain.db import utcnow
from domain.errors import Conflict, NotFound
from domain.models import ACTIVE_INVITATION, ConferenceStatus, Delegate, Invitation
from domain.mail.models import MailKind, MailStatus, OutboxMessage
from domain.mail.outbox import invitation_row, queue
from domain.uow import UnitOfWork
from domain.common import Page, audit, paginate

SENDABLE = (ConferenceStatus.scheduled, ConferenceStatus.live)


@dataclass(frozen=True)
class InviteReport:
    queued: int
    already_invited: int
    without_email: list[int]  # invitation ids whose delegate has no e-mail address


async def send_invitations(uow: UnitOfWork, p: Principal, conference_id: int) -> InviteReport:
    """Queue one invitation e-mail per active invitation not yet invited, in one transaction."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        if conf.status not in SENDABLE:
            raise Conflict(f"a {conf.status.value} conference sends no invitations; schedule it first",
                           code="conference_not_scheduled")
        rows = (await s.execute(select(Invitation, Delegate.email).join(Delegate, Delegate.id == Invitation.delegate_id)
                                .where(Invitation.conference_id == conf.id,
                                       Invitation.status.in_(ACTIVE_INVITATION))
                                .order_by(Invitation.id))).tuples().all()
        with_email = [invitation_row(inv, email) for inv, email in rows if email]
        new = await queue(s, with_email)
        audit(s, p, "invitations.sent", conference_id=conf.id, queued=len(new))
        await uow.commit()
    return InviteReport(len(new), len(with_email) - len(new), [inv.id for inv, email in rows if not email])


@dataclass
class OutboxPage(Page[OutboxMessage]):
    counts: dict[str, int]


async def list_outbox(uow: UnitOfWork, p: Principal, *, conference_id: int | None = None,
                      status: MailStatus | None = None, kind: MailKind | None = None,
                      invitation_id: int | None = None, notice_id: int | None = None,
                      limit: int = 50, offset: int = 0) -> OutboxPage:
    """Messages with their delivery status; `counts` tallies every status under the other filters."""
    require_staff(p)
    filters = [c for c in (
        OutboxMessage.conference_id == conference_id if conference_id is not None else None,
        OutboxMessage.kind == kind if kind is not None else None,
        OutboxMessage.invitation_id == invitation_id if invitation_id is not None else None,
        OutboxMessage.notice_id == notice_id if notice_id is not None else None) if c is not None]
    stmt = select(OutboxMessage).where(*filters).order_by(OutboxMessage.id)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    async with uow:
        page = await paginate(uow.session, stmt, limit, offset)
        counts = dict((await uow.session.execute(select(OutboxMessage.status, func.count()).where(*filters)
                                                 .group_by(OutboxMessage.status))).tuples().all())
    return OutboxPage(page.items, page.total, page.limit, page.offset,
                      {s.value: counts.get(s, 0) for s in MailStatus})


async def _message(uow: UnitOfWork, message_id: int) -> OutboxMessage:
    msg = await uow.session.get(OutboxMessage, message_id)
    if msg is None:
        raise NotFound(f"outbox message {message_id} not found", code="message_not_found")
    return msg


async def get_message(uow: UnitOfWork, p: Principal, message_id: int) -> OutboxMessage:
    require_staff(p)
    async with uow:
        return await _message(uow, message_id)


async def retry_message(uow: UnitOfWork, p: Principal, message_id: int) -> OutboxMessage:
    """Send a failed message again, to the delegate's current address (it may have been corrected)."""
    require_staff(p)
    async with uow:
        msg = await _message(uow, message_id)
        if msg.status is not MailStatus.failed:
            raise Conflict(f"message {msg.id} is {msg.status.value}; only failed messages are retried",
                           code="message_not_failed")
        if msg.invitation_id is not None:
            current = (await uow.session.execute(select(Delegate.email).join(
                Invitation, Invitation.delegate_id == Delegate.id).where(Invitation.id == msg.invitation_id))).scalar()
            msg.recipient = current or msg.recipient
        msg.status, msg.attempts, msg.next_attempt_at = MailStatus.pending, 0, utcnow()
        audit(uow.session, p, "mail.retried", conference_id=msg.conference_id, subject=msg)
        await uow.commit()
        return msg
