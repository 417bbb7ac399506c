"""`bridgepoint backup` and `restore`: every conference, check-in and audit entry back, and old passes verify."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.db import make_engine
from domain.invitations.passes import Keyring, decode_pass, encode_pass
from tests.conftest import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("conferences", "invitations", "presences", "audit_entries", "users")


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=check)


def counts_sqlite(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


async def counts_pg(url: str) -> dict[str, int]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        out = {t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TABLES}
    await engine.dispose()
    return out


def test_a_sqlite_backup_restores_everything_and_old_passes_still_verify(tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data), "BRIDGEPOINT_DATABASE_URL": ""}
    cli(env, "demo")
    before = counts_sqlite(data / "bridgepoint.db")
    assert before["presences"] > 100 and before["audit_entries"] > 0
    pass_text = encode_pass(Keyring.load_or_create(data / "keys"), 2, 1, 1, 1)
    archive = tmp_path / "backup.tar.gz"
    done = cli(env, "backup", str(archive))
    assert "backup written" in done.stdout and oct(archive.stat().st_mode & 0o777) == "0o600"

    # the machine is lost: a new, empty installation gets the backup
    new_data = tmp_path / "new-var"
    new_env = {**env, "BRIDGEPOINT_DATA_DIR": str(new_data)}
    cli(new_env, "db", "upgrade")
    cli(new_env, "restore", str(archive))
    assert counts_sqlite(new_data / "bridgepoint.db") == before
    claims = decode_pass(Keyring.load_or_create(new_data / "keys"), pass_text)
    assert claims.invitation_id == 1

    # a database with conferences is not overwritten by accident
    refused = cli(new_env, "restore", str(archive), check=False)
    assert refused.returncode == 1 and "--force" in refused.stderr
    cli(new_env, "restore", str(archive), "--force")


@pytest.mark.postgres
async def test_a_postgresql_backup_restores_everything(tmp_path: Path) -> None:
    source = await fresh_postgres_database(f"bp_backup_src_{os.getpid()}")
    target = await fresh_postgres_database(f"bp_backup_dst_{os.getpid()}")
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(tmp_path / "var"), "BRIDGEPOINT_DATABASE_URL": source}
    cli(env, "demo")
    before = await counts_pg(source)
    archive = tmp_path / "pg.tar.gz"
    cli(env, "backup", str(archive))
    new_env = {**env, "BRIDGEPOINT_DATA_DIR": str(tmp_path / "new"), "BRIDGEPOINT_DATABASE_URL": target}
    cli(new_env, "restore", str(archive))
    assert await counts_pg(target) == before
