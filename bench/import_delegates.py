"""Import 100,000 delegates from one XLSX file on SQLite: time and peak memory of `bridgepoint import`.

    .venv/bin/python bench/import_delegates.py [--delegates 100000] [--keep]

A fresh SQLite database (migrated), 60 units imported first, then a workbook of N delegates (name, rank, position,
unit code, e-mail for two in three, phone, language) made with openpyxl — outside the measurement — and imported
by the command line in its own process: the figures are that process's wall time and peak RSS (the file read with
python-calamine, every cell checked, every row matched, the batched INSERTs, one transaction). Then the same file
again, which must change nothing. Targets (issue #14): ≤ 60 s and ≤ 500 MB. The last line is a JSON summary.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Hữu", "Đức", "Quang", "Minh", "Xuân", "Thanh", "Ngọc", "Công", "Đình", "Thị", "Mạnh"]
GIVEN = ["Hùng", "Dũng", "Tuấn", "Thắng", "Cường", "Hải", "Nam", "Sơn", "Long", "Phong", "Quân", "Hương", "Lan"]
RANKS = ["Đại tá", "Thượng tá", "Trung tá", "Thiếu tá", "Đại úy", "Thượng úy"]
POSITIONS = ["Trưởng phòng", "Phó Trưởng phòng", "Trợ lý", "Nhân viên", "Chính trị viên", "Chỉ huy trưởng"]


def make_files(folder: Path, n: int) -> tuple[Path, Path]:
    from openpyxl import Workbook

    units = folder / "don-vi.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Đơn vị")
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"])
    sheet.append(["BQP", "Bộ Quốc phòng", ""])
    for i in range(1, 60):
        sheet.append([f"DV{i:02d}", f"Đơn vị số {i}", "BQP"])
    book.save(units)
    people = folder / "dai-bieu.xlsx"
    rng = random.Random(14)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Đại biểu")
    sheet.append(["STT", "Họ và tên", "Cấp bậc", "Chức vụ", "Mã đơn vị", "Thư điện tử", "Điện thoại", "Ngôn ngữ"])
    for i in range(1, n + 1):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {i}"  # unique: no duplicates
        unit = "BQP" if i % 60 == 0 else f"DV{i % 60:02d}"
        email = f"daibieu{i}@donvi{i % 60}.vn" if i % 3 else ""
        sheet.append([i, name, rng.choice(RANKS), rng.choice(POSITIONS), unit, email,
                      f"09{rng.randrange(10**8):08d}", "vi"])
    book.save(people)
    return units, people


def run_import(env: dict[str, str], path: Path) -> tuple[float, float, str, float]:
    """(seconds, peak RSS in MB, output, CPU seconds) of `bridgepoint import` in its own process."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "import", str(path), "--kind", "delegates"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed:\n{out[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bp-import-bench-"))
    env = {**os.environ, "BRIDGEPOINT_DATA_DIR": str(folder),
           "BRIDGEPOINT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bench.db'}", "BRIDGEPOINT_REDIS_URL": ""}
    made = time.monotonic()
    units, people = make_files(folder, args.delegates)
    print(f"files made in {time.monotonic() - made:.1f} s ({people.stat().st_size / 1e6:.1f} MB workbook)",
          flush=True)
    subprocess.run([sys.executable, "-m", "api.cli", "import", str(units), "--kind", "units"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    load = os.getloadavg()[0]
    seconds, rss, out, cpu = run_import(env, people)
    print(out.strip().splitlines()[-2] if out.strip() else "")
    print(f"import of {args.delegates:,} delegates: {seconds:.1f} s ({cpu:.1f} s of CPU), peak RSS {rss:.0f} MB "
          f"(targets ≤ 60 s, ≤ 500 MB; load average {load:.1f} on {os.cpu_count()} cores)", flush=True)
    again_s, again_rss, again_out, again_cpu = run_import(env, people)
    unchanged = "Nothing to change" in again_out
    print(f"the same file again: {again_s:.1f} s ({again_cpu:.1f} s of CPU), peak RSS {again_rss:.0f} MB, "
          f"{'nothing changed' if unchanged else 'SOMETHING CHANGED'}", flush=True)
    if not args.keep:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)
    ok = seconds <= 60 and rss <= 500 and unchanged
    print(json.dumps({"bench": "import_delegates", "delegates": args.delegates, "seconds": round(seconds, 1),
                      "cpu_seconds": round(cpu, 1), "peak_rss_mb": round(rss), "again_seconds": round(again_s, 1),
                      "again_cpu_seconds": round(again_cpu, 1), "load_average": round(load, 1),
                      "again_peak_rss_mb": round(again_rss), "idempotent": unchanged, "targets_met": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
