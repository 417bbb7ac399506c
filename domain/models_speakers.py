"""Lists of speakers and speeches (the speaker-order feature)."""
from __future__ import annotations

from .db import Base  # noqa: F401
