"""Outbox, conclusion notices and acknowledgements (the mail/calendar feature)."""
from __future__ import annotations

from .db import Base  # noqa: F401
