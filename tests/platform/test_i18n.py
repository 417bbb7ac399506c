"""Every message a person reads exists in Vietnamese (English is the source language)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from api import i18n
from domain.errors import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> dict[str, list[str]]:
    """msgid → where it is used, from the same mapping `make messages` uses (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def test_every_message_has_a_vietnamese_translation() -> None:
    messages = extracted()
    assert len(messages) > 100, "extraction found too little: check babel.cfg"
    catalog = i18n.catalog("vi")
    missing = {m: where[0] for m, where in messages.items() if not catalog.get(m) or not catalog.get(m).string}
    assert not missing, "messages without a Vietnamese translation (add them to domain/locales/vi/*.po):\n" + "\n".join(
        f"  {where}: {m!r}" for m, where in sorted(missing.items(), key=lambda kv: kv[1]))


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in i18n.catalog("vi"):
        if message.id and message.string and isinstance(message.id, str):
            assert set(placeholder.findall(message.id)) == set(placeholder.findall(message.string)), message.id


def test_every_error_code_in_the_code_is_registered_with_a_message() -> None:
    sources = subprocess.run(["git", "ls-files", "domain", "api", "realtime"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    used = set()
    for name in sources:
        if name.endswith(".py"):
            used |= set(re.findall(r'code="([a-z_]+)"', (ROOT / name).read_text()))
    assert used - set(MESSAGES) == set()


def test_a_message_is_translated_by_the_request_locale() -> None:
    i18n.set_locale("vi")
    assert i18n.gettext("Sign in") == "Đăng nhập"
    i18n.set_locale("en")
    assert i18n.gettext("Sign in") == "Sign in"
    i18n.set_locale("vi")


def test_accept_language_picks_our_best_language() -> None:
    assert i18n.negotiate("en-US,en;q=0.9,vi;q=0.8") == "en"
    assert i18n.negotiate("fr-FR, vi;q=0.5") == "vi"
    assert i18n.negotiate("fr") is None
    assert i18n.negotiate("en;q=bad, vi") == "vi"


def test_one_message_has_one_vietnamese_wording_across_the_catalogs() -> None:
    """The catalogs of every area are merged (the last file wins), so a msgid translated two ways in two files
    shows whichever file happens to load last: every catalog must give it the same Vietnamese."""
    from babel.messages.pofile import read_po

    wordings: dict[str, dict[object, list[str]]] = {}
    for po in sorted((ROOT / "domain" / "locales" / "vi").glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f, locale="vi"):
                if message.id and message.string:
                    wordings.setdefault(str(message.id), {}).setdefault(message.string, []).append(po.name)
    different = {m: w for m, w in wordings.items() if len(w) > 1}
    assert not different, "one message, several translations (make them the same in every file):\n" + "\n".join(
        f"  {m!r}: " + "; ".join(f"{t!r} in {', '.join(files)}" for t, files in w.items())
        for m, w in sorted(different.items()))
