"""Site presence outages (the realtime feature)."""
from __future__ import annotations

from .db import Base  # noqa: F401
