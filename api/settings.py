"""Settings, read once from the environment (BRIDGEPOINT_*)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from domain.users.sessions import SessionPolicy


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"BRIDGEPOINT_{name}", default)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", "var")))
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL"))
    redis_url: str = field(default_factory=lambda: _env("REDIS_URL"))
    redis_prefix: str = field(default_factory=lambda: _env("REDIS_PREFIX", "bp"))
    keys_dir: Path = field(default_factory=lambda: Path(_env("KEYS_DIR", "")))
    public_url: str = field(default_factory=lambda: _env("PUBLIC_URL", "http://127.0.0.1:8000"))
    token_ttl_hours: int = field(default_factory=lambda: int(_env("TOKEN_TTL_HOURS", "12")))
    checkin_opens_minutes: int = field(default_factory=lambda: int(_env("CHECKIN_OPENS_MINUTES", "120")))
    # Offline scans: how far ahead of the server a desk's clock may run, and how long after the end a scan may
    # still have been made (a meeting that overran); a time outside is refused as scanned_at_out_of_range.
    offline_clock_skew_seconds: int = field(default_factory=lambda: int(_env("OFFLINE_CLOCK_SKEW_SECONDS", "120")))
    offline_end_grace_minutes: int = field(default_factory=lambda: int(_env("OFFLINE_END_GRACE_MINUTES", "60")))
    debug: bool = field(default_factory=lambda: _env("DEBUG", "") in ("1", "true", "yes"))
    smtp_url: str = field(default_factory=lambda: _env("SMTP_URL"))  # unset: mail is written to mail_dir
    mail_dir: Path = field(default_factory=lambda: Path(_env("MAIL_DIR", "")))
    mail_from: str = field(default_factory=lambda: _env("MAIL_FROM", "Văn phòng hội nghị <bridgepoint@localhost>"))
    live_recheck_seconds: float = field(default_factory=lambda: float(_env("LIVE_RECHECK_SECONDS", "30")))
    # Faults: a Redis command that takes longer fails (the live view degrades, check-in never waits on Redis);
    # events wait for Redis in a queue of at most this many frames; a lost database is retried this long.
    redis_timeout_seconds: float = field(default_factory=lambda: float(_env("REDIS_TIMEOUT_SECONDS", "0.5")))
    live_queue_limit: int = field(default_factory=lambda: int(_env("LIVE_QUEUE_LIMIT", "1000")))
    db_retry_seconds: float = field(default_factory=lambda: float(_env("DB_RETRY_SECONDS", "5")))
    mail_worker: bool = field(default_factory=lambda: _env("MAIL_WORKER", "1") in ("1", "true", "yes"))
    session_idle_minutes: int = field(default_factory=lambda: int(_env("SESSION_IDLE_MINUTES", "120")))
    session_hours: int = field(default_factory=lambda: int(_env("SESSION_HOURS", "14")))

    def __post_init__(self) -> None:
        if not str(self.keys_dir) or str(self.keys_dir) == ".":
            object.__setattr__(self, "keys_dir", self.data_dir / "keys")
        if not str(self.mail_dir) or str(self.mail_dir) == ".":
            object.__setattr__(self, "mail_dir", self.data_dir / "outbox")
        if not self.database_url:
            object.__setattr__(self, "database_url",
                               f"sqlite+aiosqlite:///{(self.data_dir / 'bridgepoint.db').as_posix()}")

    def token_ttl(self) -> timedelta:
        return timedelta(hours=self.token_ttl_hours)

    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(idle=timedelta(minutes=self.session_idle_minutes),
                             absolute=timedelta(hours=self.session_hours))

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        return Path(self.database_url[len(prefix):]) if self.database_url.startswith(prefix) else None

    def ensure_dirs(self) -> None:
        """The data folder holds personal data, password hashes and signing keys: owner only (0700), and the
        SQLite database with its journal files 0600."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.chmod(0o700)
        db = self.sqlite_path()
        if db is not None:
            for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                if path.exists():
                    path.chmod(0o600)
