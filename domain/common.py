"""Small helpers shared by the services."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal
from domain.errors import Conflict, InvalidInput
from domain.models import AuditEntry, Conference, ConferenceStatus

T = TypeVar("T")

# Every time bridgepoint takes in lies in this range: before 1906 Asia/Ho_Chi_Minh had a +07:06:40 offset that no
# encoder writes, and a conference in the year 418 is a typo. Outside: 422 date_out_of_range naming the field.
FIRST_YEAR, LAST_YEAR = 2000, 2100
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=timezone.utc)


def check_moment(value: datetime | None, field: str) -> None:
    """A time given by a client: between FIRST_YEAR and LAST_YEAR (a naive one is taken as UTC for the check)."""
    if value is None:
        return
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    try:
        inside = EARLIEST <= aware < LATEST
    except (OverflowError, ValueError):
        inside = False
    if not inside or not (FIRST_YEAR - 1 <= value.year <= LAST_YEAR + 1):
        raise InvalidInput(f"{field} must lie between the years {FIRST_YEAR} and {LAST_YEAR}",
                           code="date_out_of_range", field=field, first=FIRST_YEAR, last=LAST_YEAR)


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    # lists paged by a key: the cursor of the page after this one, None after the last
    next: str | None = field(default=None, kw_only=True)


# A keyset cursor: the sort key of a page's last row, given back as `after` for the next page, which then starts
# by an index seek however deep it is (an offset walks every row before it). Opaque to clients: base64url of JSON.
MAX_KEY_INT = 2**31 - 1
MAX_KEY_TEXT = 2000


def encode_cursor(*key: str | int) -> str:
    raw = json.dumps(list(key), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(token: str, kinds: tuple[type, ...], field: str = "after") -> tuple[Any, ...]:
    """The key in a cursor `encode_cursor` wrote, its parts of the types `kinds`; 400 invalid_cursor otherwise."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        key = None
    if not (isinstance(key, list) and len(key) == len(kinds) and all(
            type(v) is kind and (0 <= v <= MAX_KEY_INT if kind is int else len(v) <= MAX_KEY_TEXT)
            for v, kind in zip(key, kinds))):
        raise InvalidInput(f"{field} is not a cursor this list gave", code="invalid_cursor", field=field)
    return tuple(key)


def cursor_or_offset(after: str | None, offset: int) -> None:
    if after is not None and offset:
        raise InvalidInput("give after (a cursor) or offset, not both", code="cursor_and_offset", field="offset")


async def paginate(session: AsyncSession, stmt: Select[Any], limit: int, offset: int,
                   counted: Select[Any] | None = None) -> Page[Any]:
    """A page of `stmt` and the total, counted by `counted` when given (a cheaper statement with the same rows:
    the joins only the filters need), else over `stmt` itself."""
    if counted is None:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = (await session.execute(counted)).scalar_one()
    rows = (await session.execute(stmt.limit(limit).offset(offset))).scalars().all()
    return Page(list(rows), total, limit, offset)


READ_ONLY = (ConferenceStatus.ended, ConferenceStatus.cancelled)


def ensure_editable(conf: Conference) -> None:
    if conf.status in READ_ONLY:
        raise Conflict(f"conference {conf.id} is {conf.status.value} and read-only",
                       code="conference_read_only")


def check_timezone(name: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}", code="invalid_timezone", field=field) from None
    return name


def check_text(value: str | None, field: str) -> None:
    if value is not None and not value.strip():
        raise InvalidInput(f"{field} must not be blank", code="blank", field=field)


async def must_exist(session: AsyncSession, model: type, id_: int | None, field: str) -> Any:
    """Load a referenced row named in the input; a missing one is bad input naming the field."""
    if id_ is None:
        return None
    obj = await session.get(model, id_)
    if obj is None:
        raise InvalidInput(f"{field}: no such {model.__tablename__[:-1].replace('_', ' ')} {id_}",
                           code="unknown_reference", field=field)
    return obj


def audit(session: AsyncSession, actor: Principal | None, action: str, *, conference_id: int | None = None,
          site_id: int | None = None, subject: Any = None, source: str = "api", **detail: Any) -> None:
    session.add(AuditEntry(
        actor_user_id=actor.user_id if actor else None, action=action, conference_id=conference_id,
        site_id=site_id, subject_type=type(subject).__name__.lower() if subject is not None else "",
        subject_id=getattr(subject, "id", None), source=source, detail=detail))


def apply(obj: Any, fields: dict[str, Any]) -> None:
    for k, v in fields.items():
        setattr(obj, k, v)
