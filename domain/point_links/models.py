"""Site presence: every outage of a bridge point's link during a conference (the realtime feature)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, UTCDateTime


class SiteOutage(Base):
    """The link of one conference site was lost at `started_at` and came back at `ended_at` (None: still lost)."""
    __tablename__ = "site_outages"
    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id", ondelete="CASCADE"), index=True)
    conference_site_id: Mapped[int] = mapped_column(ForeignKey("conference_sites.id", ondelete="CASCADE"),
                                                    index=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last heartbeat before the outage
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def duration_seconds(self) -> float | None:
        return (self.ended_at - self.started_at).total_seconds() if self.ended_at else None
