"""What bridgepoint writes to disk is its owner's only: var/ 0700, the SQLite database 0600."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_database_and_keys_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(data), "BRIDGEPOINT_DATABASE_URL": ""}
    subprocess.run([sys.executable, "-m", "api.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    assert mode(data) == 0o700
    assert mode(data / "bridgepoint.db") == 0o600
    (data / "bridgepoint.db").chmod(0o644)  # an installation from before: put right at the next start
    subprocess.run([sys.executable, "-m", "api.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    assert mode(data / "bridgepoint.db") == 0o600
