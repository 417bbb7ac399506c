"""E-mails and the delegate's page: multipart text + HTML, the QR pass inline (CID) and an .ics that mail
clients offer to add to the calendar (METHOD:REQUEST), update (higher SEQUENCE) or remove (METHOD:CANCEL).

Every text is English in the source and translated (domain/locales/vi/mail.po); each message is rendered in its
reader's language: an invitation in its delegate's (`delegates.locale`), a notice in the one the outbox worker
chose for the recipient, the personal page in the delegate's or the one asked for (`?lang=`)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from domain.mail import calendar
from domain.errors import N_
from domain.i18n import LANGUAGE_NAMES, LOCALES, current_locale, format_date, gettext, in_locale, ngettext
from domain.models import Conference
from domain.mail.models import ConclusionNotice, MailKind, NoticeAttachment
from domain.invitations.passes import qr_png
from domain.conferences.agenda_view import MailContext, PersonalAgenda, clock, date_text

# Vietnamese writes the weekday in running text as "thứ Sáu", "Chủ nhật" (CLDR has "Thứ Sáu", "Chủ Nhật").
WEEKDAYS_VI = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]
REASONS = {"time": N_("The time of the conference has changed."),
           "place": N_("Your bridge point (the place you attend from) has changed.")}
CANCELLED = {"conference_cancelled": N_("The conference has been cancelled."),
             "invitation_cancelled": N_("Your invitation has been cancelled."),
             "substituted": N_("Your unit has sent someone else in your place; this invitation is no longer valid.")}


def day(dt: datetime, tz: str | None = None) -> str:
    """The weekday and date in the locale: "thứ Sáu 18/12/2026", "Friday, December 18, 2026"."""
    if current_locale() == "vi":
        local = dt.astimezone(ZoneInfo(tz)) if tz else dt
        return f"{WEEKDAYS_VI[local.weekday()]} {date_text(local)}"
    return format_date(dt, tz, "full")


# The e-mail's HTML carries its looks inline (mail clients drop style sheets); the page under the strict
# Content-Security-Policy uses classes of /static/css/personal.css instead.
MAIL_STYLES = {
    "facts": "border-collapse:collapse;margin:0 0 16px", "fact": "padding:2px 12px 2px 0",
    "subhead": "font-size:1.1em", "agenda": "border-collapse:collapse", "own": "background:#fff3c4",
    "at": "padding:3px 12px 3px 0;white-space:nowrap;vertical-align:top", "item": "padding:3px 0",
}


def _styler(for_mail: bool) -> Callable[[str], Markup]:
    if for_mail:
        return lambda name: Markup(' style="%s"') % MAIL_STYLES[name]
    return lambda name: Markup(' class="%s"') % name


_env = Environment(loader=PackageLoader("domain.mail", "templates"), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                   extensions=["jinja2.ext.i18n"])
_env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=lambda message, **kw: gettext(message, **kw),
    ngettext=lambda s, p, n, **kw: ngettext(s, p, n, **kw), newstyle=True)
_env.filters.update(clock=clock, day=day, local=lambda dt, tz: dt.astimezone(ZoneInfo(tz)))
_env.globals.update(current_locale=current_locale, LANGUAGES=LANGUAGE_NAMES)


def agenda_page(agenda: PersonalAgenda, lang: str | None = None) -> str:
    """The delegate's page in `lang` when asked for (the page's language switch), else in the delegate's."""
    explicit = lang if lang in LOCALES else None
    with in_locale(explicit or agenda.delegate.locale) as locale:
        other = "en" if locale == "vi" else "vi"
        keep = f"?lang={explicit}" if explicit else ""  # a language chosen on the page follows to the pass page
        return _env.get_template("page.html").render(a=agenda, st=_styler(False), other=other, keep=keep)


def _headers(msg: EmailMessage, subject: str, ctx: MailContext, recipient: str, message_id: str,
             now: datetime) -> None:
    if subject.isascii():
        msg["Subject"] = subject
    else:
        # Python 3.11's folder drops the space where it splits a line between two encoded words (an English
        # subject read "côngtác"): encode it ourselves, the spaces inside the encoded words, and keep that folding.
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\n"))
    msg["From"] = ctx.sender
    msg["To"] = recipient
    msg["Date"] = rfc2822(now)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"


def _when(conf: Conference) -> str:
    start = conf.starts_at.astimezone(ZoneInfo(conf.timezone))
    return gettext("%(time)s on %(day)s", time=clock(start), day=day(start))


def _subject(kind: MailKind, reason: str, conf: Conference) -> str:
    if kind is MailKind.invitation:
        return gettext("Invitation: %(title)s, %(when)s", title=conf.title, when=_when(conf))
    if kind is MailKind.update:
        return gettext("Change: %(title)s, %(when)s", title=conf.title, when=_when(conf))
    if reason == "conference_cancelled":
        return gettext("Conference cancelled: %(title)s", title=conf.title)
    return gettext("Invitation cancelled: %(title)s", title=conf.title)


def _lead(kind: MailKind, reason: str) -> str:
    if kind is MailKind.invitation:
        return gettext("You are respectfully invited to attend the conference below.")
    if kind is MailKind.update:
        changed = gettext(REASONS[reason]) if reason in REASONS else gettext("The conference details have changed.")
        return f"{changed} {gettext('The latest details are below.')}"
    return gettext(CANCELLED[reason]) if reason in CANCELLED else gettext("This invitation is no longer valid.")


def invitation_email(agenda: PersonalAgenda, kind: MailKind, reason: str, *, ctx: MailContext, recipient: str,
                     message_id: str, now: datetime) -> EmailMessage:
    """An invitation, an update (same UID, current SEQUENCE) or a cancellation for one delegate, in their
    language."""
    with in_locale(agenda.delegate.locale):
        return _invitation_email(agenda, kind, reason, ctx=ctx, recipient=recipient, message_id=message_id,
                                 now=now)


def _invitation_email(agenda: PersonalAgenda, kind: MailKind, reason: str, *, ctx: MailContext, recipient: str,
                      message_id: str, now: datetime) -> EmailMessage:
    cancel = kind is MailKind.cancellation
    pass_text = "" if cancel else ctx.pass_text(agenda.invitation)
    qr_cid = message_id.strip("<>").replace("@", ".qr@") if pass_text else ""
    note = (gettext("The attached invite.ics removes the conference from your calendar.") if cancel else
            gettext("The attached invite.ics adds the conference to your calendar (or updates it)."))
    values = dict(a=agenda, lead=_lead(kind, reason), pass_text=pass_text, qr_cid=qr_cid, calendar_note=note,
                  st=_styler(True))

    msg = EmailMessage()
    _headers(msg, _subject(kind, reason, agenda.conference), ctx, recipient, message_id, now)
    msg.set_content(_env.get_template("invitation.txt").render(**values))
    msg.add_alternative(_env.get_template("invitation.html").render(**values), subtype="html")
    if pass_text:
        html = msg.get_payload()[1]
        html.add_related(qr_png(pass_text), "image", "png", cid=f"<{qr_cid}>",
                         filename=gettext("conference-pass.png"), disposition="inline")
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
    msg["Content-Language"] = current_locale()  # last: making the message multipart moves Content-* headers
    return msg


def notice_email(notice: ConclusionNotice, conference: Conference, site_name: str,
                 attachment: NoticeAttachment | None, *, ctx: MailContext, recipient: str, message_id: str,
                 now: datetime, locale: str | None = None) -> EmailMessage:
    """A conclusion notice to one bridge point's address, in `locale` (the outbox worker picks it)."""
    with in_locale(locale):
        values = dict(notice=notice, conference=conference, site_name=site_name, attachment=attachment)
        msg = EmailMessage()
        _headers(msg, gettext("Conclusions: %(title)s", title=conference.title), ctx, recipient, message_id, now)
        msg.set_content(_env.get_template("notice.txt").render(**values))
        msg.add_alternative(_env.get_template("notice.html").render(**values), subtype="html")
        if attachment is not None:
            maintype, _, subtype = attachment.content_type.partition("/")
            msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.filename)
        msg["Content-Language"] = current_locale()
    return msg
