"""Check-in and check-out at a bridge point: the one function that dedupes, decides, records, audits and emits.

Every scan goes through `check_in`: a pass read by a scanner, a delegate picked from the roster by name, a
walk-in registered at the door, a scan made offline and uploaded later. The outcome is a stable code, never
an HTTP error (see checkin_rules): ok, already_checked_in, wrong_site, revoked, invalid, not_open,
conference_ended, and for a check-out of someone who is not in, not_checked_in.

Exactly once: the presence row of an invitation is created with INSERT … ON CONFLICT DO NOTHING, and exit or
re-entry flips it with a conditional UPDATE, so two desks racing on one pass make one check-in. The scan is
recorded under its (operator, client nonce) the same way: a repeated nonce replays the stored outcome, and a
twin request that loses the race rolls its changes back and replays the winner's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.checkin import store
from domain.access import Principal, conference_filter
from domain.checkin.rules import (ALREADY, INVALID, NOT_IN, OK, OUT_OF_RANGE, audit_action, decide, outcome,
                                  time_bound)
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from domain.models import Conference, ConferenceSite, InvitationStatus, Role
from domain.invitations.passes import InvalidToken, Keyring, decode_pass
from domain.text import search_text
from domain.uow import UnitOfWork

Events = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class WalkIn:
    """A delegate registered at the door: a new delegate and invitation at the operator's site."""
    full_name: str
    rank: str = ""
    position: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class ScanRequest:
    conference_id: int
    conference_site_id: int  # where the operator stands
    nonce: str  # chosen by the client; the same nonce again replays the first outcome
    direction: str = "in"  # in | out
    text: str | None = None  # a scanned pass …
    invitation_id: int | None = None  # … or a delegate picked by name …
    walk_in: WalkIn | None = None  # … or a walk-in registration
    source: str = "scan"  # scan | manual | offline_upload
    scanned_at: datetime | None = None  # when it happened, for offline scans (the desk's clock)
    upload_id: int | None = None
    kit_issued_at: datetime | None = None  # offline scans: when the kit the desk decided with was issued


@dataclass(frozen=True)
class Desk:
    """What the check-in desk knows besides the scan: the keys, the window policy and the time; for offline scans
    how far ahead of the server a desk's clock may be, and how long after the end a scan may still have been made
    (settings BRIDGEPOINT_OFFLINE_CLOCK_SKEW_SECONDS and BRIDGEPOINT_OFFLINE_END_GRACE_MINUTES)."""
    ring: Keyring
    opens_before: timedelta
    now: datetime
    clock_skew: timedelta = timedelta(seconds=120)
    end_grace: timedelta = timedelta(minutes=60)


@dataclass(frozen=True)
class _Scan:
    req: ScanRequest
    p: Principal
    desk: Desk
    at: datetime  # when it happened (never in the future)
    invitation_id: int | None  # from the pass or the roster pick
    pass_version: int | None
    refusal: str | None  # the pass itself is no good


class _TwinWon(Exception):
    """A request with the same nonce was recorded first: this one's changes are rolled back."""


async def check_in(uow: UnitOfWork, p: Principal, desk: Desk, req: ScanRequest) -> dict[str, Any]:
    scan = _Scan(req, p, desk, min(req.scanned_at or desk.now, desk.now), *_read_pass(desk.ring, req))
    try:
        async with uow:
            done = None
            if req.walk_in is None and store.statements_apart(uow):
                try:
                    done = await store.run_statements(uow, _statements, scan)
                except store.Raced:
                    done = None  # another desk checked the delegate in meanwhile: the transaction tells
            answer, events = done or await store.run_transaction(uow, _transaction, scan)
            if answer.get("replayed") and answer.get("result") == OK:
                # Perhaps our own check-in, committed by an attempt whose COMMIT lost its connection and then
                # replayed by the retry: mark the count anyway (a mark too many costs nothing).
                events = [("attendance", {"conference_site_id": answer.get("conference_site_id",
                                                                            req.conference_site_id)})]
            for type_, data in events:
                uow.emit(req.conference_id, type_, **data)
            await uow.commit()
        return answer
    except _TwinWon:
        async with uow:
            return {**await store.run_transaction(uow, _replay, scan), "replayed": True}


def _read_pass(ring: Keyring, req: ScanRequest) -> tuple[int | None, int | None, str | None]:
    """(invitation id, pass version, refusal) of the scanned text; a roster pick has no pass to read."""
    if req.text is None:
        return req.invitation_id, None, None
    try:
        claims = decode_pass(ring, req.text)
    except InvalidToken:
        return None, None, INVALID
    if claims.conference_id != req.conference_id:
        return None, None, INVALID
    return claims.invitation_id, claims.version, None


def _check_loaded(c: Connection, scan: _Scan, row: Row[Any] | None) -> dict[str, Any] | None:
    """The checks of a loaded scan, the same for both paths: the conference exists, the desk may scan here, the
    invitation picked by id is one the caller may pick. Returns the first answer when the nonce was seen (replay)."""
    req, p = scan.req, scan.p
    if row is None:
        raise NotFound(f"conference {req.conference_id} not found", code="conference_not_found")
    if denial := desk_denial(p, req.conference_site_id, row.scan_site_id, lambda: _visible(c, p, req)):
        raise denial
    if row.prior is not None:
        return {**row.prior, "replayed": True}
    if req.invitation_id is not None and (row.inv_id is None or not _may_pick(p, row.home_site_id)):
        raise NotFound(f"invitation {req.invitation_id} not found", code="invitation_not_found",
                       field="invitation_id")
    return None


def _transaction(c: Connection, scan: _Scan) -> tuple[dict[str, Any], Events]:
    req, p = scan.req, scan.p
    row = store.load(c, req.conference_id, req.conference_site_id, scan.invitation_id, p.user_id, req.nonce)
    if (replay := _check_loaded(c, scan, row)) is not None:
        return replay, []
    events: Events = []
    result, bound = _decide(scan, row)
    if result == OK:
        if req.walk_in is not None:
            row = _register_walk_in(c, scan, events)
        result = _apply(c, scan, row)
        if result == ALREADY:  # another desk won the race: show what it recorded
            row = store.load(c, req.conference_id, req.conference_site_id, row.inv_id, None, "")
        else:
            events.append(("attendance", {"conference_site_id": req.conference_site_id}))
    answer = outcome(result, row, conference_site_id=req.conference_site_id, direction=req.direction,
                     source=req.source, at=scan.at)
    if bound:
        answer["bound"] = bound
    if not store.record(c, _scan_row(scan, row, result, answer)):
        raise _TwinWon
    store.write_audit(c, _audit_row(scan, row, result, bound))
    return answer, events


def _decide(scan: _Scan, row: Row[Any]) -> tuple[str, str | None]:
    """(the outcome, the bound an offline scan's time broke or None): a pass that is no good, else an offline
    time out of bounds (checkin.rules.time_bound), else checkin.rules.decide. Reads nothing."""
    if scan.refusal:
        return scan.refusal, None
    req = scan.req
    offline = req.source == "offline_upload"
    if offline and req.scanned_at is not None:
        bound = time_bound(row, req.scanned_at, scan.desk.now, opens_before=scan.desk.opens_before,
                           clock_skew=scan.desk.clock_skew, end_grace=scan.desk.end_grace,
                           kit_issued_at=req.kit_issued_at)
        if bound:
            return OUT_OF_RANGE, bound
    return decide(row, conference_site_id=req.conference_site_id, direction=req.direction,
                  walk_in=req.walk_in is not None, offline=offline, pass_version=scan.pass_version, at=scan.at,
                  opens_before=scan.desk.opens_before), None


def _statements(c: Connection, scan: _Scan) -> tuple[dict[str, Any], Events] | None:
    """The usual scan on PostgreSQL, in two statements without a transaction (see checkin.store): the same
    checks and decision as `_transaction`, for a first entry or an outcome that changes no presence. None:
    a re-entry or a check-out, which `_transaction` does."""
    req, p = scan.req, scan.p
    row = store.load_now(c, req.conference_id, req.conference_site_id, scan.invitation_id, p.user_id, req.nonce)
    if (replay := _check_loaded(c, scan, row)) is not None:
        return replay, []
    result, bound = _decide(scan, row)
    first_entry = result == OK and req.direction == "in" and row.first_in_at is None
    if result == OK and not first_entry:
        return None
    answer = outcome(result, row, conference_site_id=req.conference_site_id, direction=req.direction,
                     source=req.source, at=scan.at)
    if bound:
        answer["bound"] = bound
    if not store.record_scan(c, _scan_row(scan, row, result, answer),
                             _presence_row(scan, row) if first_entry else None, _audit_row(scan, row, result, bound)):
        raise _TwinWon
    return answer, [("attendance", {"conference_site_id": req.conference_site_id})] if first_entry else []


def require_desk_role(p: Principal) -> None:
    if not (p.is_staff or p.role is Role.operator):
        raise Forbidden("only organizers and operators run a check-in desk", code="forbidden_role")


def desk_denial(p: Principal, conference_site_id: int, site_id: int | None,
                conference_visible: Callable[[], bool]) -> DomainError | None:
    """Organizers run any desk, operators the desks of their own bridge points, nobody else. `site_id` is the
    bridge site of `conference_site_id` (None: not a site of this conference); `conference_visible()` is only
    asked when the answer is no, to tell 404 from 403."""
    if site_id is not None and p.runs_site(site_id):
        return None
    if not p.is_staff:
        if not conference_visible():
            return NotFound("conference not found", code="conference_not_found")
        if p.role is not Role.operator:
            return Forbidden("only organizers and operators run a check-in desk", code="forbidden_role")
        if site_id is not None:
            return Forbidden("operators check in only at their own bridge points", code="not_your_site",
                             field="conference_site_id")
    return InvalidInput(f"conference site {conference_site_id} is not part of this conference",
                        code="unknown_reference", field="conference_site_id")


async def authorize_desk(s: AsyncSession, p: Principal, conference_id: int, conference_site_id: int,
                         site_id: int | None) -> None:
    """`desk_denial` raised, for the services around the desk that hold an async session."""
    visible = p.is_staff or (await s.execute(_visibility(p, conference_id))).first() is not None
    if denial := desk_denial(p, conference_site_id, site_id, lambda: visible):
        raise denial


async def authorize_desk_at(s: AsyncSession, p: Principal, conference_id: int, conference_site_id: int) -> None:
    """`authorize_desk` for a point named only by its id: its bridge site read here (None: not of this conference)."""
    site_id = await s.scalar(select(ConferenceSite.site_id).where(
        ConferenceSite.id == conference_site_id, ConferenceSite.conference_id == conference_id))
    await authorize_desk(s, p, conference_id, conference_site_id, site_id)


def _visibility(p: Principal, conference_id: int) -> Any:
    return select(Conference.id).where(Conference.id == conference_id, conference_filter(p))


def _visible(c: Connection, p: Principal, req: ScanRequest) -> bool:
    return c.execute(_visibility(p, req.conference_id)).first() is not None


def _may_pick(p: Principal, home_site_id: int | None) -> bool:
    """A delegate picked by name must be on the caller's roster (operators: their own sites)."""
    return p.is_staff or home_site_id in p.site_ids


def _register_walk_in(c: Connection, scan: _Scan, events: Events) -> Row[Any]:
    req, w = scan.req, scan.req.walk_in
    assert w is not None
    if w.unit_id is not None and c.execute(select(store.UNIT.c.id).where(store.UNIT.c.id == w.unit_id)).first() \
            is None:
        raise InvalidInput(f"unit_id: no such unit {w.unit_id}", code="unknown_reference", field="unit_id")
    delegate_id = c.execute(insert(store.DELEGATE).returning(store.DELEGATE.c.id), {
        "full_name": w.full_name, "rank": w.rank, "position": w.position, "unit_id": w.unit_id,
        "search": search_text(w.full_name)}).scalar_one()
    inv_id = c.execute(insert(store.INV).returning(store.INV.c.id), {
        "conference_id": req.conference_id, "delegate_id": delegate_id,
        "conference_site_id": req.conference_site_id, "status": InvitationStatus.confirmed,
        "walk_in": True}).scalar_one()
    events.append(("roster_changed", {"invitation_id": inv_id, "conference_site_ids": [req.conference_site_id]}))
    row = store.load(c, req.conference_id, req.conference_site_id, inv_id, None, "")
    assert row is not None
    return row


def _apply(c: Connection, scan: _Scan, row: Row[Any]) -> str:
    """Change presence with one atomic statement; a desk that loses a race gets already/not checked in."""
    req, at = scan.req, scan.at
    if req.direction == "out":
        return OK if store.leave(c, row.inv_id, at) else NOT_IN
    if row.first_in_at is None and store.first_entry(c, _presence_row(scan, row)):
        return OK
    return OK if store.reenter(c, row.inv_id, at) else ALREADY


def _presence_row(scan: _Scan, row: Row[Any]) -> dict[str, Any]:
    return {"invitation_id": row.inv_id, "conference_id": scan.req.conference_id, "present": True,
            "late": scan.at > row.starts_at, "first_in_at": scan.at, "last_in_at": scan.at, "last_out_at": None,
            "source": scan.req.source, "by_user_id": scan.p.user_id}


def _scan_row(scan: _Scan, row: Row[Any], result: str, answer: dict[str, Any]) -> dict[str, Any]:
    req = scan.req
    return {"user_id": scan.p.user_id, "nonce": req.nonce, "conference_id": req.conference_id,
            "conference_site_id": req.conference_site_id, "invitation_id": row.inv_id, "upload_id": req.upload_id,
            "direction": req.direction, "source": req.source, "result": result, "at": scan.at,
            "recorded_at": scan.desk.now, "outcome": answer}


def _replay(c: Connection, scan: _Scan) -> dict[str, Any]:
    earlier = store.replay(c, scan.p.user_id, scan.req.nonce)
    if earlier.conference_id != scan.req.conference_id:
        raise Conflict("this nonce was already used for another conference", code="nonce_reused", field="nonce")
    return earlier.outcome  # type: ignore[no-any-return]


def _audit_row(scan: _Scan, row: Row[Any], result: str, bound: str | None = None) -> dict[str, Any]:
    req = scan.req
    detail: dict[str, Any] = {"result": result, "direction": req.direction, "nonce": req.nonce,
                              "conference_site_id": req.conference_site_id}
    if req.scanned_at is not None:  # both times: what the desk's clock said, and when the server received it
        detail["scanned_at"] = scan.at.isoformat()
        detail["device_at"] = req.scanned_at.isoformat()
        detail["received_at"] = scan.desk.now.isoformat()
        if bound:
            detail["bound"] = bound
    return {"at": scan.desk.now, "actor_user_id": scan.p.user_id,
            "action": audit_action(result, req.direction, req.walk_in is not None),
            "conference_id": req.conference_id, "site_id": row.scan_site_id,
            "subject_type": "invitation" if row.inv_id else "", "subject_id": row.inv_id, "source": req.source,
            "detail": detail}
