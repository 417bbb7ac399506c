"""Calendar feeds: one conference, one delegate (secret, revocable link), one bridge site, one organizer; and
secret, revocable subscription links for staff to their sites' and their own feeds."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.mail import calendar
from domain.i18n import gettext, in_locale
from domain.access import Principal, conference_filter, delegate_filter, require_staff, visible_conference
from domain.errors import Forbidden, NotFound
from domain.models import (Conference, ConferenceSite, ConferenceStatus, Delegate, Invitation, Role, User,
                      conference_managers)
from domain.invitations.passes import InvalidToken, decode_feed, decode_staff_feed
from domain.uow import UnitOfWork
from domain.conferences import agenda_view, notices
from domain.conferences.agenda_view import MailContext, Place, agenda_text, clock, date_text, lines_of
from domain.common import audit
from domain.users.service import principal_of

PUBLISHED = Conference.status != ConferenceStatus.draft
MANAGING_ROLES = (Role.admin, Role.organizer, Role.chair)  # who has an organizer calendar


@dataclass(frozen=True)
class Feed:
    filename: str
    body: bytes


def _about(conf: Conference, items: list, host: Place | None) -> str:
    parts = [conf.description.strip()] if conf.description.strip() else []
    if host is not None:
        parts.append(gettext("Host hall: %(place)s", place=host.label))
    parts.append(gettext("Agenda:") + "\n" + agenda_text(lines_of(conf, items)))
    return "\n\n".join(parts)


async def _entries(s: AsyncSession, confs: list[Conference], location: str | None = None,
                   with_items: bool = False) -> list[calendar.Entry]:
    """Conference events located at `location`, or at each conference's host site."""
    ids = {c.id for c in confs}
    items, hosts = await agenda_view.agenda_items(s, ids), await agenda_view.host_places(s, ids)
    out = []
    for conf in confs:
        host = hosts.get(conf.id)
        where = location if location is not None else (host.label if host else "")
        out.append(calendar.conference_entry(conf, location=where, description=_about(conf, items[conf.id], host)))
        if with_items:
            out += calendar.agenda_entries(conf, items[conf.id], where)
    return out


async def conference_feed(uow: UnitOfWork, p: Principal, ctx: MailContext, conference_id: int, *,
                          with_items: bool = False) -> Feed:
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id)
        entries = await _entries(uow.session, [conf], with_items=with_items)
    return Feed(f"conference-{conf.id}.ics", calendar.build(
        entries, uid=f"feed-conference-{conf.id}@bridgepoint", name=conf.title, organizer=ctx.organizer))


async def site_feed(uow: UnitOfWork, p: Principal, ctx: MailContext, site_id: int) -> Feed:
    """The site's conferences (at this site's address) and the conclusion notices it received."""
    async with uow:
        return await _site_feed(uow.session, p, ctx, site_id)


async def _site_feed(s: AsyncSession, p: Principal, ctx: MailContext, site_id: int) -> Feed:
    site = await notices.check_site_reader(s, p, site_id)
    confs = (await s.execute(select(Conference).join(ConferenceSite, ConferenceSite.conference_id == Conference.id)
                             .where(ConferenceSite.site_id == site.id, PUBLISHED, conference_filter(p))
                             .order_by(Conference.starts_at))).scalars().all()
    here = ", ".join(x for x in (site.name, site.address) if x)
    entries = await _entries(s, list(confs), here)
    for n in await notices.for_site(s, site.id):
        at = n.receipt.acknowledged_at
        if at is not None:
            at = at.astimezone(ZoneInfo(n.conference.timezone))
        state = (gettext("Receipt acknowledged at %(time)s on %(date)s.", time=clock(at), date=date_text(at))
                 if at else gettext("Receipt not acknowledged yet."))
        entries.append(calendar.notice_entry(n.notice, n.conference, f"{n.notice.body}\n\n{state}"))
    return Feed(f"site-{site.code}.ics", calendar.build(
        entries, uid=f"feed-site-{site.id}@bridgepoint", name=site.name, organizer=ctx.organizer))


async def organizer_feed(uow: UnitOfWork, p: Principal, ctx: MailContext, user_id: int) -> Feed:
    """The conferences a user runs (is a manager of): any organizer's for organizers, a chair's own."""
    async with uow:
        return await _organizer_feed(uow.session, p, ctx, user_id)


async def _organizer_feed(s: AsyncSession, p: Principal, ctx: MailContext, user_id: int) -> Feed:
    if not (p.is_staff or (p.role is Role.chair and p.user_id == user_id)):
        raise Forbidden("only organizers, or the chair for their own calendar", code="forbidden_role")
    user = await s.get(User, user_id)
    if user is None or user.role not in MANAGING_ROLES:
        raise NotFound(f"organizer {user_id} not found", code="organizer_not_found")
    managed = select(conference_managers.c.conference_id).where(conference_managers.c.user_id == user.id)
    confs = (await s.execute(select(Conference).where(Conference.id.in_(managed), conference_filter(p))
                             .order_by(Conference.starts_at))).scalars().all()
    entries = await _entries(s, list(confs))
    return Feed(f"organizer-{user.username}.ics", calendar.build(
        entries, uid=f"feed-organizer-{user.id}@bridgepoint", name=user.display_name or user.username,
        organizer=ctx.organizer))


async def delegate_feed(uow: UnitOfWork, ctx: MailContext, token: str) -> Feed:
    """Every conference a delegate is (or was) invited to; withdrawn seats stay as CANCELLED."""
    try:
        delegate_id, version = decode_feed(ctx.ring, token)
    except InvalidToken:
        raise NotFound("this calendar link is not valid", code="invalid_feed") from None
    async with uow:
        s = uow.session
        delegate = await s.get(Delegate, delegate_id)
        if delegate is None or delegate.feed_version != version:
            raise NotFound("this calendar link was revoked", code="invalid_feed")
        ids = (await s.execute(select(Invitation.id).join(Conference, Conference.id == Invitation.conference_id)
                               .where(Invitation.delegate_id == delegate.id, PUBLISHED))).scalars().all()
        agendas = await agenda_view.load(s, list(ids), ctx)
    with in_locale(delegate.locale):  # a delegate's calendar speaks the delegate's language
        entries = [calendar.conference_entry(a.conference, location=a.place.label, description=a.description(),
                                             url=a.links.page if a.links and a.active else "",
                                             attendee=a.attendee(), cancelled=not a.active)
                   for a in sorted(agendas.values(), key=lambda a: a.conference.starts_at)]
    return Feed(f"delegate-{delegate.id}.ics", calendar.build(
        entries, uid=f"feed-delegate-{delegate.id}@bridgepoint", name=delegate.full_name, organizer=ctx.organizer))


async def delegate_feed_url(uow: UnitOfWork, p: Principal, ctx: MailContext, delegate_id: int, *,
                            revoke: bool = False) -> str:
    """The secret subscription URL of a delegate's calendar; `revoke` invalidates every earlier one."""
    async with uow:
        delegate = (await uow.session.execute(select(Delegate).where(
            Delegate.id == delegate_id, delegate_filter(p)))).scalar_one_or_none()
        if delegate is None:
            raise NotFound(f"delegate {delegate_id} not found", code="delegate_not_found")
        require_staff(p)
        if revoke:
            delegate.feed_version += 1
            audit(uow.session, p, "delegate.feed_revoked", subject=delegate)
            await uow.commit()
        return ctx.feed_url(delegate)


SITE_FEED, ORGANIZER_FEED = 1, 2


@dataclass(frozen=True)
class StaffFeed:
    kind: str       # "organizer": the conferences the user manages; "site": a bridge site they operate
    target_id: int  # the user's id, or the site's
    name: str
    url: str


async def staff_feed_urls(uow: UnitOfWork, p: Principal, ctx: MailContext, *, revoke: bool = False
                          ) -> list[StaffFeed]:
    """The caller's own secret calendar URLs, for calendar apps that cannot log in: the conferences they manage
    (administrators, organizers, chairs) and each bridge site they operate. `revoke` invalidates every earlier
    one and returns the new ones. What a feed shows is decided when it is fetched, by the user's rights then."""
    if p.user_id is None:
        raise Forbidden("calendar subscriptions belong to accounts; a delegate's comes with the invitation",
                        code="forbidden_role")
    async with uow:
        user = await uow.session.get(User, p.user_id)
        if user is None or not user.active:
            raise NotFound("this account no longer exists", code="user_not_found")
        if revoke:
            user.feed_version += 1
            audit(uow.session, p, "user.feed_revoked", subject=user)
        feeds = [StaffFeed("organizer", user.id, user.display_name or user.username,
                           ctx.staff_feed_url(user, ORGANIZER_FEED, user.id))] if user.role in MANAGING_ROLES else []
        feeds += [StaffFeed("site", site.id, site.name, ctx.staff_feed_url(user, SITE_FEED, site.id))
                  for site in sorted(user.sites, key=lambda site: site.code)]
        if revoke:
            await uow.commit()
    return feeds


async def staff_feed(uow: UnitOfWork, ctx: MailContext, token: str) -> Feed:
    """The feed behind a staff subscription link, seen with its owner's current rights."""
    try:
        user_id, version, what, target_id = decode_staff_feed(ctx.ring, token)
    except InvalidToken:
        raise NotFound("this calendar link is not valid", code="invalid_feed") from None
    build = {SITE_FEED: _site_feed, ORGANIZER_FEED: _organizer_feed}.get(what)
    if build is None:
        raise NotFound("this calendar link is not valid", code="invalid_feed")
    async with uow:
        user = await uow.session.get(User, user_id)
        if user is None or not user.active or user.feed_version != version:
            raise NotFound("this calendar link was revoked", code="invalid_feed")
        with in_locale(user.locale):  # the language the user chose in the pages, else Vietnamese
            return await build(uow.session, principal_of(user), ctx, target_id)
