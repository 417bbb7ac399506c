"""Shared parameters for the controllers."""
from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from api.schemas import MAX_ID

Limit = Annotated[int, Parameter(ge=1, le=500, description="page size")]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000, description="items to skip")]
Search = Annotated[str | None, Parameter(max_length=200, description="case- and diacritic-blind search")]
QueryId = Annotated[int | None, Parameter(ge=1, le=MAX_ID)]
