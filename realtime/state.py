"""A screen's copy of the live view, rebuilt from a snapshot plus the frames after it.

The server keeps one per conference (so a connecting screen costs no database read), the site agent keeps
one, and the tests compare one with the database.
"""
from __future__ import annotations

from typing import Any

from domain.live import COUNTS

from .protocol import ATTENDANCE, CONFERENCE, DEGRADED, SITE_STATUS, SITES, SNAPSHOT, SPEAKERS


class LiveState:
    def __init__(self, seq: int = 0, body: dict[str, Any] | None = None) -> None:
        self.seq = seq
        self.conference: dict[str, Any] | None = None
        self.agenda_item: dict[str, Any] | None = None
        self.sites: dict[int, dict[str, Any]] = {}
        self.totals: dict[str, int] = {}
        self.speakers: dict[str, Any] | None = None
        self.degraded = False  # the server said its live events may be late; a snapshot says whether still
        if body is not None:
            self._reset(body)

    def _reset(self, body: dict[str, Any]) -> None:
        self.conference, self.agenda_item = body.get("conference"), body.get("agenda_item")
        self.sites = {s["conference_site_id"]: dict(s) for s in body.get("sites", [])}
        self.totals = dict(body.get("totals") or {})
        self.speakers = body.get("speakers")

    def apply(self, frame: dict[str, Any]) -> None:
        """Apply one decoded frame; frames of unknown types are skipped (newer servers may add some)."""
        kind = frame.get("type")
        if kind == SNAPSHOT:
            self._reset(frame)
            self.degraded = bool(frame.get("degraded", False))
        elif kind == DEGRADED:
            self.degraded = bool(frame.get("degraded", True))
        elif kind == CONFERENCE:
            self.conference, self.agenda_item = frame["conference"], frame.get("agenda_item")
        elif kind == SITES:
            for entry in frame.get("sites", []):
                self.sites[entry["conference_site_id"]] = dict(entry)
            for gone in frame.get("removed", []):
                self.sites.pop(gone, None)
        elif kind in (ATTENDANCE, SITE_STATUS):
            for entry in frame.get("sites", []):
                if entry["conference_site_id"] in self.sites:
                    self.sites[entry["conference_site_id"]].update(entry)
        elif kind == SPEAKERS:
            self.speakers = frame["speakers"]
        if "totals" in frame:
            self.totals = dict(frame["totals"])
        if "seq" in frame:
            self.seq = max(self.seq, frame["seq"])

    def body(self) -> dict[str, Any]:
        """The snapshot body: what a screen needs to start from."""
        return {"conference": self.conference, "agenda_item": self.agenda_item,
                "sites": [self.sites[k] for k in sorted(self.sites)], "totals": self.totals, "speakers": self.speakers}

    def changes_to(self, newer: LiveState) -> list[dict[str, Any]]:
        """The frames (without seq) that turn a screen showing this state into one showing `newer`: the points
        added or changed beyond their counts in full (`sites`, with those removed), the points whose counts
        changed by the counts that changed (`attendance`, with the totals), the conference and the speakers when they
        differ. A screen applies them as it applies any frame; after a re-read in which little changed they are
        a small fraction of a snapshot."""
        frames: list[dict[str, Any]] = []
        full, counted = [], []
        for site_id, entry in newer.sites.items():
            before = self.sites.get(site_id)
            if before is None or any(before.get(k) != v for k, v in entry.items() if k not in COUNTS) \
                    or before.keys() - entry.keys():
                full.append(entry)
            elif changed := {k: entry[k] for k in COUNTS if k in entry and before.get(k) != entry[k]}:
                counted.append({"conference_site_id": site_id, **changed})
        removed = sorted(self.sites.keys() - newer.sites.keys())
        if full or removed:
            frames.append({"type": SITES, "sites": full, "removed": removed, "totals": newer.totals})
        if counted or (newer.totals != self.totals and not frames):
            frames.append({"type": ATTENDANCE, "sites": counted, "totals": newer.totals})
        if (self.conference, self.agenda_item) != (newer.conference, newer.agenda_item):
            frames.append({"type": CONFERENCE, "conference": newer.conference, "agenda_item": newer.agenda_item})
        if _timeless(self.speakers) != _timeless(newer.speakers):
            frames.append({"type": SPEAKERS, "speakers": newer.speakers})
        return frames


def _timeless(speakers: dict[str, Any] | None) -> dict[str, Any] | None:
    """The speakers state without the server's time when it was read (which always differs)."""
    return None if speakers is None else {k: v for k, v in speakers.items() if k != "server_time"}
