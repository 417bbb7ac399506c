"""Every path, query and form parameter type of the API and the pages, defined once."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from api.schemas import MAX_ID

# Ids in paths: one type, named for what it identifies (the OpenAPI document shows the name of the parameter).
Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
ConferenceId = Id
ConferenceSiteId = Id
DelegateId = Id
EntryId = Id
InvitationId = Id
ItemId = Id
PathId = Id
RequestId = Id
SiteId = Id
UnitId = Id
UserId = Id

# Query parameters
SearchText = Annotated[str | None, Parameter(max_length=200)]
When = Annotated[datetime | None, Parameter(description="ISO 8601 with its offset, e.g. 2026-12-18T08:00:00+07:00")]
Limit = Annotated[int, Parameter(ge=1, le=500, description="page size")]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000, description="items to skip")]
After = Annotated[str | None, Parameter(max_length=3000, description="the `next` cursor of the page before: "
                                    "the page after it, by an index seek however deep (instead of offset)")]
PageOffset = Annotated[int, Parameter(ge=0, le=100_000_000)]
Search = Annotated[str | None, Parameter(max_length=200, description="case- and diacritic-blind search")]
PageSearch = Annotated[str | None, Parameter(max_length=200, required=False)]
QueryId = Annotated[int | None, Parameter(ge=1, le=MAX_ID)]
Token = Annotated[str, Parameter(max_length=400, description="the secret from the delegate's link")]
Lang = Annotated[str | None, Parameter(max_length=8, description="vi or en: the page's language switch (else "
                                                                   "the delegate's language)")]
PointFilter = Annotated[int | None, Parameter(
    ge=1, le=MAX_ID, required=False,
    description="One bridge point (conference site id); without it, every point the caller may print.")]
LinkToken = Annotated[str, Parameter(max_length=400)]
ItemQuery = Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="an agenda item; default: the current one")]
Q = Annotated[str, Parameter(max_length=200)]
OptionalId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, required=False)]
Filter = Annotated[str | None, Parameter(max_length=20, required=False)]  # a <select>'s "all" sends it empty

PickLimit = Annotated[int, Parameter(ge=1, le=100)]
DateFrom = Annotated[datetime | None, Parameter(query="from")]
DateTo = Annotated[datetime | None, Parameter(query="to")]
MonthFrom = Annotated[str | None, Parameter(query="from", max_length=20, required=False,
                                            description="first month, YYYY-MM (default: twelve months back)")]
MonthTo = Annotated[str | None, Parameter(query="to", max_length=20, required=False,
                                          description="last month, YYYY-MM (default: next month)")]
Action = Annotated[str | None, Parameter(max_length=64)]
IdText = Annotated[str, Parameter(max_length=12)]  # an id typed in a form field: checked by the service

ImportFormat = Annotated[Literal["xlsx", "csv"], Parameter(description="xlsx (default) or csv (UTF-8 with a BOM)")]
ImportLanguage = Annotated[Literal["vi", "en"] | None, Parameter(description="the headers' language (default: the "
                                                                        "request's)")]

# Form bodies of the pages
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
