"""A file checked by a dry run, kept until its owner applies it (an hour at most): the page then applies exactly
the bytes it showed, without a second upload. Files live in the data directory, readable by bridgepoint only."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from domain.errors import InvalidInput

TTL_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Staged:
    token: str
    user_id: int | None
    kind: str
    conference_id: int | None
    file_name: str
    allow_duplicates: bool
    path: Path


class Staging:
    def __init__(self, directory: Path, ttl: int = TTL_SECONDS) -> None:
        self.directory = Path(directory)
        self.ttl = ttl

    def _paths(self, token: str) -> tuple[Path, Path]:
        return self.directory / f"{token}.upload", self.directory / f"{token}.json"

    def sweep(self) -> None:
        if not self.directory.exists():
            return
        limit = time.time() - self.ttl
        for path in self.directory.iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except OSError:
                pass

    def put(self, stream: BinaryIO, *, user_id: int | None, kind: str, conference_id: int | None, file_name: str,
            allow_duplicates: bool = False) -> Staged:
        self.sweep()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(24)
        data, meta = self._paths(token)
        stream.seek(0)
        with open(os.open(data, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        info = {"user_id": user_id, "kind": kind, "conference_id": conference_id, "file_name": file_name,
                "allow_duplicates": allow_duplicates}
        with open(os.open(meta, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            json.dump(info, out)
        stream.seek(0)
        return Staged(token, user_id, kind, conference_id, file_name, allow_duplicates, data)

    def get(self, token: str, user_id: int | None) -> Staged:
        """The staged file of this user; gone, expired or another's: `import_expired`."""
        expired = InvalidInput("the checked file is no longer kept; choose it again", code="import_expired",
                               field="file")
        if not _TOKEN.match(token or ""):
            raise expired
        data, meta = self._paths(token)
        try:
            info = json.loads(meta.read_text())
            fresh = data.stat().st_mtime >= time.time() - self.ttl
        except (OSError, ValueError):
            raise expired from None
        if not fresh or info.get("user_id") != user_id:
            raise expired
        return Staged(token, info["user_id"], info["kind"], info["conference_id"], info["file_name"],
                      bool(info.get("allow_duplicates")), data)

    def drop(self, token: str) -> None:
        if _TOKEN.match(token or ""):
            for path in self._paths(token):
                path.unlink(missing_ok=True)
