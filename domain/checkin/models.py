"""Check-in records: who is in the room now, every scan once per client nonce, relocations, offline kits and
uploads, and the delegates reported absent with a reason."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, UTCDateTime, enum_type, utcnow


class Presence(Base):
    """One row per invitation, so two scans racing each other can never count a delegate twice. Where the
    delegate counts is the invitation's bridge point (a relocation or an edit moves the count with it)."""
    __tablename__ = "presences"
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    first_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Scan(Base):
    """Every scan or manual check-in/out with the outcome it got; a repeated client nonce replays that outcome."""
    __tablename__ = "checkin_scans"
    # the desk's "last scans at this point" reads the newest rows of one conference site
    __table_args__ = (UniqueConstraint("user_id", "nonce"),
                      Index("ix_checkin_scans_conference_site_recent", "conference_site_id", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    # Scans are evidence: an operator who scanned is deactivated, never deleted.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    nonce: Mapped[str] = mapped_column(String(64))
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    conference_site_id: Mapped[int | None] = mapped_column(ForeignKey("conference_sites.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("offline_uploads.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)


class Relocation(Base):
    """An organizer let a delegate attend at another bridge point than the one invited to."""
    __tablename__ = "relocations"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    from_conference_site_id: Mapped[int] = mapped_column(ForeignKey("conference_sites.id", ondelete="CASCADE"))
    to_conference_site_id: Mapped[int] = mapped_column(ForeignKey("conference_sites.id", ondelete="CASCADE"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")


class OfflineUpload(Base):
    """A batch of scans a site made while its link was down, uploaded later."""
    __tablename__ = "offline_uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    scans: Mapped[int] = mapped_column(Integer, default=0)
    replayed: Mapped[int] = mapped_column(Integer, default=0)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AbsenceReason(str, enum.Enum):
    leave = "leave"  # nghỉ phép
    duty = "duty"  # đi công tác / bận công vụ
    illness = "illness"  # ốm
    other = "other"  # another reason, given in the note


class Absence(Base):
    """An expected delegate will not (or no longer) attend, with the reason the point reported. One per invitation;
    a check-in after `set_at` supersedes it (the read models compare it with the presence row, so the check-in hot
    path never touches this table); clearing it deletes the row. Every change is in the audit log."""
    __tablename__ = "absences"
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    reason: Mapped[AbsenceReason] = mapped_column(enum_type(AbsenceReason, "absence_reason"))
    note: Mapped[str] = mapped_column(String(500), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    set_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OfflineKit(Base):
    """An offline kit handed to a desk: the upload of the scans decided with it names it, and a scan that claims to
    have been made before the kit was issued is out of range."""
    __tablename__ = "offline_kits"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SiteCounts(Base):
    """A point's attendance counts, kept by the database's own triggers (domain/checkin/tally.py) in the transaction
    of every change to an invitation, presence or absence: the attendance read model reads one row per point, never
    a conference's invitations. `expected` and `missing` are derived when read (they follow the point's expected
    attendance)."""
    __tablename__ = "site_counts"
    conference_site_id: Mapped[int] = mapped_column(ForeignKey("conference_sites.id", ondelete="CASCADE"),
                                                    primary_key=True)
    invited: Mapped[int] = mapped_column(Integer, default=0)  # active invitations
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    absent: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Base.metadata, "before_create")
def _install_extensions(target: Any, connection: Any, **_: Any) -> None:
    from domain.invitations import names
    names.install_extensions(connection)


@event.listens_for(Base.metadata, "after_create")
def _install_counting_triggers(target: Any, connection: Any, **_: Any) -> None:
    from domain.checkin import tally
    from domain.invitations import names
    tally.install(connection)
    names.install(connection)
