"""Unit of work: one transaction, plus the events it records for publishing after commit."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db import utcnow


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to a conference; published to its channel only after commit."""
    conference_id: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)


Publisher = Callable[[list[DomainEvent]], Awaitable[None]]


class UnitOfWork:
    def __init__(self, sessionmaker: async_sessionmaker, publisher: Publisher | None = None) -> None:
        self._sessionmaker = sessionmaker
        self._publisher = publisher
        self.events: list[DomainEvent] = []

    async def __aenter__(self) -> "UnitOfWork":
        self.session: AsyncSession = self._sessionmaker()
        self.events = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed; loaded objects stay readable (detached).
        self.events = []
        await self.session.close()

    def emit(self, conference_id: int, type_: str, **data: Any) -> None:
        self.events.append(DomainEvent(conference_id, type_, data))

    async def commit(self) -> None:
        await self.session.commit()
        events, self.events = self.events, []
        if events and self._publisher is not None:
            await self._publisher(events)
