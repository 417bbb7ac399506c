"""Outbox, conclusion notices and acknowledgements (the mail/calendar feature)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, UTCDateTime, enum_type, utcnow


class MailKind(str, enum.Enum):
    invitation = "invitation"
    update = "update"
    cancellation = "cancellation"
    notice = "notice"


class MailStatus(str, enum.Enum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(Base):
    """One e-mail to one recipient, written in the transaction that caused it; sent later by the worker.

    The content is rendered when it is sent (from the current data), so a queued row stays small;
    `idempotency_key` makes queueing the same cause twice a no-op.
    """
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),
                      # a conference's mail by kind and state (the Mail tab's progress at 100,000 invitations)
                      Index("ix_outbox_messages_conference_kind_status", "conference_id", "kind", "status",
                            "invitation_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, "mail_kind"))
    reason: Mapped[str] = mapped_column(String(32), default="")
    recipient: Mapped[str] = mapped_column(String(254))
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"),
                                                      index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("conclusion_notices.id", ondelete="CASCADE"),
                                                  index=True)
    conference_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("conference_sites.id", ondelete="CASCADE"))
    status: Mapped[MailStatus] = mapped_column(enum_type(MailStatus, "mail_status"), default=MailStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    message_id: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConclusionNotice(Base):
    """The conference's conclusions, notified to every participating site's unit."""
    __tablename__ = "conclusion_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class NoticeAttachment(Base):
    """The optional file sent with a notice (kept apart so listing notices never loads it)."""
    __tablename__ = "notice_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("conclusion_notices.id", ondelete="CASCADE"),
                                           unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class NoticeReceipt(Base):
    """One participating site's copy of a notice; acknowledged by that site's operator."""
    __tablename__ = "notice_receipts"
    __table_args__ = (UniqueConstraint("notice_id", "conference_site_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("conclusion_notices.id", ondelete="CASCADE"), index=True)
    conference_site_id: Mapped[int] = mapped_column(ForeignKey("conference_sites.id", ondelete="CASCADE"),
                                                    index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
