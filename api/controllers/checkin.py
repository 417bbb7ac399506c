"""Passes, personal links, check-in, site check-in, offline kit, attendance (HTTP)."""
from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
