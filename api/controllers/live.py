"""The websocket endpoint and realtime HTTP routes."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from litestar import WebSocket, get, websocket
from msgspec import Struct

from api.auth import SESSION_COOKIE, bearer_token, principal_for, session_for
from api.schemas import local
from api.params import ConferenceId, Limit, Offset, QueryId
from domain.point_links import presence
from domain.access import Principal
from domain.db import is_disconnect
from domain.errors import Forbidden, NotFound, Unauthenticated
from domain.point_links.models import SiteOutage
from domain.users.credentials import SESSION_PREFIX
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


CLOSE_FORBIDDEN = 4403  # the session cookie came from a page of another origin (cross-site websocket hijacking)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def same_origin(socket: WebSocket) -> bool:
    """The page that opened the socket is one of ours: its Origin is this server's public URL, or the scheme and
    Host the socket came in on. A browser always sends Origin on a websocket; without one, no cookie counts."""
    origin = (socket.headers.get("origin") or "").strip().lower().rstrip("/")
    if not origin or origin == "null":
        return False
    own = {_origin(socket.app.state.settings.public_url)}
    host = socket.headers.get("host")
    if host:
        secure = socket.scope.get("scheme") in ("wss", "https")
        own.add(f"{'https' if secure else 'http'}://{host}".lower())
    return origin in own


async def _authenticate(socket: WebSocket) -> tuple[Principal, str]:
    """A token (`Authorization: Bearer`, `?token=`: API token, display link or personal link), else the browser's
    session cookie from a page of this site. Returns the principal and the credential the live view rechecks."""
    state = socket.app.state
    token = bearer_token(socket, ("token", "access_token"))  # browsers cannot set headers on a websocket
    if token is not None:
        return await principal_for(state, token), token
    cookie = socket.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("send a token or sign in", code="unauthenticated")
    if not same_origin(socket):
        raise Forbidden("the live view opened from another site", code="cross_origin")
    session = await session_for(state, cookie)
    return session.principal, SESSION_PREFIX + cookie


@websocket("/ws/conferences/{conference_id:int}", exclude_from_auth=True)
async def live_view(socket: WebSocket, conference_id: int) -> None:
    """The live view of one conference: a snapshot, then every change (docs/realtime.md). Authenticate with
    `Authorization: Bearer …`, `?token=…` or (browser pages of this site) the session cookie; resume with
    `?since=<seq>`."""
    realtime: Realtime = socket.app.state.realtime
    await socket.accept()
    try:
        since = _since(socket)
        principal, token = await _authenticate(socket)
        sites = await realtime.admit(principal, conference_id)
        room = await realtime.hub.room(conference_id)
    except ValueError:
        await socket.close(CLOSE_BAD_REQUEST, "since must be a seq number")
        return
    except Unauthenticated:
        await socket.close(CLOSE_UNAUTHENTICATED, "unknown, expired or revoked token")
        return
    except Forbidden:
        await socket.close(CLOSE_FORBIDDEN, "a page of another site may not use this site's session")
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
