"""The desk's offline rules in JavaScript (api/static/js/desk-rules.js) against the server's (domain/checkin/rules.py):
the same outcome codes, and the same outcome for every combination a kit can describe, run with node."""
from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from api.schemas.checkin import CheckInOut
from domain.checkin import rules
from domain.models import ConferenceStatus, InvitationStatus

ROOT = Path(__file__).resolve().parents[2]
RULES_JS = ROOT / "api" / "static" / "js" / "desk-rules.js"
DESK, OTHER = 2, 3
STARTS = datetime(2026, 12, 18, 1, 0, tzinfo=timezone.utc)
ENDS = STARTS + timedelta(hours=3)
OPENS_BEFORE = timedelta(minutes=120)


def _js_constants() -> dict[str, str]:
    return dict(re.findall(r'export const ([A-Z_]+) = "([a-z_]+)";', RULES_JS.read_text()))


def test_the_js_outcome_codes_are_the_servers() -> None:
    js = _js_constants()
    server = {name: getattr(rules, name) for name in
              ("OK", "ALREADY", "WRONG_SITE", "REVOKED", "INVALID", "NOT_OPEN", "ENDED", "NOT_IN", "OUT_OF_RANGE")}
    assert js == server
    answered = set(typing.get_args(typing.get_type_hints(CheckInOut)["result"]))
    listed = re.search(r"export const OUTCOMES = \[([^\]]*)\]", RULES_JS.read_text())
    assert listed
    outcomes = {js[name.strip()] for name in listed.group(1).split(",")}
    assert outcomes | {rules.OUT_OF_RANGE} == answered | {rules.OUT_OF_RANGE}
    assert set(rules.MESSAGES) == set(js.values())
    # every outcome has a colour and a sound class on the page
    class_of = re.search(r"export const CLASS_OF = \{(.*?)\};", RULES_JS.read_text(), re.S)
    assert class_of and set(re.findall(r"\[([A-Z_]+)\]", class_of.group(1))) == set(js)


def _cases() -> list[dict[str, Any]]:
    at_of = {"before_open": STARTS - OPENS_BEFORE - timedelta(minutes=1), "open": STARTS - timedelta(minutes=30),
             "started": STARTS + timedelta(minutes=10), "after_end": ENDS + timedelta(minutes=5)}
    cases = []
    for seat, version, status, when, direction, present, organizer in itertools.product(
            ("here", "elsewhere", "cancelled"), (1, 2), ("draft", "scheduled", "live", "ended", "cancelled"),
            at_of, ("in", "out"), (False, True), (False, True)):
        if seat == "elsewhere" and not organizer and version != 2:
            continue  # a pass of another point's roster: the operator's kit cannot know its version
        cases.append({"seat": seat, "pass_version": version, "status": status, "at": at_of[when].isoformat(),
                      "direction": direction, "present": present, "organizer": organizer})
    return cases


def _kit(case: dict[str, Any]) -> dict[str, Any]:
    """The kit an operator of DESK (or an organizer: every point's roster) would hold for this case."""
    roster, revoked = [], []
    if case["seat"] == "here":
        roster.append({"invitation_id": 7, "conference_site_id": DESK, "pass_version": 2})
    elif case["seat"] == "elsewhere" and case["organizer"]:
        roster.append({"invitation_id": 7, "conference_site_id": OTHER, "pass_version": 2})
    elif case["seat"] == "cancelled":
        revoked.append({"invitation_id": 7, "conference_site_id": DESK, "status": "cancelled"})
    return {"conference": {"status": case["status"], "starts_at": STARTS.isoformat(), "ends_at": ENDS.isoformat(),
                           "checkin_opens_at": (STARTS - OPENS_BEFORE).isoformat()},
            "roster": roster, "revoked": revoked}


def _server(case: dict[str, Any]) -> str:
    row = SimpleNamespace(
        inv_id=7, inv_status=InvitationStatus.cancelled if case["seat"] == "cancelled" else InvitationStatus.confirmed,
        pass_version=2, status=ConferenceStatus(case["status"]), starts_at=STARTS, ends_at=ENDS,
        home_cs_id=DESK if case["seat"] != "elsewhere" else OTHER, present=case["present"])
    return rules.decide(row, conference_site_id=DESK, direction=case["direction"], walk_in=False, offline=True,
                        pass_version=case["pass_version"], at=datetime.fromisoformat(case["at"]),
                        opens_before=OPENS_BEFORE)


RUNNER = """
import { decide } from "./desk-rules.mjs";
const cases = JSON.parse(await new Promise((resolve) => {
  let data = ""; process.stdin.on("data", (c) => { data += c; }); process.stdin.on("end", () => resolve(data));
}));
process.stdout.write(JSON.stringify(cases.map(({kit, c}) => decide(kit, {invitation_id: 7, version: c.pass_version},
  {conferenceSiteId: 2, direction: c.direction, at: Date.parse(c.at), present: () => c.present}))));
"""


def test_the_js_rules_decide_as_the_server_for_every_case_a_kit_can_describe(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make static installs it)")
    shutil.copy(RULES_JS, tmp_path / "desk-rules.mjs")
    (tmp_path / "run.mjs").write_text(RUNNER)
    cases = _cases()
    done = subprocess.run([node, "run.mjs"], cwd=tmp_path, input=json.dumps([{"kit": _kit(c), "c": c} for c in cases]),
                          capture_output=True, text=True, timeout=60, check=True)
    js = json.loads(done.stdout)
    differ = [(c, outcome, _server(c)) for c, outcome in zip(cases, js) if outcome != _server(c)]
    assert not differ, differ[:5]
    assert len(set(js)) >= 7  # the table really covers the outcomes
