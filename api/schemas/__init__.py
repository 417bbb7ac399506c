"""Request and response schemas (msgspec Structs) and the ORM → schema converters."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from domain import models as m
from domain.common import check_moment

MAX_ID = 2_147_483_647
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
NoNul = r"^[^\x00]*$"


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - reads as a type
    return Annotated[str, Meta(min_length=min_length, max_length=max_length, pattern=NoNul)]


Name = Text(300, 1)
Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
AwareDateTime = Annotated[datetime, Meta(tz=True)]
Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Minutes = Annotated[int, Meta(ge=0, le=1440)]


class Input(Struct, forbid_unknown_fields=True, kw_only=True):
    def __post_init__(self) -> None:
        """Every time a client sends lies in a sane range (2000–2100): 422 date_out_of_range naming the field."""
        for name in self.__struct_fields__:
            value = getattr(self, name)
            for item in (value if isinstance(value, list) else (value,)):
                if isinstance(item, datetime):
                    check_moment(item, name)

    def fields(self) -> dict[str, Any]:
        """The fields the client sent (UNSET ones left out)."""
        return {k: v for k, v in msgspec.structs.asdict(self).items() if v is not UNSET}


T = TypeVar("T")


class Warning_(Struct):
    code: str
    message: str
    field: str | None = None


# ---- auth ----
class LoginIn(Input, kw_only=True):
    username: Text(64, 1)
    password: Text(200, 1)


class TokenOut(Struct):
    access_token: str
    token_type: str
    user: "UserOut"


# ---- units ----
class UnitCreate(Input, kw_only=True):
    code: Code
    name: Name
    parent_id: Id | None = None


class UnitUpdate(Input, kw_only=True):
    code: Code | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    parent_id: Id | None | UnsetType = UNSET


class UnitOut(Struct):
    id: int
    code: str
    name: str
    parent_id: int | None


class UnitPage(Struct):
    items: list[UnitOut]
    total: int
    limit: int
    offset: int


# ---- sites ----
class SiteCreate(Input, kw_only=True):
    code: Code
    name: Name
    unit_id: Id | None = None
    address: Text(500) = ""
    capacity: Count = 0
    timezone: Text(64, 1) = m.DEFAULT_TZ
    video_endpoint: Text(500) = ""
    contact: Text(300) = ""
    active: bool = True


class SiteUpdate(Input, kw_only=True):
    code: Code | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    unit_id: Id | None | UnsetType = UNSET
    address: Text(500) | UnsetType = UNSET
    capacity: Count | UnsetType = UNSET
    timezone: Text(64, 1) | UnsetType = UNSET
    video_endpoint: Text(500) | UnsetType = UNSET
    contact: Text(300) | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class SiteOut(Struct):
    id: int
    code: str
    name: str
    unit_id: int | None
    address: str
    capacity: int
    timezone: str
    video_endpoint: str
    contact: str
    active: bool


class SitePage(Struct):
    items: list[SiteOut]
    total: int
    limit: int
    offset: int


class SiteDeleted(Struct):
    deleted: bool
    site: SiteOut | None = None
    detail: str = ""


# ---- conferences ----
Kind = Literal["in_person", "online", "hybrid"]
Vis = Literal["internal", "restricted"]


class ConferenceCreate(Input, kw_only=True):
    title: Name
    description: Text(20_000) = ""
    kind: Kind = "hybrid"
    starts_at: AwareDateTime
    ends_at: AwareDateTime
    timezone: Text(64, 1) = m.DEFAULT_TZ
    host_site_id: Id | None = None
    chair_delegate_id: Id | None = None
    visibility: Vis = "internal"
    manager_ids: list[Id] | None = None


class ConferenceUpdate(Input, kw_only=True):
    title: Name | UnsetType = UNSET
    description: Text(20_000) | UnsetType = UNSET
    kind: Kind | UnsetType = UNSET
    starts_at: AwareDateTime | UnsetType = UNSET
    ends_at: AwareDateTime | UnsetType = UNSET
    timezone: Text(64, 1) | UnsetType = UNSET
    chair_delegate_id: Id | None | UnsetType = UNSET
    visibility: Vis | UnsetType = UNSET
    manager_ids: list[Id] | UnsetType = UNSET


class ConferenceOut(Struct):
    id: int
    title: str
    description: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    host_site_id: int | None
    chair_delegate_id: int | None
    visibility: str
    sequence: int
    manager_ids: list[int] | None = None
    started_at: datetime | None = None  # when it really went live
    ended_at: datetime | None = None    # when it really ended or was cancelled


class ConferencePage(Struct):
    items: list[ConferenceOut]
    total: int
    limit: int
    offset: int


# ---- conference sites ----
class ConferenceSiteCreate(Input, kw_only=True):
    site_id: Id
    role: Literal["host", "remote"] = "remote"
    chair_delegate_id: Id | None = None
    expected_attendance: Count = 0
    operator_ids: list[Id] | None = None


class ConferenceSiteUpdate(Input, kw_only=True):
    role: Literal["host", "remote"] | UnsetType = UNSET
    chair_delegate_id: Id | None | UnsetType = UNSET
    expected_attendance: Count | UnsetType = UNSET
    operator_ids: list[Id] | UnsetType = UNSET


class ConferenceSiteOut(Struct):
    id: int
    conference_id: int
    site_id: int
    role: str
    chair_delegate_id: int | None
    expected_attendance: int
    operator_ids: list[int]
    warnings: list[Warning_] = []


class ConferenceSitePage(Struct):
    items: list[ConferenceSiteOut]
    total: int
    limit: int
    offset: int


# ---- delegates ----
class DelegateCreate(Input, kw_only=True):
    full_name: Text(200, 1)
    rank: Text(100) = ""
    position: Text(300) = ""
    unit_id: Id | None = None
    email: Annotated[str, Meta(max_length=254, pattern=r"^$|^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")] = ""
    phone: Annotated[str, Meta(max_length=40, pattern=r"^[0-9+() .-]*$")] = ""
    locale: Literal["vi", "en"] = "vi"  # the language of the delegate's e-mails, calendar and personal pages
    # a person with the same name in the same unit, or the same e-mail, exists: 409 possible_duplicate unless true
    confirm_duplicate: bool = False


class DelegateUpdate(Input, kw_only=True):
    full_name: Text(200, 1) | UnsetType = UNSET
    rank: Text(100) | UnsetType = UNSET
    position: Text(300) | UnsetType = UNSET
    unit_id: Id | None | UnsetType = UNSET
    email: Annotated[str, Meta(max_length=254, pattern=r"^$|^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")] | UnsetType = UNSET
    phone: Annotated[str, Meta(max_length=40, pattern=r"^[0-9+() .-]*$")] | UnsetType = UNSET
    locale: Literal["vi", "en"] | UnsetType = UNSET


class DelegateOut(Struct):
    id: int
    full_name: str
    rank: str
    position: str
    unit_id: int | None
    email: str
    phone: str
    locale: str = "vi"


class DelegatePage(Struct):
    items: list[DelegateOut]
    total: int
    limit: int
    offset: int


# ---- invitations ----
InvRole = Literal["chair", "presenter", "delegate", "observer"]


class InvitationCreate(Input, kw_only=True):
    delegate_id: Id
    conference_site_id: Id
    role: InvRole = "delegate"


class InvitationUpdate(Input, kw_only=True):
    conference_site_id: Id | UnsetType = UNSET
    role: InvRole | UnsetType = UNSET
    status: Literal["invited", "confirmed", "declined", "cancelled"] | UnsetType = UNSET


class SubstituteIn(Input, kw_only=True):
    delegate_id: Id


class InvitationOut(Struct):
    id: int
    conference_id: int
    delegate_id: int
    conference_site_id: int
    role: str
    status: str
    replaces_id: int | None
    walk_in: bool
    pass_version: int


class InvitationPage(Struct):
    items: list[InvitationOut]
    total: int
    limit: int
    offset: int
    next: str | None = None  # the cursor of the next page (give it as `after`); null on the last page


# ---- agenda ----
AgKind = Literal["opening", "report", "discussion", "speech", "break", "conclusion"]


class AgendaCreate(Input, kw_only=True):
    kind: AgKind
    title: Name
    presenter_invitation_id: Id | None = None
    planned_start: AwareDateTime | None = None
    duration_minutes: Minutes = 0
    speaking_minutes: Minutes = 5
    notes: Text(5000) = ""


class AgendaUpdate(Input, kw_only=True):
    kind: AgKind | UnsetType = UNSET
    title: Name | UnsetType = UNSET
    presenter_invitation_id: Id | None | UnsetType = UNSET
    planned_start: AwareDateTime | None | UnsetType = UNSET
    duration_minutes: Minutes | UnsetType = UNSET
    speaking_minutes: Minutes | UnsetType = UNSET
    notes: Text(5000) | UnsetType = UNSET


class AgendaReorder(Input, kw_only=True):
    item_ids: Annotated[list[Id], Meta(max_length=1000)]


class AgendaOut(Struct):
    id: int
    conference_id: int
    position: int
    kind: str
    title: str
    presenter_invitation_id: int | None
    planned_start: datetime | None
    duration_minutes: int
    speaking_minutes: int
    notes: str


class AgendaPage(Struct):
    items: list[AgendaOut]
    total: int
    limit: int
    offset: int


# ---- users ----
RoleName = Literal["admin", "organizer", "chair", "operator", "viewer"]


class UserCreate(Input, kw_only=True):
    username: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")]
    password: Text(200, 1)  # the policy (12+, not well-known, not the username) is the service's: 422
    role: RoleName
    display_name: Text(200) = ""
    site_ids: list[Id] | None = None
    delegate_id: Id | None = None


class UserUpdate(Input, kw_only=True):
    password: Text(200, 1) | UnsetType = UNSET
    role: RoleName | UnsetType = UNSET
    display_name: Text(200) | UnsetType = UNSET
    site_ids: list[Id] | UnsetType = UNSET
    delegate_id: Id | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class UserOut(Struct):
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    site_ids: list[int]
    delegate_id: int | None


class PickedUserOut(Struct):
    id: int
    username: str
    display_name: str
    role: str
    site_ids: list[int]


class UserPage(Struct):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


class AuditOut(Struct):
    id: int
    at: datetime
    actor_user_id: int | None
    action: str
    conference_id: int | None
    site_id: int | None
    subject_type: str
    subject_id: int | None
    source: str
    detail: dict[str, Any]


class AuditPage(Struct):
    items: list[AuditOut]
    total: int
    limit: int
    offset: int


# ---- converters ----
def local(dt: datetime | None, tz: str) -> datetime | None:
    return dt.astimezone(ZoneInfo(tz)) if dt is not None else None


def unit_out(u: m.Unit) -> UnitOut:
    return UnitOut(u.id, u.code, u.name, u.parent_id)


def site_out(s: m.BridgeSite) -> SiteOut:
    return SiteOut(s.id, s.code, s.name, s.unit_id, s.address, s.capacity, s.timezone, s.video_endpoint,
                   s.contact, s.active)


def conference_out(c: m.Conference, host_site_id: int | None, managers: list[int] | None = None) -> ConferenceOut:
    return ConferenceOut(c.id, c.title, c.description, c.kind.value, c.status.value,
                         local(c.starts_at, c.timezone), local(c.ends_at, c.timezone), c.timezone,  # type: ignore[arg-type]
                         host_site_id, c.chair_delegate_id, c.visibility.value, c.sequence, managers,
                         local(c.started_at, c.timezone), local(c.ended_at, c.timezone))


def conference_site_out(cs: m.ConferenceSite, operators: list[int],
                        warnings: list[dict[str, str]] | None = None) -> ConferenceSiteOut:
    return ConferenceSiteOut(cs.id, cs.conference_id, cs.site_id, cs.role.value, cs.chair_delegate_id,
                             cs.expected_attendance, operators, [Warning_(**w) for w in warnings or []])


def delegate_out(d: m.Delegate) -> DelegateOut:
    return DelegateOut(d.id, d.full_name, d.rank, d.position, d.unit_id, d.email, d.phone, d.locale)


def invitation_out(i: m.Invitation) -> InvitationOut:
    return InvitationOut(i.id, i.conference_id, i.delegate_id, i.conference_site_id, i.role.value,
                         i.status.value, i.replaces_id, i.walk_in, i.pass_version)


def agenda_out(a: m.AgendaItem) -> AgendaOut:
    return AgendaOut(a.id, a.conference_id, a.position, a.kind.value, a.title, a.presenter_invitation_id,
                     local(a.planned_start, a.conference.timezone), a.duration_minutes, a.speaking_minutes,
                     a.notes)


def user_out(u: m.User) -> UserOut:
    return UserOut(u.id, u.username, u.display_name, u.role.value, u.active, sorted(s.id for s in u.sites),
                   u.delegate_id)


def audit_out(a: m.AuditEntry) -> AuditOut:
    return AuditOut(a.id, a.at, a.actor_user_id, a.action, a.conference_id, a.site_id, a.subject_type,
                    a.subject_id, a.source, a.detail or {})


def enum_fields(fields: dict[str, Any], **enums: type) -> dict[str, Any]:
    """Turn the literal strings of an input into the domain's enums."""
    return {k: (enums[k](v) if k in enums and v is not None else v) for k, v in fields.items()}
