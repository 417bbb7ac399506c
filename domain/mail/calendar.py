"""iCalendar (RFC 5545) for feeds and e-mailed invitations.

Unlike feeds that write UTC only and no SEQUENCE (Indico issue #2604), every event here keeps a
stable UID, carries the conference's SEQUENCE (bumped on each change of time, place or status),
DTSTAMP and LAST-MODIFIED, local times with a VTIMEZONE, and stays in the feed as
STATUS:CANCELLED once cancelled, so subscribed calendars update or remove it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration

from domain.models import AgendaItem, Conference, ConferenceStatus
from domain.mail.models import ConclusionNotice

PRODID = "-//bridgepoint//hybrid conferences//VI"
REFRESH = timedelta(hours=1)
STATUS = {ConferenceStatus.draft: "TENTATIVE", ConferenceStatus.scheduled: "CONFIRMED",
          ConferenceStatus.live: "CONFIRMED", ConferenceStatus.ended: "CONFIRMED",
          ConferenceStatus.cancelled: "CANCELLED"}


def conference_uid(conference_id: int) -> str:
    return f"conference-{conference_id}@bridgepoint"


def agenda_uid(item_id: int) -> str:
    return f"agenda-{item_id}@bridgepoint"


def notice_uid(notice_id: int) -> str:
    return f"notice-{notice_id}@bridgepoint"


@dataclass(frozen=True)
class Person:
    name: str
    address: str  # an e-mail address, or any URI when the person has none

    @classmethod
    def parse(cls, mailbox: str) -> "Person":
        name, address = parseaddr(mailbox)
        return cls(name, address)

    def cal_address(self, **params: object) -> vCalAddress:
        uri = self.address if ":" in self.address else f"mailto:{self.address}"
        addr = vCalAddress(uri)
        addr.params["CN"] = self.name
        for key, value in params.items():
            addr.params[key.upper()] = value
        return addr


@dataclass(frozen=True)
class Attendee:
    person: Person
    role: str = "REQ-PARTICIPANT"      # CHAIR, REQ-PARTICIPANT, OPT-PARTICIPANT
    partstat: str = "NEEDS-ACTION"     # ACCEPTED, DECLINED…


@dataclass(frozen=True)
class Entry:
    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    sequence: int
    status: str
    modified: datetime
    location: str = ""
    description: str = ""
    url: str = ""
    attendee: Attendee | None = None
    related_to: str = ""
    busy: bool = True


def real_times(conf: Conference) -> tuple[datetime, datetime]:
    """The real start once it went live, the real end once it ended (the planned times until then)."""
    start = conf.started_at or conf.starts_at
    end = conf.ended_at if conf.status is ConferenceStatus.ended and conf.ended_at else conf.ends_at
    return start, max(end, start + timedelta(minutes=1))


def conference_entry(conf: Conference, *, location: str, description: str, url: str = "",
                     attendee: Attendee | None = None, cancelled: bool = False) -> Entry:
    zone = ZoneInfo(conf.timezone)
    start, end = real_times(conf)
    return Entry(conference_uid(conf.id), conf.title, start.astimezone(zone), end.astimezone(zone), conf.sequence,
                 "CANCELLED" if cancelled else STATUS[conf.status], conf.updated_at,
                 location=location, description=description, url=url, attendee=attendee)


def agenda_entries(conf: Conference, items: list[AgendaItem], location: str) -> list[Entry]:
    """Each timed agenda item as its own event, linked to the conference's event."""
    zone = ZoneInfo(conf.timezone)
    out = []
    for item in items:
        if item.planned_start is None:
            continue
        start = item.planned_start.astimezone(zone)
        out.append(Entry(agenda_uid(item.id), f"{item.title} — {conf.title}", start,
                         start + timedelta(minutes=item.duration_minutes), conf.sequence, STATUS[conf.status],
                         conf.updated_at, location=location, description=item.notes,
                         related_to=conference_uid(conf.id)))
    return out


def notice_entry(notice: ConclusionNotice, conf: Conference, description: str) -> Entry:
    """A conclusion notice as an all-day, non-blocking entry on the day it was published."""
    day = notice.published_at.astimezone(ZoneInfo(conf.timezone)).date()
    return Entry(notice_uid(notice.id), f"{notice.title} — {conf.title}", day, day + timedelta(days=1), 0,
                 "CONFIRMED", notice.published_at, description=description,
                 related_to=conference_uid(conf.id), busy=False)


def _event(e: Entry, organizer: Person, stamp: datetime | None) -> Event:
    event = Event.new(uid=e.uid, summary=e.summary, start=e.start, end=e.end, sequence=e.sequence,
                      status=e.status, stamp=stamp or e.modified, last_modified=e.modified,
                      organizer=organizer.cal_address(), location=e.location or None,
                      description=e.description or None, url=e.url or None,
                      transparency="OPAQUE" if e.busy else "TRANSPARENT")
    if e.attendee is not None:
        event.add("attendee", e.attendee.person.cal_address(
            role=e.attendee.role, partstat=e.attendee.partstat, rsvp="TRUE"))
    if e.related_to:
        event.add("related-to", e.related_to)
    return event


def build(entries: list[Entry], *, uid: str, name: str, organizer: Person, method: str | None = None,
          stamp: datetime | None = None) -> bytes:
    """A VCALENDAR. Without `method` it is a subscribable feed (DTSTAMP = last change of each entry);
    with METHOD:REQUEST or CANCEL it is an iTIP message stamped `stamp`."""
    cal = Calendar.new(prodid=PRODID, method=method, name=name, uid=uid)
    if method is None:
        cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))
    for entry in entries:
        cal.add_component(_event(entry, organizer, stamp))
    if entries:
        years = [e.start.year for e in entries] + [e.end.year for e in entries]
        # VTIMEZONEs go first, so that single-pass readers know each TZID before they meet it.
        cal.subcomponents[:0] = [_vtimezone(tzid, min(years), max(years) + 2)
                                 for tzid in sorted(cal.get_missing_tzids())]
    return cal.to_ical()


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """Generating a VTIMEZONE from zoneinfo costs tens of milliseconds; a mailing reuses a handful."""
    return Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1))
