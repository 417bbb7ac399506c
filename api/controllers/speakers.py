"""Lists of speakers and floor requests (HTTP)."""
from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
