"""Schemas of the bulk endpoints for points and operator accounts: many points added to a conference at once,
one operator account per point at once; each answers with a result per point."""
from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from api.schemas import Id, Input

ManyIds = Annotated[list[Id], Meta(max_length=20_000)]


class PointSelectionIn(Input, kw_only=True):
    """Points picked one by one (`site_ids`) and/or every active point of a unit (`unit_id`; with
    `include_subunits` also the points of every unit under it). At least one of the two."""
    site_ids: ManyIds = []
    unit_id: Id | None = None
    include_subunits: bool = True


class BulkSitesIn(PointSelectionIn, kw_only=True):
    pass


class ConflictingConferenceOut(Struct):
    id: int
    title: str


class BulkSiteResultOut(Struct):
    site_id: int
    result: Literal["added", "already_added", "busy", "inactive", "not_found"]
    code: str | None = None
    name: str | None = None
    conference_site_id: int | None = None
    conflicting_conference: ConflictingConferenceOut | None = None


class BulkSitesOut(Struct):
    conference_id: int
    added: int
    items: list[BulkSiteResultOut]


class OperatorAccountsIn(PointSelectionIn, kw_only=True):
    pass


class OperatorAccountOut(Struct):
    site_id: int
    result: Literal["created", "exists", "username_taken", "inactive", "not_found", "invalid_username"]
    code: str | None = None
    name: str | None = None
    username: str | None = None
    user_id: int | None = None
    one_time_password: str | None = None
    existing_usernames: list[str] = []


class OperatorAccountsOut(Struct):
    created: int
    items: list[OperatorAccountOut]
