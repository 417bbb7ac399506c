"""Request and response schemas of the absences routes (a delegate reported absent with a reason)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from api.schemas import Input, Text

Reason = Literal["leave", "duty", "illness", "other"]


class AbsenceIn(Input, kw_only=True):
    reason: Reason
    note: Text(500) = ""  # required (not blank) when reason is other


class AbsenceOut(Struct, kw_only=True):
    invitation_id: int
    conference_site_id: int
    full_name: str
    rank: str
    unit: str | None
    reason: Reason
    note: str
    set_at: datetime
    set_by_user_id: int | None
    superseded: bool  # the delegate checked in after it was recorded: it no longer counts


class AbsencePage(Struct):
    items: list[AbsenceOut]
    total: int
    limit: int
    offset: int
