"""Offline check-in: the kit a desk needs to verify passes without the server, and the later upload.

Kit format (format 1) is described in docs/checkin.md; `verify_with_kit` is the reference scanner logic.
"""
from __future__ import annotations

import asyncio
import base64
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, visible_conference
from domain.checkin.service import (Desk, ScanRequest, authorize_desk, authorize_desk_at, check_in,
                                    require_desk_role)
from domain.checkin.rules import INVALID, NOT_OPEN, OK, REVOKED, WRONG_SITE
from domain.db import core_rows
from domain.models import ACTIVE_INVITATION, BridgeSite, ConferenceSite, Delegate, Invitation, SiteRole, Unit
from domain.checkin.models import OfflineKit, OfflineUpload, Presence
from domain.invitations.passes import InvalidToken, Keyring, decode_pass, peek_invitation
from domain.errors import InvalidInput
from domain.uow import UnitOfWork
from domain.common import audit

KIT_FORMAT = 1
# A kit names every point of the conference (so a desk without a link can say which point a pass belongs to) up to
# this many points; beyond it (a national conference) an operator's kit names their own points and the host hall,
# and a pass of another point is "wrong point" without its name until the link is back (the server names it).
KIT_NAMES_EVERY_POINT_UP_TO = 500


@dataclass(frozen=True)
class OfflineScan:
    text: str
    nonce: str
    scanned_at: datetime
    conference_site_id: int
    direction: str = "in"
    kit_id: int | None = None  # the kit the desk decided it with (default: the upload's)


async def offline_kit(uow: UnitOfWork, p: Principal, ring: Keyring, conference_id: int, *, now: datetime,
                      opens_before: timedelta, conference_site_id: int | None = None) -> dict[str, Any]:
    """Public keys, the caller's sites' roster with current pass versions, and their revoked passes; with
    `conference_site_id`, those of that one point (a desk's kit: an organizer's desk would otherwise carry the
    roster of every point, 100,000 names at national size). Each kit handed out is recorded (`kit_id`,
    `issued_at`): a scan uploaded later under it may not claim an earlier time."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_desk_role(p)
        if conference_site_id is not None:
            await authorize_desk_at(s, p, conference_id, conference_site_id)
        points = select(ConferenceSite.id, ConferenceSite.site_id, ConferenceSite.role, BridgeSite.name) \
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id) \
            .where(ConferenceSite.conference_id == conference_id).order_by(ConferenceSite.id)
        if not p.is_staff and await s.scalar(select(func.count()).where(
                ConferenceSite.conference_id == conference_id)) > KIT_NAMES_EVERY_POINT_UP_TO:
            points = points.where(or_(ConferenceSite.site_id.in_(sorted(p.site_ids)),
                                      ConferenceSite.role == SiteRole.host))
        sites = await core_rows(s, points)
        mine = [conference_site_id] if conference_site_id is not None else \
            [cs.id for cs in sites if p.is_staff or cs.site_id in p.site_ids]
        people = (await s.execute(
            select(Invitation.id, Invitation.conference_site_id, Invitation.status, Invitation.pass_version,
                   Invitation.role, Invitation.walk_in, Delegate.full_name, Delegate.rank,
                   Unit.name.label("unit"), Presence.present)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .outerjoin(Unit, Unit.id == Delegate.unit_id)
            .outerjoin(Presence, Presence.invitation_id == Invitation.id)
            .where(Invitation.conference_id == conference_id, Invitation.conference_site_id.in_(mine))
            .order_by(Delegate.full_name, Invitation.id))).all()
        assert p.user_id is not None  # desk roles are users
        kit = OfflineKit(conference_id=conference_id, user_id=p.user_id, issued_at=now)
        s.add(kit)
        await uow.commit()
    zone = ZoneInfo(conf.timezone)
    return {
        "format": KIT_FORMAT,
        "kit_id": kit.id,
        "issued_at": now.astimezone(zone).isoformat(),
        "generated_at": now.astimezone(zone).isoformat(),
        "conference": {"id": conf.id, "title": conf.title, "status": conf.status.value,
                       "starts_at": conf.starts_at.astimezone(zone).isoformat(),
                       "ends_at": conf.ends_at.astimezone(zone).isoformat(),
                       "checkin_opens_at": (conf.starts_at - opens_before).astimezone(zone).isoformat(),
                       "timezone": conf.timezone},
        "keys": {str(kid): base64.b64encode(raw).decode() for kid, raw in ring.public_keys().items()},
        "sites": [{"conference_site_id": cs.id, "site_id": cs.site_id, "name": cs.name, "role": cs.role.value,
                   "mine": cs.id in mine} for cs in sites],
        "roster": [{"invitation_id": r.id, "conference_site_id": r.conference_site_id,
                    "pass_version": r.pass_version, "full_name": r.full_name, "rank": r.rank, "unit": r.unit or "",
                    "role": r.role.value, "walk_in": r.walk_in, "present": bool(r.present)}
                   for r in people if r.status in ACTIVE_INVITATION],
        "revoked": [{"invitation_id": r.id, "conference_site_id": r.conference_site_id,
                     "status": r.status.value} for r in people if r.status not in ACTIVE_INVITATION],
    }


def verify_with_kit(kit: dict[str, Any], text: str, conference_site_id: int, at: datetime) -> str:
    """What a desk without a link decides for a scanned pass, from the kit alone.
    (Already-checked-in is the desk's own memory; the server settles it when the scans are uploaded.)"""
    ring = Keyring.from_public({int(k): base64.b64decode(v) for k, v in kit["keys"].items()})
    try:
        claims = decode_pass(ring, text)
    except InvalidToken:
        return INVALID
    if claims.conference_id != kit["conference"]["id"]:
        return INVALID
    seat = next((r for r in kit["roster"] if r["invitation_id"] == claims.invitation_id), None)
    if seat is None:  # not active at the kit's sites: revoked there, or invited (or relocated) elsewhere
        return REVOKED if any(r["invitation_id"] == claims.invitation_id for r in kit["revoked"]) else WRONG_SITE
    if seat["pass_version"] != claims.version:
        return REVOKED
    if at < datetime.fromisoformat(kit["conference"]["checkin_opens_at"]):
        return NOT_OPEN
    return OK if seat["conference_site_id"] == conference_site_id else WRONG_SITE


# Offline scans of different passes are applied side by side, this many at a time (on SQLite they then share the
# writer's commits: 1,000 queued scans went up in 2-5 s one after the other).
UPLOAD_LANES = 8


def _lanes(scans: list["OfflineScan"]) -> list[list[int]]:
    """The scans' indexes in lanes: one per pass (by the invitation it names; a text that names none is a lane of
    its own), each in the order the scans happened. A delegate's entries and exits are applied in their order."""
    lanes: dict[Any, list[int]] = {}
    for i in sorted(range(len(scans)), key=lambda i: scans[i].scanned_at):
        key = peek_invitation(scans[i].text)
        lanes.setdefault(key if key is not None else ("scan", i), []).append(i)
    return list(lanes.values())


async def upload(uow: UnitOfWork, p: Principal, desk: Desk, conference_id: int,
                 scans: list[OfflineScan], *, kit_id: int | None = None) -> dict[str, Any]:
    """Apply offline scans, each idempotent by its nonce; per-scan outcomes. The scans of one pass are applied in
    the order they happened; those of different passes side by side (`UPLOAD_LANES`). A scan's
    time must lie within bounds (checkin.rules.time_bound), the kit's issue time among them: the kit named by the
    scan or the upload, else the first kit the caller downloaded for this conference (none: no kit bound)."""
    async with uow:
        s = uow.session
        await visible_conference(s, p, conference_id)
        site_of = dict((await s.execute(select(ConferenceSite.id, ConferenceSite.site_id).where(
            ConferenceSite.conference_id == conference_id))).tuples().all())
        for cs_id in sorted({scan.conference_site_id for scan in scans}):
            await authorize_desk(s, p, conference_id, cs_id, site_of.get(cs_id))
        issued = await _kits(s, p, conference_id, scans, kit_id)
        record = OfflineUpload(conference_id=conference_id, user_id=p.user_id, received_at=desk.now,
                               scans=len(scans))
        s.add(record)
        await uow.commit()
    outcomes: dict[int, dict[str, Any]] = {}

    async def apply(lane: list[int], lane_uow: UnitOfWork) -> None:
        async with room:
            for i in lane:
                scan = scans[i]
                outcomes[i] = await check_in(lane_uow, p, desk, ScanRequest(
                    conference_id, scan.conference_site_id, scan.nonce, scan.direction, text=scan.text,
                    source="offline_upload", scanned_at=scan.scanned_at, upload_id=record.id,
                    kit_issued_at=issued.get(scan.kit_id or kit_id)))

    room = asyncio.Semaphore(UPLOAD_LANES)
    async with asyncio.TaskGroup() as lanes:
        for lane in _lanes(scans):
            lanes.create_task(apply(lane, uow.another()))
    results = [{"nonce": scan.nonce, **outcomes[i]} for i, scan in enumerate(scans)]
    summary = dict(Counter(r["result"] for r in results))
    replayed = sum(r["replayed"] for r in results)
    async with uow:
        s = uow.session
        stored = await s.get(OfflineUpload, record.id)
        assert stored is not None
        stored.replayed, stored.results = replayed, summary
        sites = sorted({site_of[scan.conference_site_id] for scan in scans})
        one_site = sites[0] if len(sites) == 1 else None
        audit(s, p, "checkin.offline_upload", conference_id=conference_id, site_id=one_site, subject=stored,
              source="offline_upload", scans=len(scans), replayed=replayed, results=summary, site_ids=sites)
        await uow.commit()
    return {"upload_id": record.id, "received": len(scans), "replayed": replayed, "summary": summary,
            "results": results}


async def _kits(s: AsyncSession, p: Principal, conference_id: int, scans: list[OfflineScan],
                kit_id: int | None) -> dict[int | None, datetime]:
    """Issue time by kit id (None: the caller's first kit of this conference, if any). A kit that is not the
    caller's for this conference is bad input."""
    named = {scan.kit_id for scan in scans if scan.kit_id is not None} | ({kit_id} if kit_id is not None else set())
    mine = OfflineKit.conference_id == conference_id, OfflineKit.user_id == p.user_id
    issued: dict[int | None, datetime] = {}
    if named:
        issued.update((await s.execute(select(OfflineKit.id, OfflineKit.issued_at)
                                       .where(OfflineKit.id.in_(named), *mine))).tuples().all())
        if unknown := sorted(named - set(issued)):
            raise InvalidInput(f"kit_id: no offline kit {unknown[0]} of yours for this conference",
                               code="unknown_reference", field="kit_id")
    if kit_id is None and any(scan.kit_id is None for scan in scans):
        first = await s.scalar(select(func.min(OfflineKit.issued_at)).where(*mine))
        if first is not None:
            issued[None] = first
    return issued
