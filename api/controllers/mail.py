"""Personal agendas, iCalendar feeds, invitations by email, conclusion notices (HTTP)."""
from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from litestar import Controller, MediaType, Response, get, post
from litestar.datastructures import State

from api.schemas.mail import (AcknowledgeIn, FeedUrlOut, InviteReportOut, NoticeIn, NoticeOut, OutboxOut,
                              OutboxPageOut, PersonalAgendaOut, ReceiptOut, SiteNoticeOut, StaffFeedsOut, feed_url_out,
                              invite_report_out, notice_out, outbox_out, personal_agenda_out, receipt_out,
                              site_notice_out, staff_feeds_out)
from domain.access import Principal
from domain.mail.messages import agenda_page
from domain.mail.transport import transport_for
from domain.mail.models import MailKind, MailStatus
from domain.mail.worker import OutboxWorker
from domain.conferences import agenda_view
from domain.mail import feeds, mailings
from domain.conferences import notices
from domain.conferences.agenda_view import MailContext
from domain.mail.feeds import Feed
from domain.uow import UnitOfWork
from api.params import ConferenceId, Lang, Limit, Offset, PathId, QueryId, Token

ICS = "text/calendar"  # Litestar adds "; charset=utf-8" to text types (said twice before)


def mail_context(state: State) -> MailContext:
    return MailContext(state.keyring, state.settings.public_url, state.settings.mail_from)


def start_worker(state: State) -> OutboxWorker:
    """The outbox sender of this process (several processes may each run one)."""
    settings = state.settings
    worker = OutboxWorker(state.sessionmaker, transport_for(settings.smtp_url, settings.mail_dir),
                          mail_context(state))
    if settings.mail_worker:
        worker.start()
    return worker


def _ics(feed: Feed) -> Response[bytes]:
    # A feed holds people's schedules and its URL may be a secret: never kept by shared caches or the browser's.
    return Response(feed.body, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{feed.filename}"',
                                                        "Cache-Control": "private, no-store"})


@get("/p/{token:str}/agenda", operation_id="personalAgendaPage", tags=["delegates"], exclude_from_auth=True,
     media_type=MediaType.HTML,
     description="The delegate's personal agenda page (the personal link is the credential), in the delegate's "
                 "language.")
async def personal_agenda_page(token: Token, uow: UnitOfWork, state: State, lang: Lang = None) -> Response[str]:
    page = agenda_page(await agenda_view.by_link(uow, mail_context(state), token), lang)
    return Response(page, media_type=MediaType.HTML,
                    headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})


@get("/ical/delegates/{token:str}", operation_id="delegateCalendarFeed", tags=["calendars"], exclude_from_auth=True,
     description="A delegate's calendar (all their conferences) for calendar apps to subscribe to; the token is "
                 "secret and revocable. A trailing `.ics` is accepted.")
async def delegate_feed(token: Token, uow: UnitOfWork, state: State) -> Response[bytes]:
    return _ics(await feeds.delegate_feed(uow, mail_context(state), token.removesuffix(".ics")))


@get("/ical/staff/{token:str}", operation_id="staffCalendarFeed", tags=["calendars"], exclude_from_auth=True,
     description="A staff member's subscribed calendar (a bridge site's or the conferences they manage), as their "
                 "rights allow when it is fetched; the token is secret and revocable "
                 "(`POST /api/me/calendar-feeds/revoke`). A trailing `.ics` is accepted.")
async def staff_feed(token: Token, uow: UnitOfWork, state: State) -> Response[bytes]:
    return _ics(await feeds.staff_feed(uow, mail_context(state), token.removesuffix(".ics")))


class CalendarController(Controller):
    path = "/api"
    tags = ["calendars"]

    @get("/conferences/{conference_id:int}/invitations/{invitation_id:int}/agenda", operation_id="personalAgenda",
         tags=["invitations"],
         description="One invitation's personal agenda: conference, site, agenda in the conference's zone, role "
                     "and speaking slots. The personal links are included for organizers only.")
    async def personal_agenda(self, conference_id: ConferenceId, invitation_id: PathId, uow: UnitOfWork,
                              principal: Principal, state: State) -> PersonalAgendaOut:
        return personal_agenda_out(await agenda_view.for_invitation(uow, principal, mail_context(state),
                                                                    conference_id, invitation_id))

    @get("/conferences/{conference_id:int}/calendar.ics", operation_id="conferenceCalendar",
         description="The conference as iCalendar; `items=true` adds each timed agenda item as its own event.")
    async def conference(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal, state: State,
                         items: bool = False) -> Response[bytes]:
        return _ics(await feeds.conference_feed(uow, principal, mail_context(state), conference_id,
                                                with_items=items))

    @get("/sites/{site_id:int}/calendar.ics", operation_id="siteCalendar",
         description="A bridge site's conferences and the conclusion notices it received (its operators).")
    async def site(self, site_id: PathId, uow: UnitOfWork, principal: Principal, state: State) -> Response[bytes]:
        return _ics(await feeds.site_feed(uow, principal, mail_context(state), site_id))

    @get("/organizers/{user_id:int}/calendar.ics", operation_id="organizerCalendar",
         description="The conferences a user manages (organizers: anyone's; a chair: their own).")
    async def organizer(self, user_id: PathId, uow: UnitOfWork, principal: Principal,
                        state: State) -> Response[bytes]:
        return _ics(await feeds.organizer_feed(uow, principal, mail_context(state), user_id))

    @get("/delegates/{delegate_id:int}/calendar-feed", operation_id="delegateCalendarFeedUrl", tags=["delegates"],
         description="The secret subscription URL of a delegate's calendar (organizers).")
    async def feed_url(self, delegate_id: PathId, uow: UnitOfWork, principal: Principal, state: State) -> FeedUrlOut:
        return feed_url_out(await feeds.delegate_feed_url(uow, principal, mail_context(state), delegate_id))

    @get("/me/calendar-feeds", operation_id="myCalendarFeeds",
         description="Your secret calendar subscription URLs, for calendar apps that cannot log in: the conferences "
                     "you manage (administrators, organizers, chairs) and each bridge site you operate.")
    async def my_feeds(self, uow: UnitOfWork, principal: Principal, state: State) -> StaffFeedsOut:
        return staff_feeds_out(await feeds.staff_feed_urls(uow, principal, mail_context(state)))

    @post("/me/calendar-feeds/revoke", operation_id="revokeMyCalendarFeeds", status_code=200,
          description="Invalidate every calendar subscription URL you were given; returns the new ones.")
    async def revoke_my_feeds(self, uow: UnitOfWork, principal: Principal, state: State) -> StaffFeedsOut:
        return staff_feeds_out(await feeds.staff_feed_urls(uow, principal, mail_context(state), revoke=True))

    @post("/delegates/{delegate_id:int}/calendar-feed/revoke", operation_id="revokeDelegateCalendarFeed",
          tags=["delegates"], status_code=200,
          description="Invalidate every earlier calendar URL of the delegate; returns the new one.")
    async def revoke_feed(self, delegate_id: PathId, uow: UnitOfWork, principal: Principal,
                          state: State) -> FeedUrlOut:
        return feed_url_out(await feeds.delegate_feed_url(uow, principal, mail_context(state), delegate_id,
                                                          revoke=True))


class MailController(Controller):
    path = "/api"
    tags = ["mail"]

    @post("/conferences/{conference_id:int}/send-invitations", operation_id="sendInvitations", status_code=202,
          description="Queue an invitation e-mail (agenda, QR pass, personal link, .ics) for every active "
                      "invitation not yet invited; one call for the whole conference, safe to repeat.")
    async def send_invitations(self, conference_id: ConferenceId, uow: UnitOfWork,
                               principal: Principal) -> InviteReportOut:
        return invite_report_out(await mailings.send_invitations(uow, principal, conference_id))

    @get("/outbox", operation_id="listOutbox",
         description="Queued and sent e-mails with their delivery status, attempts and last error (organizers).")
    async def list_(self, uow: UnitOfWork, principal: Principal, conference_id: QueryId = None,
                    status: Literal["pending", "sending", "sent", "failed"] | None = None,
                    kind: Literal["invitation", "update", "cancellation", "notice"] | None = None,
                    invitation_id: QueryId = None, notice_id: QueryId = None, limit: Limit = 50,
                    offset: Offset = 0) -> OutboxPageOut:
        page = await mailings.list_outbox(
            uow, principal, conference_id=conference_id, status=MailStatus(status) if status else None,
            kind=MailKind(kind) if kind else None, invitation_id=invitation_id, notice_id=notice_id,
            limit=limit, offset=offset)
        return OutboxPageOut([outbox_out(m) for m in page.items], page.total, page.limit, page.offset, page.counts)

    @get("/outbox/{message_id:int}", operation_id="getOutboxMessage", description="One e-mail's status.")
    async def get_(self, message_id: PathId, uow: UnitOfWork, principal: Principal) -> OutboxOut:
        return outbox_out(await mailings.get_message(uow, principal, message_id))

    @post("/outbox/{message_id:int}/retry", operation_id="retryOutboxMessage", status_code=200,
          description="Send a failed e-mail again, to the delegate's current address.")
    async def retry(self, message_id: PathId, uow: UnitOfWork, principal: Principal) -> OutboxOut:
        return outbox_out(await mailings.retry_message(uow, principal, message_id))


class NoticeController(Controller):
    path = "/api"
    tags = ["notices"]

    @post("/conferences/{conference_id:int}/notices", operation_id="publishNotice",
          description="Publish the conclusions of an ended conference to every participating site (e-mailed "
                      "through the outbox); `attachment.content` is base64.")
    async def publish(self, conference_id: ConferenceId, data: NoticeIn, uow: UnitOfWork,
                      principal: Principal) -> NoticeOut:
        fields: dict[str, Any] = data.fields()
        if data.attachment is not None:
            fields["attachment"] = data.attachment.fields()
        return notice_out(await notices.publish(uow, principal, conference_id, fields))

    @get("/conferences/{conference_id:int}/notices", operation_id="listNotices",
         description="The conference's notices with who has and has not acknowledged (operators: their sites).")
    async def list_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> list[NoticeOut]:
        return [notice_out(v) for v in await notices.list_notices(uow, principal, conference_id)]

    @get("/conferences/{conference_id:int}/notices/{notice_id:int}", operation_id="getNotice",
         description="One notice with its receipts.")
    async def get_(self, conference_id: ConferenceId, notice_id: PathId, uow: UnitOfWork,
                   principal: Principal) -> NoticeOut:
        return notice_out(await notices.get_notice(uow, principal, conference_id, notice_id))

    @get("/conferences/{conference_id:int}/notices/{notice_id:int}/attachment", operation_id="noticeAttachment",
         description="The file attached to a notice.")
    async def attachment(self, conference_id: ConferenceId, notice_id: PathId, uow: UnitOfWork,
                         principal: Principal) -> Response[bytes]:
        att = await notices.attachment(uow, principal, conference_id, notice_id)
        fallback = att.filename.encode("ascii", "replace").decode().replace('"', "_")
        disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(att.filename)}"
        return Response(att.data, media_type=att.content_type,
                        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})

    @post("/conferences/{conference_id:int}/notices/{notice_id:int}/receipts/{conference_site_id:int}/acknowledge",
          operation_id="acknowledgeNotice", status_code=200,
          description="The site's operator confirms the site received the notice (repeating it changes nothing).")
    async def acknowledge(self, conference_id: ConferenceId, notice_id: PathId, conference_site_id: PathId,
                          uow: UnitOfWork, principal: Principal, data: AcknowledgeIn | None = None) -> ReceiptOut:
        return receipt_out(await notices.acknowledge(uow, principal, conference_id, notice_id, conference_site_id,
                                                     data.note if data else ""))

    @get("/sites/{site_id:int}/notices", operation_id="siteNotices",
         description="Notices a bridge site received, acknowledged or not (organizers and its operators).")
    async def site(self, site_id: PathId, uow: UnitOfWork, principal: Principal) -> list[SiteNoticeOut]:
        return [site_notice_out(x) for x in await notices.site_notices(uow, principal, site_id)]


ROUTES: list[Any] = [personal_agenda_page, delegate_feed, staff_feed, CalendarController, MailController, NoticeController]
