"""Files sent by the pages and the API (multipart/form-data): the upload field and its name, and the size limit."""
from __future__ import annotations

from typing import Any

from litestar.datastructures import UploadFile

from domain.errors import InvalidInput
from domain.imports.reader import LIMITS

MAX_BODY = LIMITS.max_bytes + 1024 * 1024


def upload_of(data: dict[str, Any], name: str = "file") -> UploadFile:
    upload = data.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("choose the file to import", code="required", field="file")
    return upload


def clean_name(upload: UploadFile) -> str:
    return upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
