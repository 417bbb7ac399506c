"""Backup and restore: the database and the signing keys in one archive.

A backup is a tar.gz with `manifest.json`, the database (`database.sqlite`, taken with SQLite's online backup
while the server runs; or `database.pgdump` from `pg_dump --format=custom` for PostgreSQL) and `keys/` (the
Ed25519 keys that sign passes and links: without them every pass printed before would stop verifying).
Restoring puts both back; it refuses to overwrite a database that has data unless told to (`force`).
"""
from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

FORMAT = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """Where the data lives: a SQLite file or a PostgreSQL URL, and the keys' folder."""
    database_url: str
    keys_dir: Path

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        return Path(self.database_url[len(prefix):]) if self.database_url.startswith(prefix) else None

    def pg_dsn(self) -> str:
        parts = urlsplit(self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        return parts.geturl()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup(target: Target, archive: Path) -> dict[str, object]:
    """Write the archive (mode 0600); returns its manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if (db := target.sqlite_path) is not None:
            if not db.exists():
                raise BackupError(f"no database at {db}")
            dump, kind = work / "database.sqlite", "sqlite"
            with sqlite3.connect(db) as src, sqlite3.connect(dump) as dst:
                src.backup(dst)  # consistent even while the server writes
        else:
            if shutil.which("pg_dump") is None:
                raise BackupError("pg_dump is not installed (Debian: postgresql-client)")
            dump, kind = work / "database.pgdump", "postgresql"
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", target.pg_dsn()],
                           check=True, capture_output=True)
        keys = sorted(target.keys_dir.glob("ed25519-*.pem"))
        if not keys:
            raise BackupError(f"no signing keys in {target.keys_dir}")
        manifest = {"format": FORMAT, "database": kind, "keys": [k.name for k in keys],
                    "created_at": datetime.now(timezone.utc).isoformat()}
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            _add_bytes(tar, dump.name, dump.read_bytes())
            for key in keys:
                _add_bytes(tar, f"keys/{key.name}", key.read_bytes())
        archive.chmod(0o600)
        return manifest


def _sqlite_has_data(path: Path) -> bool:
    if not path.exists():
        return False
    with sqlite3.connect(path) as conn:
        try:
            return conn.execute("SELECT count(*) FROM conferences").fetchone()[0] > 0
        except sqlite3.DatabaseError:
            return False


def restore(target: Target, archive: Path, *, force: bool = False) -> dict[str, object]:
    """Put the database and the keys of an archive back."""
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["database"] == "sqlite":
            db = target.sqlite_path
            if db is None:
                raise BackupError("this backup holds a SQLite database; BRIDGEPOINT_DATABASE_URL is not SQLite")
            if _sqlite_has_data(db) and not force:
                raise BackupError(f"{db} already holds conferences; restore with --force to replace it")
            db.parent.mkdir(parents=True, exist_ok=True)
            for stale in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                stale.unlink(missing_ok=True)
            with sqlite3.connect(work / "database.sqlite") as src, sqlite3.connect(db) as dst:
                src.backup(dst)
            db.chmod(0o600)
        else:
            if target.sqlite_path is not None:
                raise BackupError("this backup holds a PostgreSQL database; BRIDGEPOINT_DATABASE_URL is SQLite")
            if shutil.which("pg_restore") is None:
                raise BackupError("pg_restore is not installed (Debian: postgresql-client)")
            args = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target.pg_dsn()}"]
            if force:
                args[1:1] = ["--clean", "--if-exists"]
            subprocess.run([*args, str(work / "database.pgdump")], check=True, capture_output=True)
        target.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in manifest["keys"]:
            dest = target.keys_dir / name
            shutil.copyfile(work / "keys" / name, dest)
            dest.chmod(0o600)
        return manifest
