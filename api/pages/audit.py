"""The audit log (organizers): the whole log with filters, and one conference's entries as its tab."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.schemas import MAX_ID
from domain.access import Principal
from domain.errors import N_, InvalidInput
from domain.users import audit
from domain.users.audit import AuditFilter
from domain.uow import UnitOfWork

from .common import form_errors, gettext, page

PAGE_SIZE = 50

# What each action code means to a person; a code missing here is shown as it is.
ACTIONS: dict[str, str] = {
    "conference.created": N_("Conference created"),
    "conference.updated": N_("Conference changed"),
    "conference.deleted": N_("Conference deleted"),
    "conference.schedule": N_("Conference scheduled"),
    "conference.start": N_("Conference started"),
    "conference.end": N_("Conference ended"),
    "conference.cancel": N_("Conference cancelled"),
    "conference_site.added": N_("Point added to the conference"),
    "conference_site.removed": N_("Point removed from the conference"),
    "invitation.created": N_("Delegate invited"),
    "invitation.updated": N_("Invitation changed"),
    "invitation.substituted": N_("Delegate substituted"),
    "invitations.sent": N_("Invitations sent"),
    "pass.revoked": N_("Pass revoked"),
    "pass.reissued": N_("Pass reissued"),
    "link.renewed": N_("Personal link renewed"),
    "agenda.item_added": N_("Agenda item added"),
    "agenda.item_changed": N_("Agenda item changed"),
    "agenda.item_removed": N_("Agenda item removed"),
    "agenda.reordered": N_("Agenda reordered"),
    "checkin.in": N_("Checked in"),
    "checkin.out": N_("Checked out"),
    "checkin.walk_in": N_("Walk-in registered"),
    "checkin.refused": N_("Check-in refused"),
    "checkin.relocated": N_("Delegate moved to another point"),
    "checkin.offline_upload": N_("Offline scans uploaded"),
    "site.checked": N_("Point readiness recorded"),
    "site.deactivated": N_("Point deactivated"),
    "speakers.current_item": N_("Current agenda item set"),
    "speakers.added": N_("Speaker added"),
    "speakers.updated": N_("Speaker changed"),
    "speakers.removed": N_("Speaker removed"),
    "speakers.readded": N_("Speaker added again"),
    "speakers.started": N_("Speech started"),
    "speakers.paused": N_("Speech paused"),
    "speakers.resumed": N_("Speech resumed"),
    "speakers.ended": N_("Speech ended"),
    "speakers.closed": N_("List of speakers closed"),
    "speakers.reopened": N_("List of speakers reopened"),
    "speakers.reordered": N_("Order of speakers changed"),
    "speakers.requested": N_("Floor requested"),
    "speakers.accepted": N_("Floor request accepted"),
    "speakers.declined": N_("Floor request declined"),
    "speakers.withdrawn": N_("Floor request withdrawn"),
    "mail.retried": N_("Message sent again"),
    "notice.published": N_("Conclusions published"),
    "notice.acknowledged": N_("Conclusions acknowledged"),
    "user.created": N_("User created"),
    "user.updated": N_("User changed"),
    "user.login": N_("Signed in (API)"),
    "user.signed_in": N_("Signed in"),
    "user.signed_out": N_("Signed out"),
    "user.feed_revoked": N_("Calendar subscriptions revoked"),
    "delegate.feed_revoked": N_("Delegate's calendar revoked"),
}
# What the entry is about (the subject's table class, lower-case).
SUBJECTS: dict[str, str] = {
    "conference": N_("conference"), "conferencesite": N_("point of the conference"), "invitation": N_("invitation"),
    "agendaitem": N_("agenda item"), "conclusionnotice": N_("notice"), "user": N_("user"), "delegate": N_("delegate"),
    "bridgesite": N_("bridge point"), "outboxmessage": N_("e-mail"), "speakerentry": N_("speaker"),
    "speakerlist": N_("list of speakers"), "floorrequest": N_("floor request"), "offlineupload": N_("offline upload"),
}
# Families of actions, offered as "all of …" in the filter.
FAMILIES: list[tuple[str, str]] = [
    ("conference.", N_("Conferences")), ("conference_site.", N_("Points of a conference")),
    ("invitation.", N_("Invitations")), ("agenda.", N_("Agenda")), ("checkin.", N_("Check-in")),
    ("speakers.", N_("Speakers")), ("notice.", N_("Conclusions")), ("user.", N_("Users")),
]


def action_label(code: str) -> str:
    text = ACTIONS.get(code)
    return gettext(text) if text else code


def subject_label(kind: str) -> str:
    text = SUBJECTS.get(kind)
    return gettext(text) if text else kind


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Option groups for the filter: each family's "all" entry, then its actions; the rest under "Other"."""
    groups, seen = [], set()
    for prefix, name in FAMILIES:
        codes = [c for c in ACTIONS if c.startswith(prefix) and not c.endswith(".")]
        seen.update(codes)
        groups.append((gettext(name), [(prefix, gettext("All: %(family)s", family=gettext(name)))]
                       + [(c, action_label(c)) for c in codes]))
    rest = [(c, action_label(c)) for c in ACTIONS if c not in seen and not c.endswith(".")]
    groups.append((gettext("Other"), rest))
    return groups


def _local(raw: str, field: str, *, end: bool) -> datetime | None:
    """A time typed in the form (datetime-local, or a date: its whole day), naive, in the log's zone."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(day + timedelta(days=1) if end else day, time())
        return datetime.fromisoformat(raw).replace(tzinfo=None)
    except ValueError:
        raise InvalidInput(f"{field}: a date and time such as 2026-12-18T08:00", code="invalid", field=field) from None


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_ID else None


def parse_filters(params: Any) -> tuple[AuditFilter, dict[str, str], dict[str, str]]:
    """The query string as a filter, the values to show again, and the errors of values that could not be read
    (those filters are left out)."""
    values = {k: (params.get(k) or "").strip()[:200] for k in
              ("who", "actor", "action", "conference", "conference_id", "point", "site_id", "since", "until")}
    errors: dict[str, str] = {}
    times: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            times[name] = _local(values[name], name, end=name == "until")
        except InvalidInput as exc:
            errors.update(form_errors(exc))
            times[name] = None
    f = AuditFilter(conference_id=_id(values["conference_id"]), site_id=_id(values["site_id"]),
                    actor_user_id=_id(values["actor"]), action=values["action"][:64] or None,
                    actor=values["who"] or None, conference=values["conference"] or None,
                    site=values["point"] or None, since=times["since"], until=times["until"])
    return f, values, errors


def _offset(params: Any) -> int:
    raw = params.get("offset") or ""
    return min(int(raw), 10_000_000) if raw.isdigit() else 0


async def _search(uow: UnitOfWork, principal: Principal, f: AuditFilter, errors: dict[str, str], offset: int,
                  of_conference: int | None) -> audit.AuditLog:
    try:
        return await audit.search(uow, principal, f, limit=PAGE_SIZE, offset=offset, of_conference=of_conference)
    except InvalidInput as exc:  # a time range that ends before it starts: shown at the field, range left out
        errors.update(form_errors(exc))
        return await audit.search(uow, principal, replace(f, since=None, until=None), limit=PAGE_SIZE,
                                  offset=offset, of_conference=of_conference)


@get("/audit", include_in_schema=False)
async def audit_log(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal) -> Template:
    f, values, errors = parse_filters(request.query_params)
    log = await _search(uow, principal, f, errors, _offset(request.query_params), None)
    return page(request, "audit/index.html", status_code=422 if errors else 200, log=log, values=values,
                errors=errors, actions=action_choices(), action_label=action_label, subject_label=subject_label,
                base="/audit")


@get("/conferences/{conference_id:int}/audit", include_in_schema=False)
async def conference_audit(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                           conference_id: int) -> Template:
    f, values, errors = parse_filters(request.query_params)
    log = await _search(uow, principal, f, errors, _offset(request.query_params), conference_id)
    values = {**values, "conference": "", "conference_id": ""}
    return page(request, "conferences/audit.html", status_code=422 if errors else 200, log=log, values=values,
                errors=errors, actions=action_choices(), action_label=action_label, subject_label=subject_label,
                conf=log.conference, tab="audit",
                base=f"/conferences/{conference_id}/audit")


ROUTES = [audit_log, conference_audit]
