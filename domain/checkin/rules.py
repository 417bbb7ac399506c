"""The check-in rules as pure functions: the check-in window, the outcome of a scan, and what it answers."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from domain.models import ACTIVE_INVITATION, ConferenceStatus

OK, ALREADY, WRONG_SITE, REVOKED = "ok", "already_checked_in", "wrong_site", "revoked"
INVALID, NOT_OPEN, ENDED, NOT_IN = "invalid", "not_open", "conference_ended", "not_checked_in"
MESSAGES = {
    OK: "done", ALREADY: "already checked in; not counted again", WRONG_SITE: "invited at another bridge point",
    REVOKED: "this pass was revoked or replaced", INVALID: "not a valid pass for this conference",
    NOT_OPEN: "check-in is not open yet", ENDED: "the conference is over", NOT_IN: "not checked in",
}
CS = ConferenceStatus


def window(status: ConferenceStatus, starts: datetime, ends: datetime, at: datetime, offline: bool,
           opens_before: timedelta) -> str | None:
    """Open from `opens_before` the start while scheduled (until the planned end), and throughout while live
    (meetings overrun). A scan made offline before the end still counts after the conference was ended."""
    if status is CS.cancelled or (status is CS.ended and not offline):
        return ENDED
    if status is CS.draft:
        return NOT_OPEN
    if status is CS.live:
        return None
    if at < starts - opens_before:
        return NOT_OPEN
    return ENDED if at > ends else None


def decide(row: Row[Any], *, conference_site_id: int, direction: str, walk_in: bool, offline: bool,
           pass_version: int | None, at: datetime, opens_before: timedelta) -> str:
    """The outcome a scan deserves given what the database holds (`row`, see checkin_store.LOAD)."""
    if not walk_in:
        if row.inv_id is None:
            return INVALID  # genuinely signed, but for an invitation that no longer exists
        if row.inv_status not in ACTIVE_INVITATION or pass_version not in (None, row.pass_version):
            return REVOKED
    closed = window(row.status, row.starts_at, row.ends_at, at, offline, opens_before)
    if closed:
        return closed
    if not walk_in and row.home_cs_id != conference_site_id:
        return WRONG_SITE
    if direction == "out":
        return OK if row.present else NOT_IN
    return ALREADY if row.present else OK


def outcome(result: str, row: Row[Any], *, conference_site_id: int, direction: str, source: str,
            at: datetime) -> dict[str, Any]:
    """The answer to the desk, JSON-ready and stored with the scan, so a repeated nonce gets it verbatim."""
    zone = ZoneInfo(row.timezone)
    known = row.inv_id is not None and result != INVALID
    first_entry = result == OK and direction == "in" and row.first_in_at is None
    return {
        "result": result, "message": MESSAGES[result], "direction": direction, "source": source,
        "at": at.astimezone(zone).isoformat(), "conference_site_id": conference_site_id,
        "invitation_id": row.inv_id if known else None,
        "delegate": {"full_name": row.full_name, "rank": row.rank, "unit": row.unit_name} if known else None,
        "delegate_site": {"conference_site_id": row.home_cs_id, "name": row.home_site_name} if known else None,
        "late": (at > row.starts_at) if first_entry else bool(row.late),
        "reentry": result == OK and direction == "in" and row.first_in_at is not None,
        "checked_in_at": row.last_in_at.astimezone(zone).isoformat() if result == ALREADY else None,
        "replayed": False,
    }


def audit_action(result: str, direction: str, walk_in: bool) -> str:
    if result != OK:
        return "checkin.refused"
    return "checkin.walk_in" if walk_in else f"checkin.{direction}"
