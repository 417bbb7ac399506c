"""Lists of speakers and speeches (the speaker-order feature).

Status is never stored: an entry is waiting until `started_at`, speaking until `ended_at`, and paused
while one of its pauses has no end; a floor request is pending until one of its outcome times is set.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.db import Base, UTCDateTime, enum_type, utcnow


class SpeakerKind(str, enum.Enum):
    ordinary = "ordinary"
    point_of_order = "point_of_order"


class EntrySource(str, enum.Enum):
    agenda = "agenda"      # the agenda item's presenter, queued when the list opens
    request = "request"    # an accepted floor request
    chair = "chair"        # added directly by the chair or secretary
    readd = "readd"        # the last speaker put back on the list


class Floor(Base):
    """One row per conference: which agenda item has the floor. Its row lock serialises speaker changes."""
    __tablename__ = "speaker_floors"
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"),
                                               primary_key=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    item_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SpeakerList(Base):
    __tablename__ = "speaker_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


_WAITING_SQL = text("started_at IS NULL")
_PENDING_SQL = text("accepted_at IS NULL AND declined_at IS NULL AND withdrawn_at IS NULL")


class SpeakerEntry(Base):
    """A delegate's place on a list; once started it is also the record of the speech."""
    __tablename__ = "speaker_entries"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR started_at IS NOT NULL", name="ends_after_start"),
        Index("uq_speaker_entries_waiting", "list_id", "invitation_id", "kind", unique=True,
              sqlite_where=_WAITING_SQL, postgresql_where=_WAITING_SQL),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("speaker_lists.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SpeakerKind] = mapped_column(enum_type(SpeakerKind, "speaker_kind"), default=SpeakerKind.ordinary)
    source: Mapped[EntrySource] = mapped_column(enum_type(EntrySource, "entry_source"))
    topic: Mapped[str] = mapped_column(String(300), default="")
    requested_minutes: Mapped[int | None] = mapped_column(Integer)
    allotted_minutes: Mapped[int | None] = mapped_column(Integer)  # None: the agenda item's default
    weight: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pauses: Mapped[list[SpeechPause]] = relationship(lazy="raise", order_by="SpeechPause.started_at",
                                                     cascade="all, delete-orphan")


class SpeechPause(Base):
    __tablename__ = "speech_pauses"
    __table_args__ = (CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("speaker_entries.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FloorRequest(Base):
    """A site's operator (or the delegate) asks the floor; the chair accepts it onto the list or declines."""
    __tablename__ = "floor_requests"
    __table_args__ = (
        CheckConstraint("(CASE WHEN accepted_at IS NULL THEN 0 ELSE 1 END)"
                        " + (CASE WHEN declined_at IS NULL THEN 0 ELSE 1 END)"
                        " + (CASE WHEN withdrawn_at IS NULL THEN 0 ELSE 1 END) <= 1", name="one_outcome"),
        Index("uq_floor_requests_pending", "list_id", "invitation_id", "kind", unique=True,
              sqlite_where=_PENDING_SQL, postgresql_where=_PENDING_SQL),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("speaker_lists.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SpeakerKind] = mapped_column(enum_type(SpeakerKind, "speaker_kind"), default=SpeakerKind.ordinary)
    topic: Mapped[str] = mapped_column(String(300), default="")
    requested_minutes: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decline_reason: Mapped[str] = mapped_column(String(500), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("speaker_entries.id", ondelete="SET NULL"))


REQUEST_PENDING = and_(FloorRequest.accepted_at.is_(None), FloorRequest.declined_at.is_(None),
                       FloorRequest.withdrawn_at.is_(None))
