"""The websocket endpoint and realtime HTTP routes."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import WebSocket, get, websocket
from msgspec import Struct

from api.auth import bearer_token, principal_for
from api.schemas import local
from api.params import ConferenceId, Limit, Offset, QueryId
from domain.point_links import presence
from domain.access import Principal
from domain.db import is_disconnect
from domain.errors import NotFound, Unauthenticated
from domain.point_links.models import SiteOutage
from domain.uow import UnitOfWork

from realtime.connection import LiveConnection
from realtime.hub import ConferenceGone, LiveUnavailable
from realtime.protocol import CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHENTICATED
from realtime.service import Realtime



def _since(socket: WebSocket) -> int | None:
    raw = socket.query_params.get("since")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValueError(raw)
    return int(raw)


@websocket("/ws/conferences/{conference_id:int}", exclude_from_auth=True)
async def live_view(socket: WebSocket, conference_id: int) -> None:
    """The live view of one conference: a snapshot, then every change (docs/realtime.md). Authenticate with
    `Authorization: Bearer …` or `?token=…`; resume with `?since=<seq>`."""
    realtime: Realtime = socket.app.state.realtime
    await socket.accept()
    token = bearer_token(socket, ("token", "access_token"))  # browsers cannot set headers on a websocket
    try:
        since = _since(socket)
        if token is None:
            raise Unauthenticated("send a token", code="unauthenticated")
        principal = await principal_for(socket.app.state, token)
        sites = await realtime.admit(principal, conference_id)
        room = await realtime.hub.room(conference_id)
    except ValueError:
        await socket.close(CLOSE_BAD_REQUEST, "since must be a seq number")
        return
    except Unauthenticated:
        await socket.close(CLOSE_UNAUTHENTICATED, "unknown, expired or revoked token")
        return
    except (NotFound, ConferenceGone):
        await socket.close(CLOSE_NOT_FOUND, f"conference {conference_id} not found")
        return
    except Exception as e:  # the bus or the database cannot be reached for now
        if not (isinstance(e, LiveUnavailable) or is_disconnect(e)):
            raise
        await socket.close(CLOSE_TRY_AGAIN_LATER, "the live view is unavailable for a moment; reconnect")
        return
    await LiveConnection(socket, realtime, principal, token, conference_id, sites).serve(room, since)


class OutageOut(Struct):
    id: int
    conference_site_id: int
    last_seen_at: datetime | None
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None


class OutagePage(Struct):
    items: list[OutageOut]
    total: int
    limit: int
    offset: int


@get("/api/conferences/{conference_id:int}/outages", operation_id="listSiteOutages", tags=["live view"],
     description="Every outage of the bridge points' links in this conference (no heartbeat for "
                 f"{int(presence.HEARTBEAT_TIMEOUT.total_seconds())} s until the next one), oldest first; "
                 "an outage still going on has no end.")
async def list_outages(conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                       conference_site_id: QueryId = None, limit: Limit = 100, offset: Offset = 0) -> OutagePage:
    found = await presence.list_outages(uow, principal, conference_id, conference_site_id=conference_site_id,
                                        limit=limit, offset=offset)
    return OutagePage([_outage_out(o, found.timezone) for o in found.page.items], found.page.total,
                      found.page.limit, found.page.offset)


def _outage_out(o: SiteOutage, tz: str) -> OutageOut:
    return OutageOut(o.id, o.conference_site_id, local(o.last_seen_at, tz), o.started_at.astimezone(ZoneInfo(tz)),
                     local(o.ended_at, tz), o.duration_seconds)


ROUTES: list[Any] = [live_view, list_outages]
