"""A delegate's personal agenda: conference, their site, the agenda in the conference's zone, their role
and speaking slots, and their personal links. Shared by the page, the API, the e-mails and the feeds."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, invitation_filter, require_roster_reader, visible_conference
from domain.mail.calendar import Attendee, Person
from domain.errors import N_, NotFound
from domain.i18n import current_locale, format_date, format_time, gettext
from domain.invitations.links import link_token, resolve_link
from domain.models import (ACTIVE_INVITATION, AgendaItem, BridgeSite, Conference, ConferenceSite, Delegate,
                      Invitation, InvitationRole, InvitationStatus, SiteRole, User)
from domain.invitations.passes import Keyring, encode_feed, encode_pass, encode_staff_feed
from domain.uow import UnitOfWork

ROLE_LABEL = {InvitationRole.chair: N_("Chair"),
              InvitationRole.presenter: N_("Presenter of a report or contribution"),
              InvitationRole.delegate: N_("Delegate"), InvitationRole.observer: N_("Observer")}
ICAL_ROLE = {InvitationRole.chair: "CHAIR", InvitationRole.observer: "OPT-PARTICIPANT"}
PARTSTAT = {InvitationStatus.confirmed: "ACCEPTED", InvitationStatus.declined: "DECLINED"}


@dataclass(frozen=True)
class MailContext:
    """Who sends the mail and calendar entries, and how personal links are made."""
    ring: Keyring
    public_url: str
    sender: str  # "Name <address>"

    @property
    def organizer(self) -> Person:
        return Person.parse(self.sender)

    def feed_url(self, delegate: Delegate) -> str:
        token = encode_feed(self.ring, delegate.id, delegate.feed_version)
        return f"{self.public_url.rstrip('/')}/ical/delegates/{token}.ics"

    def staff_feed_url(self, user: User, what: int, target_id: int) -> str:
        token = encode_staff_feed(self.ring, user.id, user.feed_version, what, target_id)
        return f"{self.public_url.rstrip('/')}/ical/staff/{token}.ics"

    def links(self, inv: Invitation, delegate: Delegate) -> "Links":
        base, token = self.public_url.rstrip("/"), link_token(self.ring, inv)
        feed = self.feed_url(delegate)
        return Links(page=f"{base}/p/{token}/agenda", pass_page=f"{base}/p/{token}", feed=feed,
                     webcal=webcal(feed))

    def pass_text(self, inv: Invitation) -> str:
        return encode_pass(self.ring, inv.conference_id, inv.id, inv.conference_site_id, inv.pass_version)


def webcal(url: str) -> str:
    """The same feed for calendar apps that subscribe on a click."""
    return "webcal://" + url.split("://", 1)[1]


@dataclass(frozen=True)
class Links:
    page: str
    pass_page: str
    feed: str
    webcal: str


@dataclass(frozen=True)
class Place:
    site_id: int
    code: str
    name: str
    address: str
    video_endpoint: str
    role: str

    @property
    def label(self) -> str:
        return ", ".join(x for x in (self.name, self.address) if x)


@dataclass(frozen=True)
class Line:
    """One agenda item, in the conference's zone; `own` marks the delegate's speaking slot."""
    id: int
    position: int
    kind: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    speaking_minutes: int
    own: bool


@dataclass(frozen=True)
class PersonalAgenda:
    conference: Conference
    invitation: Invitation
    delegate: Delegate
    place: Place
    host: Place | None
    lines: list[Line]
    links: Links | None

    @property
    def role_label(self) -> str:
        return gettext(ROLE_LABEL[self.invitation.role])

    @property
    def own_slots(self) -> list[Line]:
        return [line for line in self.lines if line.own]

    @property
    def active(self) -> bool:
        return self.invitation.status in ACTIVE_INVITATION

    def attendee(self) -> Attendee:
        address = self.delegate.email or f"urn:bridgepoint:delegate:{self.delegate.id}"
        return Attendee(Person(self.delegate.full_name, address),
                        ICAL_ROLE.get(self.invitation.role, "REQ-PARTICIPANT"),
                        PARTSTAT.get(self.invitation.status, "NEEDS-ACTION"))

    def description(self) -> str:
        """The agenda as plain text in the current language, for the calendar entry and the text e-mail."""
        parts = [self.conference.description.strip()] if self.conference.description.strip() else []
        facts = [gettext("Bridge point: %(place)s", place=self.place.label),
                 gettext("Role: %(role)s", role=self.role_label)]
        if self.place.video_endpoint:
            facts.append(gettext("Video link: %(endpoint)s", endpoint=self.place.video_endpoint))
        if self.host is not None and self.host.site_id != self.place.site_id:
            facts.append(gettext("Host hall: %(place)s", place=self.host.label))
        facts += [gettext("Speaking: %(time)s — %(title)s (%(minutes)s min)", time=clock(s.starts_at), title=s.title,
                          minutes=s.speaking_minutes) for s in self.own_slots]
        parts += ["\n".join(facts), gettext("Agenda:") + "\n" + agenda_text(self.lines)]
        if self.links is not None:
            parts.append(gettext("Personal page: %(url)s", url=self.links.page))
        return "\n\n".join(parts)


def clock(dt: datetime | None) -> str:
    """A time of day, 24-hour in both languages (as the offices write it): "08:00"."""
    return format_time(dt) if dt is not None else "--:--"


def date_text(dt: datetime) -> str:
    """A date in the locale, without the weekday: "18/12/2026", "Dec 18, 2026"."""
    return format_date(dt, fmt="dd/MM/yyyy" if current_locale() == "vi" else "medium")


def agenda_text(lines: list[Line]) -> str:
    out = []
    for line in lines:
        span = clock(line.starts_at) + (f"–{clock(line.ends_at)}" if line.ends_at else "")
        out.append(f"{span}  {line.title}" + (f"  ← {gettext('your speaking slot')}" if line.own else ""))
    return "\n".join(out) or gettext("(none yet)")


def _place(cs: ConferenceSite, site: BridgeSite) -> Place:
    return Place(site.id, site.code, site.name, site.address, site.video_endpoint, cs.role.value)


def lines_of(conf: Conference, items: list[AgendaItem], invitation_id: int | None = None) -> list[Line]:
    zone = ZoneInfo(conf.timezone)
    out = []
    for item in items:
        start = item.planned_start.astimezone(zone) if item.planned_start else None
        end = start + timedelta(minutes=item.duration_minutes) if start and item.duration_minutes else None
        out.append(Line(item.id, item.position, item.kind.value, item.title, start, end, item.speaking_minutes,
                        invitation_id is not None and item.presenter_invitation_id == invitation_id))
    return out


async def agenda_items(s: AsyncSession, conference_ids: set[int]) -> dict[int, list[AgendaItem]]:
    by_conf: dict[int, list[AgendaItem]] = defaultdict(list)
    rows = await s.execute(select(AgendaItem).where(AgendaItem.conference_id.in_(conference_ids))
                           .order_by(AgendaItem.position, AgendaItem.id))
    for item in rows.scalars():
        by_conf[item.conference_id].append(item)
    return by_conf


async def host_places(s: AsyncSession, conference_ids: set[int]) -> dict[int, Place]:
    rows = await s.execute(select(ConferenceSite, BridgeSite).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                           .where(ConferenceSite.conference_id.in_(conference_ids),
                                  ConferenceSite.role == SiteRole.host))
    return {cs.conference_id: _place(cs, site) for cs, site in rows}


async def load(s: AsyncSession, invitation_ids: list[int], ctx: MailContext | None) -> dict[int, PersonalAgenda]:
    """Personal agendas for many invitations in a few queries; links only when `ctx` is given."""
    if not invitation_ids:
        return {}
    rows = (await s.execute(
        select(Invitation, Delegate, Conference, ConferenceSite, BridgeSite)
        .join(Delegate, Delegate.id == Invitation.delegate_id)
        .join(Conference, Conference.id == Invitation.conference_id)
        .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
        .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
        .where(Invitation.id.in_(invitation_ids)))).all()
    conf_ids = {conf.id for _, _, conf, _, _ in rows}
    items, hosts = await agenda_items(s, conf_ids), await host_places(s, conf_ids)
    return {inv.id: PersonalAgenda(conf, inv, delegate, _place(cs, site), hosts.get(conf.id),
                                   lines_of(conf, items[conf.id], inv.id),
                                   ctx.links(inv, delegate) if ctx else None)
            for inv, delegate, conf, cs, site in rows}


async def by_link(uow: UnitOfWork, ctx: MailContext, token: str) -> PersonalAgenda:
    """The agenda behind a delegate's personal link (a revoked or forged link is not found)."""
    async with uow:
        inv = await resolve_link(uow.session, ctx.ring, token)
        return (await load(uow.session, [inv.id], ctx))[inv.id]


async def for_invitation(uow: UnitOfWork, p: Principal, ctx: MailContext, conference_id: int,
                         invitation_id: int) -> PersonalAgenda:
    """The same agenda through the API; the personal links (secrets) only for organizers and the delegate."""
    require_roster_reader(p)
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        found = (await uow.session.execute(select(Invitation.id).where(
            Invitation.id == invitation_id, Invitation.conference_id == conference_id, invitation_filter(p))
        )).scalar_one_or_none()
        if found is None:
            raise NotFound(f"invitation {invitation_id} not found", code="invitation_not_found")
        own = p.is_staff or p.invitation_id == found
        return (await load(uow.session, [found], ctx if own else None))[found]
