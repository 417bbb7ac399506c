"""Run every benchmark in bench/ one after another and print their JSON summaries (`make bench`); with script names
as arguments (`make bench ONLY="storm.py api_scale.py"`), only those. The summaries go to var/bench-results.json."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "checkin.py",
    "fanout.py",
    "mail.py",
    "login_flood.py",
    "pages.py",
    "redis_freeze.py",
    "import_delegates.py",
    "checkin.py --postgres-only --scanners 16 --workers 2",
    "storm.py",
    "api_scale.py",
    "desk_page.py",
    "desk_page.py --database postgres",
    "board_page.py",
    "chair_page.py",
    "report_attendance.py",
]


def main() -> int:
    only = set(sys.argv[1:])
    unknown = only - {name.split(" ")[0] for name in BENCHES}
    if unknown:
        print(f"no such benchmark: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    results, failed = {}, []
    for name in BENCHES:
        script, *options = (HERE / name).as_posix().split(" ")  # a script, with options when given
        if not Path(script).exists() or (only and name.split(" ")[0] not in only):
            continue
        print(f"== {name}", flush=True)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, script, *options], capture_output=True, text=True)
        sys.stderr.write(proc.stderr[-4000:])
        lines = [line for line in proc.stdout.strip().splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            failed.append(name)
            print(proc.stdout[-4000:])
            continue
        results[name] = json.loads(lines[-1])
        print(json.dumps(results[name], indent=2, ensure_ascii=False))
        print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    (HERE.parent / "var").mkdir(exist_ok=True)
    (HERE.parent / "var" / "bench-results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
