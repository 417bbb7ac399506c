"""The check-in rules as pure functions: the check-in window, the outcome of a scan, and what it answers."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from domain.models import ACTIVE_INVITATION, ConferenceStatus

OK, ALREADY, WRONG_SITE, REVOKED = "ok", "already_checked_in", "wrong_site", "revoked"
INVALID, NOT_OPEN, ENDED, NOT_IN = "invalid", "not_open", "conference_ended", "not_checked_in"
OUT_OF_RANGE = "scanned_at_out_of_range"  # an offline scan whose time cannot be right (see time_bound)
MESSAGES = {
    OK: "done", ALREADY: "already checked in; not counted again", WRONG_SITE: "invited at another bridge point",
    REVOKED: "this pass was revoked or replaced", INVALID: "not a valid pass for this conference",
    NOT_OPEN: "check-in is not open yet", ENDED: "the conference is over", NOT_IN: "not checked in",
    OUT_OF_RANGE: "the time of this offline scan is outside the conference's check-in; not counted",
}
# Which bound an offline scan's time broke (the answer's `bound`).
FUTURE, BEFORE_OPEN, AFTER_END, BEFORE_KIT = "future", "before_open", "after_end", "before_kit"
CS = ConferenceStatus


def real_end(row: Row[Any]) -> datetime:
    """When the conference really ended if it has and that was recorded, else its planned end."""
    ended_at = getattr(row, "ended_at", None)
    return ended_at if row.status is CS.ended and ended_at is not None else row.ends_at


def opens_at(starts: datetime, opens_before: timedelta, started_at: datetime | None = None) -> datetime:
    """When check-in opened: `opens_before` the planned start, or when the conference really started if earlier."""
    opens = starts - opens_before
    return started_at if started_at is not None and started_at < opens else opens


def time_bound(row: Row[Any], device_at: datetime, received_at: datetime, *, opens_before: timedelta,
               clock_skew: timedelta, end_grace: timedelta, kit_issued_at: datetime | None) -> str | None:
    """Which bound the time an offline desk gave a scan breaks, or None: not later than the server's time plus the
    allowed clock skew, not before check-in opened, not after the end plus the grace period unless the conference
    is still live, not before the kit the desk decided with was issued (less the clock skew). A live conference is
    open whatever the time (it may have been started early), so only the future and the kit bound it; drafts and
    cancelled conferences are left to the window (not_open / conference_ended)."""
    if device_at > received_at + clock_skew:
        return FUTURE
    if row.status in (CS.draft, CS.cancelled):
        return None
    if row.status is not CS.live and device_at < opens_at(row.starts_at, opens_before,
                                                          getattr(row, "started_at", None)):
        return BEFORE_OPEN
    if row.status is not CS.live and device_at > real_end(row) + end_grace:
        return AFTER_END
    if kit_issued_at is not None and device_at < kit_issued_at - clock_skew:
        return BEFORE_KIT
    return None


def window(status: ConferenceStatus, starts: datetime, ends: datetime, at: datetime, offline: bool,
           opens_before: timedelta, started_at: datetime | None = None) -> str | None:
    """Open from `opens_before` the start while scheduled (until the planned end), and throughout while live
    (meetings overrun). A scan made offline before the end (`real_end`) still counts after the conference was
    ended."""
    if status is CS.cancelled or (status is CS.ended and not offline):
        return ENDED
    if status is CS.draft:
        return NOT_OPEN
    if status is CS.live:
        return None
    if at < opens_at(starts, opens_before, started_at):
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
    closed = window(row.status, row.starts_at, real_end(row), at, offline, opens_before,
                    getattr(row, "started_at", None))
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
