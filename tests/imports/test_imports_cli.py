"""`bridgepoint import`: the same import from the command line (dry run, apply, errors, exit codes)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.imports import csv_bytes, xlsx

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(tmp), "BRIDGEPOINT_REDIS_URL": "",
           "BRIDGEPOINT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'cli.db'}"}
    return subprocess.run([sys.executable, "-m", "api.cli", "import", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_the_command_line_checks_imports_and_refuses(tmp_path: Path) -> None:
    units = tmp_path / "don-vi.xlsx"
    units.write_bytes(xlsx([["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"], ["QK3", "Quân khu 3", "BQP"],
                            ["BQP", "Bộ Quốc phòng", ""]]))
    check = _run(tmp_path, str(units), "--kind", "units", "--dry-run")
    assert check.returncode == 0, check.stderr
    assert "2 to create" in check.stdout and "nothing was written" in check.stdout
    done = _run(tmp_path, str(units), "--kind", "units")
    assert done.returncode == 0 and "Imported." in done.stdout
    again = _run(tmp_path, str(units), "--kind", "units", "--lang", "vi")
    assert again.returncode == 0 and "Không có gì thay đổi" in again.stdout
    people = tmp_path / "dai-bieu.csv"
    people.write_bytes(csv_bytes([["Họ và tên", "Mã đơn vị"], ["NguyÔn V¨n An", "QK3"], ["Lê Văn Bình", "QK9"]],
                                 bom=True))
    refused = _run(tmp_path, str(people), "--kind", "delegates")
    assert refused.returncode == 1
    assert "A2 [Họ và tên] «NguyÔn V¨n An»: legacy_tcvn3" in refused.stdout and "Nguyễn Văn An" in refused.stdout
    assert "B3 [Mã đơn vị] «QK9»: unit_not_found" in refused.stdout
    assert "Nothing was imported" in refused.stderr
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4")
    assert _run(tmp_path, str(bad), "--kind", "units").returncode == 1
    assert _run(tmp_path, str(units), "--kind", "invitations").returncode == 2  # needs --conference
