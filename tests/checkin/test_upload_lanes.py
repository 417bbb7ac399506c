"""An offline upload's lanes: the scans of one pass in the order they happened, different passes side by side."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from pathlib import Path

from domain.checkin.offline import OfflineScan, _lanes
from domain.invitations.passes import Keyring, encode_link, encode_pass, peek_invitation

T = datetime(2026, 12, 18, 1, 0, tzinfo=timezone.utc)


def test_peek_reads_the_invitation_of_a_pass_without_its_signature(tmp_path: Path) -> None:
    ring = Keyring.load_or_create(tmp_path)
    text = encode_pass(ring, 7, 4242, 3, 2)
    assert peek_invitation(text) == peek_invitation(text.lower()) == peek_invitation(f"  {text}\n") == 4242
    raw = bytearray(base64.b32decode(text[2:] + "=" * (-len(text[2:]) % 8)))
    raw[-1] ^= 1  # a forged signature: still grouped by the invitation it names (and refused by the check-in)
    assert peek_invitation("BP" + base64.b32encode(bytes(raw)).decode().rstrip("=")) == 4242
    assert peek_invitation(encode_link(ring, 4242, 1)) is None  # not a pass
    for garbage in ("", "BP", "BP!!!!", "hello", "BP" + "A" * 500, "BPAAAAAAAA"):
        assert peek_invitation(garbage) is None


def test_lanes_keep_each_pass_in_time_order(tmp_path: Path) -> None:
    ring = Keyring.load_or_create(tmp_path)
    a, b = encode_pass(ring, 7, 1, 3, 1), encode_pass(ring, 7, 2, 3, 1)
    a_again = encode_pass(ring, 7, 1, 3, 2)  # a reissued pass of the same invitation: the same lane
    minutes = [5, 1, 4, 2, 3, 0, 6]
    texts = [a, b, a_again, a, "garbage", b, "garbage"]
    scans = [OfflineScan(text, f"n{i}", T + timedelta(minutes=m), 3) for i, (text, m) in enumerate(zip(texts, minutes))]
    lanes = _lanes(scans)
    assert sorted(i for lane in lanes for i in lane) == list(range(len(scans)))  # each scan once
    by_first = {scans[lane[0]].text if scans[lane[0]].text != "garbage" else f"g{lane[0]}": lane for lane in lanes}
    assert by_first[a] == [3, 2, 0]  # minutes 2, 4, 5: invitation 1 in the order the scans happened
    assert by_first[b] == [5, 1]     # minutes 0, 1
    assert by_first["g4"] == [4] and by_first["g6"] == [6]  # a text that names no pass is a lane of its own
    for lane in lanes:
        times = [scans[i].scanned_at for i in lane]
        assert times == sorted(times)
