"""Personal agendas, iCalendar feeds, invitations by email, conclusion notices (HTTP)."""
from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
