"""What a committed domain event means for the live view: a frame to send as it is, or marks of what to
re-read from the database at the next tick (so a burst of check-ins costs one read and one frame)."""
from __future__ import annotations

from domain.uow import DomainEvent

from .protocol import SPEAKERS

CONFERENCE_MARK = "conference"  # the conference itself changed (also who may see it): always a frame
FLOOR_MARK = "floor"  # the agenda or the speakers changed: a frame only if the current item looks different
ALL_COUNTS = "count:*"


def site_mark(conference_site_id: int) -> str:
    return f"site:{conference_site_id}"


def count_mark(conference_site_id: int) -> str:
    return f"count:{conference_site_id}"


def status_mark(conference_site_id: int) -> str:
    return f"status:{conference_site_id}"


def marked_ids(marks: set[str], kind: str) -> set[int]:
    prefix = f"{kind}:"
    return {int(m[len(prefix):]) for m in marks if m.startswith(prefix) and m[len(prefix):].isdigit()}


def marks_for(event: DomainEvent) -> set[str]:
    data, kind = event.data, event.type
    if kind == "conference":
        return {CONFERENCE_MARK}
    if kind in ("agenda_changed", SPEAKERS):
        return {FLOOR_MARK}
    if kind == "sites_changed":
        return {site_mark(data["conference_site_id"])}
    if kind == "attendance":
        return {count_mark(data["conference_site_id"])}
    if kind == "roster_changed":  # expected counts follow the invitations: of the points named, or of all
        ids = data.get("conference_site_ids")
        return {ALL_COUNTS} if ids is None else {count_mark(i) for i in ids}
    if kind == "site_status":
        return {status_mark(data["conference_site_id"])}
    return set()


def direct_frame(event: DomainEvent) -> tuple[str, dict[str, object]] | None:
    """The speakers state is complete in the event: it goes out at once, unchanged."""
    if event.type == SPEAKERS:
        return SPEAKERS, {"speakers": event.data}
    return None
