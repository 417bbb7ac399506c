"""Conclusion notices: after a conference ends the office notifies its conclusions to every participating
site; each site's operator acknowledges receipt, and the organizer sees who has and has not."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, require_roster_reader, require_staff, visible_conference
from domain.db import utcnow
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.models import BridgeSite, Conference, ConferenceSite, ConferenceStatus, Delegate, Role, User
from domain.mail.models import ConclusionNotice, MailKind, NoticeAttachment, NoticeReceipt, OutboxMessage
from domain.mail.outbox import queue
from domain.uow import UnitOfWork
from domain.common import audit, check_text

MAX_ATTACHMENT = 5 * 1024 * 1024
EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")
SAFE_FILENAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")


@dataclass(frozen=True)
class AttachmentInfo:
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass
class ReceiptView:
    receipt: NoticeReceipt
    site: BridgeSite
    mail: dict[str, int] = field(default_factory=dict)  # outbox status → number of messages to this site
    acknowledged_by: str | None = None  # the name of the operator who acknowledged


@dataclass
class NoticeView:
    notice: ConclusionNotice
    attachment: AttachmentInfo | None
    receipts: list[ReceiptView]

    @property
    def acknowledged(self) -> int:
        return sum(r.receipt.acknowledged_at is not None for r in self.receipts)

    @property
    def waiting(self) -> int:
        return len(self.receipts) - self.acknowledged


@dataclass
class ConferenceNotices:
    """A conference's notices for its page, with what the caller may do there."""
    conference: Conference
    notices: list[NoticeView]
    may_publish: bool  # staff, once the conference has ended
    may_acknowledge: bool  # an operator acknowledges for their own points


@dataclass
class NoticeMail:
    """What the outbox worker needs to render a notice's e-mails."""
    notice: ConclusionNotice
    conference: Conference
    attachment: NoticeAttachment | None
    site_names: dict[int, str]


def _check_attachment(att: dict[str, Any]) -> None:
    if not SAFE_FILENAME.match(att["filename"]) or not att["filename"].strip():
        raise InvalidInput("a file name without folders or control characters", code="invalid_filename",
                           field="attachment.filename")
    if not att["content"]:
        raise InvalidInput("the attached file is empty", code="attachment_empty", field="attachment.content")
    if len(att["content"]) > MAX_ATTACHMENT:
        raise InvalidInput(f"the attachment must hold 1 byte to {MAX_ATTACHMENT // 1024 // 1024} MiB",
                           code="attachment_size", field="attachment.content")


def _addresses(site: BridgeSite, chair: Delegate | None) -> list[str]:
    found = EMAIL.findall(site.contact or "") + ([chair.email] if chair is not None and chair.email else [])
    return list(dict.fromkeys(a.lower() for a in found))


async def publish(uow: UnitOfWork, p: Principal, conference_id: int, fields: dict[str, Any]) -> NoticeView:
    """Publish to every participating site and queue its e-mails in the same transaction."""
    check_text(fields.get("title"), "title")
    check_text(fields.get("body"), "body")
    for f, most in (("title", 300), ("body", 50_000)):
        if fields.get(f) is not None and len(fields[f]) > most:
            raise InvalidInput(f"{f} may hold at most {most} characters", code="too_long", field=f, most=most)
    att = fields.get("attachment")
    if att is not None:
        _check_attachment(att)
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id, for_update=True)
        require_staff(p)
        if conf.status is not ConferenceStatus.ended:
            raise Conflict("conclusions are notified after the conference has ended", code="conference_not_ended")
        notice = ConclusionNotice(conference_id=conf.id, title=fields["title"], body=fields["body"],
                                  published_at=utcnow(), published_by_id=p.user_id)
        s.add(notice)
        await s.flush()
        if att is not None:
            s.add(NoticeAttachment(notice_id=notice.id, filename=att["filename"], content_type=att["content_type"],
                                   size=len(att["content"]), sha256=hashlib.sha256(att["content"]).hexdigest(),
                                   data=att["content"]))
        sites = (await s.execute(
            select(ConferenceSite, BridgeSite, Delegate).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .outerjoin(Delegate, Delegate.id == ConferenceSite.chair_delegate_id)
            .where(ConferenceSite.conference_id == conf.id).order_by(ConferenceSite.id))).tuples().all()
        s.add_all([NoticeReceipt(notice_id=notice.id, conference_site_id=cs.id) for cs, _, _ in sites])
        await queue(s, [dict(idempotency_key=f"notice:{notice.id}:{cs.id}:{address}", kind=MailKind.notice,
                             recipient=address, conference_id=conf.id, notice_id=notice.id,
                             conference_site_id=cs.id)
                        for cs, site, chair in sites for address in _addresses(site, chair)])
        audit(s, p, "notice.published", conference_id=conf.id, subject=notice, sites=len(sites))
        uow.emit(conf.id, "notice_published", notice_id=notice.id)
        await s.flush()
        view = (await _views(s, p, [notice]))[0]
        await uow.commit()
        return view


def _receipt_filter(p: Principal) -> Any:
    if p.role is Role.operator:
        return BridgeSite.id.in_(p.site_ids)
    return true()


async def _views(s: AsyncSession, p: Principal, notices: list[ConclusionNotice]) -> list[NoticeView]:
    ids = [n.id for n in notices]
    if not ids:
        return []
    receipts: dict[int, list[ReceiptView]] = defaultdict(list)
    rows = await s.execute(select(NoticeReceipt, BridgeSite, User.display_name, User.username)
                           .join(ConferenceSite, ConferenceSite.id == NoticeReceipt.conference_site_id)
                           .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                           .outerjoin(User, User.id == NoticeReceipt.acknowledged_by_id)
                           .where(NoticeReceipt.notice_id.in_(ids), _receipt_filter(p))
                           .order_by(BridgeSite.code))
    for receipt, site, display_name, username in rows.tuples():
        receipts[receipt.notice_id].append(ReceiptView(receipt, site, acknowledged_by=display_name or username))
    counts = await s.execute(select(OutboxMessage.notice_id, OutboxMessage.conference_site_id, OutboxMessage.status,
                                    func.count()).where(OutboxMessage.notice_id.in_(ids))
                             .group_by(OutboxMessage.notice_id, OutboxMessage.conference_site_id, OutboxMessage.status))
    by_site = {(r.receipt.notice_id, r.receipt.conference_site_id): r for rs in receipts.values() for r in rs}
    for notice_id, cs_id, status, n in counts.tuples():
        if (notice_id, cs_id) in by_site:
            by_site[(notice_id, cs_id)].mail[status.value] = n
    files = await s.execute(select(NoticeAttachment.notice_id, NoticeAttachment.filename, NoticeAttachment.content_type,
                                   NoticeAttachment.size, NoticeAttachment.sha256)
                            .where(NoticeAttachment.notice_id.in_(ids)))
    info = {row[0]: AttachmentInfo(*row[1:]) for row in files.tuples()}
    return [NoticeView(n, info.get(n.id), receipts[n.id]) for n in notices]


async def _notice(uow: UnitOfWork, p: Principal, conference_id: int, notice_id: int) -> ConclusionNotice:
    require_roster_reader(p)
    await visible_conference(uow.session, p, conference_id)
    notice = await uow.session.get(ConclusionNotice, notice_id)
    if notice is None or notice.conference_id != conference_id:
        raise NotFound(f"notice {notice_id} not found", code="notice_not_found")
    return notice


async def list_notices(uow: UnitOfWork, p: Principal, conference_id: int) -> list[NoticeView]:
    require_roster_reader(p)
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        notices = (await uow.session.execute(select(ConclusionNotice).where(
            ConclusionNotice.conference_id == conference_id).order_by(ConclusionNotice.id))).scalars().all()
        return await _views(uow.session, p, list(notices))


async def conference_notices(uow: UnitOfWork, p: Principal, conference_id: int) -> ConferenceNotices:
    """The conference and its notices (the notices page): the same reading rights as `list_notices`."""
    require_roster_reader(p)
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id)
        notices = (await uow.session.execute(select(ConclusionNotice).where(
            ConclusionNotice.conference_id == conference_id).order_by(ConclusionNotice.id.desc()))).scalars().all()
        views = await _views(uow.session, p, list(notices))
        return ConferenceNotices(conf, views, p.is_staff and conf.status is ConferenceStatus.ended,
                                 p.role is Role.operator)


async def get_notice(uow: UnitOfWork, p: Principal, conference_id: int, notice_id: int) -> NoticeView:
    async with uow:
        return (await _views(uow.session, p, [await _notice(uow, p, conference_id, notice_id)]))[0]


async def attachment(uow: UnitOfWork, p: Principal, conference_id: int, notice_id: int) -> NoticeAttachment:
    async with uow:
        await _notice(uow, p, conference_id, notice_id)
        att = (await uow.session.execute(select(NoticeAttachment).where(
            NoticeAttachment.notice_id == notice_id))).scalar_one_or_none()
        if att is None:
            raise NotFound("this notice has no attachment", code="attachment_not_found")
        return att


async def acknowledge(uow: UnitOfWork, p: Principal, conference_id: int, notice_id: int,
                      conference_site_id: int, note: str = "") -> ReceiptView:
    """The site's operator confirms receipt; acknowledging again changes nothing."""
    async with uow:
        s = uow.session
        notice = await _notice(uow, p, conference_id, notice_id)
        row = (await s.execute(select(NoticeReceipt, BridgeSite)
                               .join(ConferenceSite, ConferenceSite.id == NoticeReceipt.conference_site_id)
                               .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                               .where(NoticeReceipt.notice_id == notice.id,
                                      NoticeReceipt.conference_site_id == conference_site_id, _receipt_filter(p))
                               .with_for_update(of=NoticeReceipt))).tuples().one_or_none()
        if row is None:
            raise NotFound(f"site {conference_site_id} did not receive notice {notice_id}", code="receipt_not_found")
        receipt, site = row
        if p.role is not Role.operator:
            raise Forbidden("receipt is acknowledged by the site's operator", code="not_site_operator")
        if receipt.acknowledged_at is None:
            receipt.acknowledged_at, receipt.acknowledged_by_id, receipt.note = utcnow(), p.user_id, note
            audit(s, p, "notice.acknowledged", conference_id=conference_id, site_id=site.id, subject=notice)
            uow.emit(conference_id, "notice_acknowledged", notice_id=notice.id, conference_site_id=conference_site_id)
        await uow.commit()
        return ReceiptView(receipt, site)


@dataclass
class SiteNotice:
    notice: ConclusionNotice
    conference: Conference
    receipt: NoticeReceipt


async def for_site(s: AsyncSession, site_id: int) -> list[SiteNotice]:
    rows = await s.execute(select(ConclusionNotice, Conference, NoticeReceipt)
                           .join(Conference, Conference.id == ConclusionNotice.conference_id)
                           .join(NoticeReceipt, NoticeReceipt.notice_id == ConclusionNotice.id)
                           .join(ConferenceSite, ConferenceSite.id == NoticeReceipt.conference_site_id)
                           .where(ConferenceSite.site_id == site_id).order_by(ConclusionNotice.id))
    return [SiteNotice(*row) for row in rows.tuples()]


async def check_site_reader(s: AsyncSession, p: Principal, site_id: int) -> BridgeSite:
    """A site's own feeds and notices: organizers, and the operators bound to that site."""
    site = await s.get(BridgeSite, site_id)
    if site is None:
        raise NotFound(f"bridge site {site_id} not found", code="site_not_found")
    if not p.runs_site(site_id):
        raise Forbidden("only organizers and this site's operators may read its notices and calendar",
                        code="not_site_operator")
    return site


async def site_notices(uow: UnitOfWork, p: Principal, site_id: int) -> list[SiteNotice]:
    async with uow:
        await check_site_reader(uow.session, p, site_id)
        return await for_site(uow.session, site_id)


async def load_for_mail(s: AsyncSession, notice_ids: set[int]) -> dict[int, NoticeMail]:
    if not notice_ids:
        return {}
    rows = (await s.execute(select(ConclusionNotice, Conference)
                            .join(Conference, Conference.id == ConclusionNotice.conference_id)
                            .where(ConclusionNotice.id.in_(notice_ids)))).tuples().all()
    files = {a.notice_id: a for a in (await s.execute(
        select(NoticeAttachment).where(NoticeAttachment.notice_id.in_(notice_ids)))).scalars()}
    names = dict((await s.execute(select(ConferenceSite.id, BridgeSite.name)
                                  .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                                  .where(ConferenceSite.conference_id.in_({c.id for _, c in rows})))).tuples().all())
    return {n.id: NoticeMail(n, c, files.get(n.id), names) for n, c in rows}
