"""Names a person reads for the values of the model's enums (translated where shown)."""
from __future__ import annotations

from enum import Enum

from api.i18n import gettext
from domain.errors import N_

LABELS: dict[str, dict[str, str]] = {
    "status": {"draft": N_("Draft"), "scheduled": N_("Scheduled"), "live": N_("Live"), "ended": N_("Ended"),
               "cancelled": N_("Cancelled")},
    "kind": {"in_person": N_("In person"), "online": N_("Online"), "hybrid": N_("Hybrid")},
    "visibility": {"internal": N_("Internal"), "restricted": N_("Restricted")},
    "site_role": {"host": N_("Host hall"), "remote": N_("Remote point")},
    "invitation_role": {"chair": N_("Chair"), "presenter": N_("Presenter"), "delegate": N_("Delegate"),
                        "observer": N_("Observer")},
    "invitation_status": {"invited": N_("Invited"), "confirmed": N_("Confirmed"), "declined": N_("Declined"),
                          "substituted": N_("Substituted"), "cancelled": N_("Cancelled")},
    "agenda_kind": {"opening": N_("Opening"), "report": N_("Report"), "discussion": N_("Discussion"),
                    "speech": N_("Speech"), "break": N_("Break"), "conclusion": N_("Conclusion")},
    "role": {"admin": N_("Administrator"), "organizer": N_("Organizer"), "chair": N_("Chair"),
             "operator": N_("Operator"), "viewer": N_("Wall board")},
    "readiness": {"pending": N_("Not checked in"), "ready": N_("Ready")},
    "connection": {"unknown": N_("Unknown"), "connected": N_("Connected"), "lost": N_("Lost")},
    "mail_status": {"pending": N_("Queued"), "sending": N_("Sending"), "sent": N_("Sent"), "failed": N_("Failed")},
}


def label(kind: str, value: object) -> str:
    """The translated name of an enum value (`label("status", conf.status)`)."""
    raw = value.value if isinstance(value, Enum) else str(value)
    text = LABELS.get(kind, {}).get(raw)
    return gettext(text) if text else raw


def choices(kind: str) -> list[tuple[str, str]]:
    return [(value, gettext(text)) for value, text in LABELS[kind].items()]
