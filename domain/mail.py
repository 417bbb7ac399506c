"""E-mails and the delegate's page: multipart text + HTML, the QR pass inline (CID) and an .ics that mail
clients offer to add to the calendar (METHOD:REQUEST), update (higher SEQUENCE) or remove (METHOD:CANCEL)."""
from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import calendar
from .models import Conference
from .models_mail import ConclusionNotice, MailKind, NoticeAttachment
from .passes import qr_png
from .services.agenda_view import MailContext, PersonalAgenda, clock

WEEKDAYS = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]
REASONS = {"time": "Thời gian hội nghị đã thay đổi.", "place": "Địa điểm (điểm cầu) của đồng chí đã thay đổi."}
CANCELLED = {"conference_cancelled": "Hội nghị đã bị huỷ.",
             "invitation_cancelled": "Giấy mời của đồng chí đã bị huỷ.",
             "substituted": "Đơn vị đã cử người khác dự thay đồng chí; giấy mời này không còn hiệu lực."}


def day(dt: datetime) -> str:
    return f"{WEEKDAYS[dt.weekday()]} {dt:%d/%m/%Y}"


_env = Environment(loader=PackageLoader("domain", "mail_templates"), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_env.filters.update(clock=clock, day=day, local=lambda dt, tz: dt.astimezone(ZoneInfo(tz)))


def agenda_page(agenda: PersonalAgenda) -> str:
    return _env.get_template("page.html").render(a=agenda)


def _headers(msg: EmailMessage, subject: str, ctx: MailContext, recipient: str, message_id: str,
             now: datetime) -> None:
    msg["Subject"] = subject
    msg["From"] = ctx.sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"


def _when(conf: Conference) -> str:
    start = conf.starts_at.astimezone(ZoneInfo(conf.timezone))
    return f"{clock(start)} {day(start)}"


def _subject(kind: MailKind, reason: str, conf: Conference) -> str:
    if kind is MailKind.invitation:
        return f"Giấy mời: {conf.title}, {_when(conf)}"
    if kind is MailKind.update:
        return f"Thay đổi: {conf.title}, {_when(conf)}"
    prefix = "Huỷ hội nghị" if reason == "conference_cancelled" else "Huỷ giấy mời"
    return f"{prefix}: {conf.title}"


def _lead(kind: MailKind, reason: str) -> str:
    if kind is MailKind.invitation:
        return "Trân trọng kính mời đồng chí dự hội nghị dưới đây."
    if kind is MailKind.update:
        return REASONS.get(reason, "Thông tin hội nghị đã thay đổi.") + " Dưới đây là thông tin mới nhất."
    return CANCELLED.get(reason, "Giấy mời không còn hiệu lực.")


def invitation_email(agenda: PersonalAgenda, kind: MailKind, reason: str, *, ctx: MailContext, recipient: str,
                     message_id: str, now: datetime) -> EmailMessage:
    """An invitation, an update (same UID, current SEQUENCE) or a cancellation for one delegate."""
    cancel = kind is MailKind.cancellation
    pass_text = "" if cancel else ctx.pass_text(agenda.invitation)
    qr_cid = message_id.strip("<>").replace("@", ".qr@") if pass_text else ""
    note = ("Tệp invite.ics đính kèm xoá hội nghị khỏi lịch của đồng chí." if cancel else
            "Tệp invite.ics đính kèm thêm (hoặc cập nhật) hội nghị vào lịch của đồng chí.")
    values = dict(a=agenda, lead=_lead(kind, reason), pass_text=pass_text, qr_cid=qr_cid, calendar_note=note)

    msg = EmailMessage()
    _headers(msg, _subject(kind, reason, agenda.conference), ctx, recipient, message_id, now)
    msg.set_content(_env.get_template("invitation.txt").render(**values))
    msg.add_alternative(_env.get_template("invitation.html").render(**values), subtype="html")
    if pass_text:
        html = msg.get_payload()[1]
        html.add_related(qr_png(pass_text), "image", "png", cid=f"<{qr_cid}>", filename="the-du-hoi-nghi.png",
                         disposition="inline")
    method = "CANCEL" if cancel else "REQUEST"
    entry = calendar.conference_entry(agenda.conference, location=agenda.place.label,
                                      description=agenda.description(),
                                      url=agenda.links.page if agenda.links and not cancel else "",
                                      attendee=agenda.attendee(), cancelled=cancel)
    ics = calendar.build([entry], uid=f"mail-{message_id.strip('<>')}", name=agenda.conference.title,
                         organizer=ctx.organizer, method=method, stamp=now)
    # As bytes, so the CRLF line ends iCalendar requires survive; base64 keeps the message 7-bit.
    msg.add_attachment(ics, maintype="text", subtype="calendar", filename="invite.ics",
                       params={"method": method, "charset": "utf-8"})
    return msg


def notice_email(notice: ConclusionNotice, conference: Conference, site_name: str,
                 attachment: NoticeAttachment | None, *, ctx: MailContext, recipient: str, message_id: str,
                 now: datetime) -> EmailMessage:
    values = dict(notice=notice, conference=conference, site_name=site_name, attachment=attachment)
    msg = EmailMessage()
    _headers(msg, f"Thông báo kết luận: {conference.title}", ctx, recipient, message_id, now)
    msg.set_content(_env.get_template("notice.txt").render(**values))
    msg.add_alternative(_env.get_template("notice.html").render(**values), subtype="html")
    if attachment is not None:
        maintype, _, subtype = attachment.content_type.partition("/")
        msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=attachment.filename)
    return msg
