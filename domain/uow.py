"""Unit of work: one transaction, plus the events it records for publishing after commit."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.db import utcnow


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
        self._session: AsyncSession | None = None
        self.events = []
        return self

    async def __aexit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed; loaded objects stay readable (detached).
        self.events = []
        if self._session is not None:
            await self._session.close()
            self._session = None

    def another(self) -> "UnitOfWork":
        """A unit of work of its own on the same database and publisher: for work that runs side by side."""
        return UnitOfWork(self._sessionmaker, self._publisher)

    @property
    def session(self) -> AsyncSession:
        """Opened on first use: work that runs elsewhere (the SQLite check-in writer) never pays for one."""
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

    @property
    def engine(self) -> AsyncEngine:
        return self._sessionmaker.kw["bind"]  # type: ignore[no-any-return]

    def emit(self, conference_id: int, type_: str, /, **data: Any) -> None:  # data may carry conference_id too
        self.events.append(DomainEvent(conference_id, type_, data))

    async def commit(self) -> None:
        if self._session is not None:
            await self._session.commit()
        events, self.events = self.events, []
        if events and self._publisher is not None:
            await self._publisher(events)
