"""Check-in records and site check-in (the passes/check-in feature)."""
from __future__ import annotations

from .db import Base  # noqa: F401
