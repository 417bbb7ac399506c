"""The bridgepoint data model: units, bridge sites, conferences and the people in them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer,
                        String, Table, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import Base, UTCDateTime, enum_type, utcnow

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


class ConferenceKind(str, enum.Enum):
    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


class Visibility(str, enum.Enum):
    internal = "internal"
    restricted = "restricted"


class ConferenceStatus(str, enum.Enum):
    draft = "draft"
    scheduled = "scheduled"
    live = "live"
    ended = "ended"
    cancelled = "cancelled"


class Readiness(str, enum.Enum):
    pending = "pending"
    ready = "ready"


class Connection(str, enum.Enum):
    unknown = "unknown"
    connected = "connected"
    lost = "lost"


class SiteRole(str, enum.Enum):
    host = "host"
    remote = "remote"


class InvitationRole(str, enum.Enum):
    chair = "chair"
    presenter = "presenter"
    delegate = "delegate"
    observer = "observer"


class InvitationStatus(str, enum.Enum):
    invited = "invited"
    confirmed = "confirmed"
    declined = "declined"
    substituted = "substituted"
    cancelled = "cancelled"


ACTIVE_INVITATION = (InvitationStatus.invited, InvitationStatus.confirmed)


class AgendaKind(str, enum.Enum):
    opening = "opening"
    report = "report"
    discussion = "discussion"
    speech = "speech"
    break_ = "break"
    conclusion = "conclusion"


class Role(str, enum.Enum):
    admin = "admin"
    organizer = "organizer"
    chair = "chair"
    operator = "operator"
    viewer = "viewer"


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    search: Mapped[str] = mapped_column(String(700), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BridgeSite(Base):
    __tablename__ = "bridge_sites"
    __table_args__ = (Index("ix_bridge_sites_search", "search"),)  # lists sorted and searched by name
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TZ)
    video_endpoint: Mapped[str] = mapped_column(String(500), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    search: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delegate(Base):
    __tablename__ = "delegates"
    __table_args__ = (Index("ix_delegates_search", "search", "id"),)  # 100,000 people listed by name, paged
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(300), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    feed_version: Mapped[int] = mapped_column(Integer, default=1)
    search: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the language of their e-mails, calendar and personal pages (domain.i18n.LOCALES)
    locale: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")


user_sites = Table(
    "user_sites", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("bridge_sites.id", ondelete="CASCADE"), primary_key=True),
)

conference_site_operators = Table(
    "conference_site_operators", Base.metadata,
    Column("conference_site_id", ForeignKey("conference_sites.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

conference_managers = Table(
    "conference_managers", Base.metadata,
    Column("conference_id", ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    feed_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # bump: revoke calendar URLs
    locale: Mapped[str | None] = mapped_column(String(8))  # the language chosen in the pages; None: the browser's
    search: Mapped[str] = mapped_column(String(600), default="", server_default="")
    # a password set by an administrator: the user must choose their own before anything else
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    sites: Mapped[list[BridgeSite]] = relationship(secondary=user_sites, lazy="selectin")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A browser's sign-in: the cookie holds the secret, the row its digest, CSRF token and expiry."""
    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())  # absolute end, whatever the activity
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Conference(Base):
    __tablename__ = "conferences"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_starts"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ConferenceKind] = mapped_column(enum_type(ConferenceKind, "conference_kind"),
                                                 default=ConferenceKind.hybrid)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TZ)
    chair_delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="RESTRICT"))
    visibility: Mapped[Visibility] = mapped_column(enum_type(Visibility, "visibility"),
                                                  default=Visibility.internal)
    status: Mapped[ConferenceStatus] = mapped_column(enum_type(ConferenceStatus, "conference_status"),
                                                     default=ConferenceStatus.draft, index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # when it really went live and really ended (or was cancelled): busy rules and calendars use them once known
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    search: Mapped[str] = mapped_column(String(700), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    sites: Mapped[list[ConferenceSite]] = relationship(back_populates="conference", lazy="raise")
    managers: Mapped[list[User]] = relationship(secondary=conference_managers, lazy="raise")


class ConferenceSite(Base):
    __tablename__ = "conference_sites"
    __table_args__ = (UniqueConstraint("conference_id", "site_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("bridge_sites.id", ondelete="RESTRICT"), index=True)
    role: Mapped[SiteRole] = mapped_column(enum_type(SiteRole, "site_role"), default=SiteRole.remote)
    chair_delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegates.id", ondelete="RESTRICT"))
    expected_attendance: Mapped[int] = mapped_column(Integer, default=0)
    readiness: Mapped[Readiness] = mapped_column(enum_type(Readiness, "readiness"), default=Readiness.pending)
    ready_note: Mapped[str] = mapped_column(String(500), default="")
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ready_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    connection: Mapped[Connection] = mapped_column(enum_type(Connection, "connection"), default=Connection.unknown)
    connection_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connection_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    conference: Mapped[Conference] = relationship(back_populates="sites", lazy="raise")
    site: Mapped[BridgeSite] = relationship(lazy="raise")
    operators: Mapped[list[User]] = relationship(secondary=conference_site_operators, lazy="raise")


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("conference_id", "delegate_id"),
                      # a conference's counts by status, point and pass without reading its 100,000 rows
                      Index("ix_invitations_conference_status", "conference_id", "status", "conference_site_id",
                            "pass_version"),
                      # the attendance read model: one index-only pass over a conference's invitations by point
                      Index("ix_invitations_conference_site_counts", "conference_id", "conference_site_id",
                            "status", "walk_in", "id"),
                      # a conference's roster by name: a page, a deep page, a cursor and a name search walk this
                      # index alone (issue 15: 100,000 invitations, p99 ≤ 100 ms)
                      # (PostgreSQL keeps the id in it too: a page's ids come from an index-only scan; SQLite's
                      # indexes hold the rowid anyway)
                      Index("ix_invitations_conference_search", "conference_id", "search", "delegate_id",
                            postgresql_include=["id"]),
                      # PostgreSQL: a name search (`LIKE '%…%'`) finds its matches by trigrams (pg_trgm) instead of
                      # reading every name of the conference
                      Index("ix_invitations_search_trigrams", "search", postgresql_using="gin",
                            postgresql_ops={"search": "gin_trgm_ops"}).ddl_if(dialect="postgresql"))
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegates.id", ondelete="RESTRICT"), index=True)
    conference_site_id: Mapped[int] = mapped_column(
        ForeignKey("conference_sites.id", ondelete="RESTRICT"), index=True)
    role: Mapped[InvitationRole] = mapped_column(enum_type(InvitationRole, "invitation_role"),
                                                 default=InvitationRole.delegate)
    status: Mapped[InvitationStatus] = mapped_column(enum_type(InvitationStatus, "invitation_status"),
                                                     default=InvitationStatus.invited)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_version: Mapped[int] = mapped_column(Integer, default=1)
    link_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # the delegate's search name (Delegate.search), copied and kept by the database (domain/invitations/names.py)
    # so that a conference's invitations are listed and searched by name without joining its delegates; code
    # never writes it, and an object's value stays "" until it is read again
    search: Mapped[str] = mapped_column(String(1000), default="", server_default="")


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AgendaKind] = mapped_column(enum_type(AgendaKind, "agenda_kind"))
    title: Mapped[str] = mapped_column(String(300))
    presenter_invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"))
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    speaking_minutes: Mapped[int] = mapped_column(Integer, default=5)
    notes: Mapped[str] = mapped_column(Text, default="")
    conference: Mapped[Conference] = relationship(lazy="joined", innerjoin=True)


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    conference_id: Mapped[int | None] = mapped_column(ForeignKey("conferences.id", ondelete="SET NULL"),
                                                      index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("bridge_sites.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32), default="api")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Feature tables live in their own modules; importing them here registers them on Base.metadata.
from domain.checkin import models as _checkin_models  # noqa: E402,F401
from domain.displays import models as _displays_models  # noqa: E402,F401
from domain.mail import models as _mail_models  # noqa: E402,F401
from domain.point_links import models as _point_links_models  # noqa: E402,F401
from domain.speakers import models as _speakers_models  # noqa: E402,F401
