"""Schemas of the personal agenda, the outbox and conclusion notices, and their converters."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from api.schemas import Input, Name, Text, local
from domain.mail.models import OutboxMessage
from domain.conferences.agenda_view import Line, PersonalAgenda, Place, webcal
from domain.mail.feeds import StaffFeed
from domain.mail.mailings import InviteReport
from domain.conferences.notices import MAX_ATTACHMENT, NoticeView, ReceiptView, SiteNotice


# ---- personal agenda ----
class PlaceOut(Struct):
    site_id: int
    code: str
    name: str
    address: str
    video_endpoint: str
    role: str


class LineOut(Struct):
    id: int
    position: int
    kind: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    speaking_minutes: int
    own: bool


class AgendaConferenceOut(Struct):
    id: int
    title: str
    description: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    sequence: int


class AgendaDelegateOut(Struct):
    id: int
    full_name: str
    rank: str
    position: str


class LinksOut(Struct):
    page: str
    pass_page: str
    feed: str
    webcal: str


class PersonalAgendaOut(Struct):
    invitation_id: int
    role: str
    status: str
    conference: AgendaConferenceOut
    delegate: AgendaDelegateOut
    site: PlaceOut
    host_site: PlaceOut | None
    speaking_slots: list[LineOut]
    agenda: list[LineOut]
    links: LinksOut | None


def _place(p: Place) -> PlaceOut:
    return PlaceOut(p.site_id, p.code, p.name, p.address, p.video_endpoint, p.role)


def _line(x: Line) -> LineOut:
    return LineOut(x.id, x.position, x.kind, x.title, x.starts_at, x.ends_at, x.speaking_minutes, x.own)


def personal_agenda_out(a: PersonalAgenda) -> PersonalAgendaOut:
    c, d, inv, links = a.conference, a.delegate, a.invitation, a.links
    starts, ends = local(c.starts_at, c.timezone), local(c.ends_at, c.timezone)
    return PersonalAgendaOut(
        inv.id, inv.role.value, inv.status.value,
        AgendaConferenceOut(c.id, c.title, c.description, c.status.value, starts, ends, c.timezone,  # type: ignore[arg-type]
                            c.sequence),
        AgendaDelegateOut(d.id, d.full_name, d.rank, d.position), _place(a.place),
        _place(a.host) if a.host else None, [_line(x) for x in a.own_slots], [_line(x) for x in a.lines],
        LinksOut(links.page, links.pass_page, links.feed, links.webcal) if links else None)


# ---- invitations by mail, outbox ----
class InviteReportOut(Struct):
    queued: int
    already_invited: int
    without_email: list[int]


def invite_report_out(r: InviteReport) -> InviteReportOut:
    return InviteReportOut(r.queued, r.already_invited, r.without_email)


class OutboxOut(Struct):
    id: int
    kind: str
    reason: str
    status: str
    recipient: str
    conference_id: int
    invitation_id: int | None
    notice_id: int | None
    conference_site_id: int | None
    attempts: int
    next_attempt_at: datetime
    last_error: str
    subject: str
    message_id: str
    sent_at: datetime | None
    created_at: datetime


class OutboxPageOut(Struct):
    items: list[OutboxOut]
    total: int
    limit: int
    offset: int
    counts: dict[str, int]


def outbox_out(m: OutboxMessage) -> OutboxOut:
    return OutboxOut(m.id, m.kind.value, m.reason, m.status.value, m.recipient, m.conference_id, m.invitation_id,
                     m.notice_id, m.conference_site_id, m.attempts, m.next_attempt_at, m.last_error, m.subject,
                     m.message_id, m.sent_at, m.created_at)


class FeedUrlOut(Struct):
    url: str
    webcal: str


def feed_url_out(url: str) -> FeedUrlOut:
    return FeedUrlOut(url, webcal(url))


class StaffFeedOut(Struct):
    kind: str  # organizer | site
    target_id: int
    name: str
    url: str
    webcal: str


class StaffFeedsOut(Struct):
    items: list[StaffFeedOut]


def staff_feeds_out(feeds: list[StaffFeed]) -> StaffFeedsOut:
    return StaffFeedsOut([StaffFeedOut(f.kind, f.target_id, f.name, f.url, webcal(f.url))
                          for f in feeds])


# ---- conclusion notices ----
class AttachmentIn(Input, kw_only=True):
    filename: Text(200, 1)
    content_type: Annotated[str, Meta(max_length=100, pattern=r"^[a-z]+/[A-Za-z0-9.+-]+$")] = \
        "application/octet-stream"
    content: Annotated[bytes, Meta(max_length=MAX_ATTACHMENT)]  # base64 in JSON


class NoticeIn(Input, kw_only=True):
    title: Name
    body: Text(50_000, 1)
    attachment: AttachmentIn | None = None


class AcknowledgeIn(Input, kw_only=True):
    note: Text(500) = ""


class AttachmentOut(Struct):
    filename: str
    content_type: str
    size: int
    sha256: str


class ReceiptOut(Struct):
    conference_site_id: int
    site_id: int
    site_code: str
    site_name: str
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    note: str
    mail: dict[str, int]


class NoticeOut(Struct):
    id: int
    conference_id: int
    title: str
    body: str
    published_at: datetime
    published_by_id: int | None
    attachment: AttachmentOut | None
    acknowledged: int
    receipts: list[ReceiptOut]


class SiteNoticeOut(Struct):
    notice_id: int
    conference_id: int
    conference_title: str
    conference_site_id: int
    title: str
    published_at: datetime
    acknowledged_at: datetime | None


def receipt_out(r: ReceiptView) -> ReceiptOut:
    return ReceiptOut(r.receipt.conference_site_id, r.site.id, r.site.code, r.site.name, r.receipt.acknowledged_at,
                      r.receipt.acknowledged_by_id, r.receipt.note, r.mail)


def notice_out(v: NoticeView) -> NoticeOut:
    n, a = v.notice, v.attachment
    return NoticeOut(n.id, n.conference_id, n.title, n.body, n.published_at, n.published_by_id,
                     AttachmentOut(a.filename, a.content_type, a.size, a.sha256) if a else None,
                     v.acknowledged, [receipt_out(r) for r in v.receipts])


def site_notice_out(x: SiteNotice) -> SiteNoticeOut:
    return SiteNoticeOut(x.notice.id, x.conference.id, x.conference.title, x.receipt.conference_site_id,
                         x.notice.title, x.notice.published_at, x.receipt.acknowledged_at)
