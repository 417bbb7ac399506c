"""Vietnamese typed in the legacy 8-bit font encodings still found in office files.

Before Unicode, offices typed Vietnamese with fonts that drew Vietnamese letters in place of Latin-1 ones:
TCVN3 (the «ABC» fonts, .VnTime) and VNI (VNI-Times). A workbook saved that way holds «NguyÔn» (TCVN3) or
«Nguyeãn» (VNI) where the person meant «Nguyễn». Such text is never imported: `detect` names the encoding and what
the text would read once converted, so the office can convert the file (e.g. Unikey's converter) and try again.

Detection is a judgement about words: text is flagged when it has words no correct Vietnamese (or plain ASCII)
text has — characters outside the Vietnamese alphabet (¸ µ ª « ¬ ø ï ñ …), a Vietnamese capital inside a word
(«NguyÔn»), a plain vowel followed by a marked one that Vietnamese never writes («eã», «aù») — and the conversion
from one of the two encodings turns them into correct words. A quick regular expression lets ordinary text through
without that work.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# ---- the tables: each Vietnamese letter and how the legacy encodings spell it ----
# Order of each group: the base letter, then sắc (acute), huyền (grave), hỏi (hook), ngã (tilde), nặng (dot).
_UNICODE_GROUPS = ["aáàảãạ", "âấầẩẫậ", "ăắằẳẵặ", "eéèẻẽẹ", "êếềểễệ", "oóòỏõọ", "ôốồổỗộ", "ơớờởỡợ",
                   "uúùủũụ", "ưứừửữự", "iíìỉĩị", "yýỳỷỹỵ"]
# TCVN3 (ABC): one Latin-1 character per lower-case letter; capitals exist for the unmarked Ă Â Ê Ô Ơ Ư Đ only
# (marked capitals were typed with the lower-case codes in the capitals' font, .VnTimeH).
_TCVN3_GROUPS = ["a¸µ¶·¹", "©ÊÇÈÉË", "¨¾»¼½Æ", "eÐÌÎÏÑ", "ªÕÒÓÔÖ", "oãßáâä", "«èåæçé", "¬íêëìî",
                 "uóïñòô", "\u00adøõö÷ù", "iÝ×ØÜÞ", "yýúûüþ"]
_TCVN3_EXTRA = {"®": "đ", "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ"}
# VNI: the base letter followed by a mark character (ơ ư đ and the marked i are single characters)
_VNI_MARKS = ["", "ù", "ø", "û", "õ", "ï"]  # a e o u y + tone
_VNI_HAT = ["â", "á", "à", "å", "ã", "ä"]  # â ê ô (+ tone)
_VNI_BREVE = ["ê", "é", "è", "ú", "ü", "ë"]  # ă (+ tone)


def _tcvn3_table() -> dict[str, str]:
    table = dict(_TCVN3_EXTRA)
    for uni, legacy in zip(_UNICODE_GROUPS, _TCVN3_GROUPS):
        for u, l in zip(uni, legacy):
            if u != l:
                table[l] = u
    return table


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(base: str, marks: list[str], letters: str) -> None:
        for mark, letter in zip(marks, letters):
            if mark:
                table[base + mark] = letter
                table[base.upper() + mark.upper()] = letter.upper()
    for base, letters in (("a", "aáàảãạ"), ("e", "eéèẻẽẹ"), ("o", "oóòỏõọ"), ("u", "uúùủũụ"), ("y", "yýỳỷỹ")):
        add(base, _VNI_MARKS, letters)
    table["î"], table["Î"] = "ỵ", "Ỵ"
    for base, letters in (("a", "âấầẩẫậ"), ("e", "êếềểễệ"), ("o", "ôốồổỗộ")):
        add(base, _VNI_HAT, letters)
    add("a", _VNI_BREVE, "ăắằẳẵặ")
    for base, letters in (("ô", "ơớờởỡợ"), ("ö", "ưứừửữự")):  # ơ and ư are ô and ö in VNI
        table[base], table[base.upper()] = letters[0], letters[0].upper()
        add(base, _VNI_MARKS, letters)
    for legacy, letter in zip("íìæóò", "íìỉĩị"):
        table[legacy] = letter
        table[legacy.upper()] = letter.upper()
    table["ñ"], table["Ñ"] = "đ", "Đ"
    return table


TCVN3 = _tcvn3_table()
VNI = _vni_table()
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, VNI), key=len, reverse=True)))


def from_tcvn3(text: str) -> str:
    out = "".join(TCVN3.get(ch, ch) for ch in text)
    letters = [ch for ch in text if ch.isascii() and ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):  # typed in the capitals' font with lower-case codes
        out = out.upper()
    return out


def from_vni(text: str) -> str:
    return _VNI_PATTERN.sub(lambda m: VNI[m.group(0)], text)


# ---- what correct text looks like ----
_VIET_LOWER = "".join(_UNICODE_GROUPS) + "đ"
_VIET = set(_VIET_LOWER + _VIET_LOWER.upper())
_MARKED = set(ch for ch in _VIET if not ch.isascii())
_MARKED_LOWER = set(ch for ch in _VIET_LOWER if not ch.isascii())
_FAMILY = {ch: group[0] for group in _UNICODE_GROUPS for ch in group}  # each vowel → its unmarked letter
# which marked vowel may follow an unmarked one in a Vietnamese word («hoá», «quý», «tiến», «thuốc», «yến»)
_MAY_FOLLOW = {"o": set("aăe"), "u": set("aâăêôơy"), "i": set("ê"), "y": set("ê"), "q": set()}
# the characters only a legacy encoding puts in a word (outside the Vietnamese alphabet and Latin-1's letters a
# Vietnamese or English name uses)
_SIGNATURE = set("¸µ¶·¹©ÇÈËÆ¨¾»¼½ÐÎÏÑªÖßäÄ«åæçÅéë¬îïñøö÷×ØÜÞûüþ®¡¢£¤¥¦§\u00adÛÏÜË") - _VIET
_QUICK = re.compile(
    "[" + re.escape("".join(sorted(_SIGNATURE))) + "]"  # a legacy character
    + "|[a-zđ" + re.escape("".join(sorted(_MARKED_LOWER))) + "][" + re.escape("".join(sorted(
        ch for ch in _MARKED if ch.isupper()))) + "]"  # a Vietnamese capital inside a word
    + "|[aeAE][" + re.escape("".join(sorted(_MARKED))) + "]"  # «a», «e» never take a marked vowel after them
    + "|[uUyY][ùõÙÕ]"  # nor «u», «y» these (VNI's «uù», «yõ»)
    + "|[oO][" + re.escape("".join(sorted(ch for ch in _MARKED if _FAMILY.get(ch.lower()) not in ("a", "ă", "e"))))
    + "]")
# a word: letters, with the legacy encodings' symbols among them («C«ng», «H\u00ad¬ng», «§¹i»)
_WORD = re.compile("(?:[^\\W\\d_]|[\u00ad¸µ¶·¹©¨¾»¼½ª«¬®¡¢£¤¥¦§÷×])+")


# A Vietnamese syllable, its tone taken off: onset, vowels (with their glides), final consonant
_GLIDED = "ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu iêu yêu oai oay oao oeo uây uôi uyu ươi ươu".split()
_NUCLEI = "a ă â e ê i o ô ơ u ư y ia iê oa oă oe ua uâ uê uô uơ uy ưa ươ yê uya uyê".split() + _GLIDED
_SYLLABLE = re.compile("(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?("
                       + "|".join(sorted(_NUCLEI, key=len, reverse=True)) + ")(ch|nh|ng|[cmnpt])?")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_MODIFIED = set("ăâêôơư")
_EITHER = {"oa", "oe", "uy"}  # «hoà» and «hòa», «khoẻ» and «khỏe», «thuý» and «thúy» are both written


def _letters(word: str) -> tuple[str, int | None, int]:
    """The word's letters without tone marks, which letter carries the tone, and how many tones it has."""
    letters: list[str] = []
    tone_at, tones = None, 0
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tones += 1
            tone_at = len(letters) - 1
        elif unicodedata.combining(ch) and letters:
            letters[-1] += ch
        else:
            letters.append(ch)
    return "".join(unicodedata.normalize("NFC", x) for x in letters), tone_at, tones


def _vietnamese_word(word: str) -> bool:
    """A well-formed Vietnamese syllable: its letters, one tone at most and on the right vowel, a final consonant
    only where one may stand, capitals only at its start (or all capitals)."""
    if any(ch.isupper() for ch in word[1:]) and not word.isupper():
        return False
    bare, tone_at, tones = _letters(word)
    if tones > 1:
        return False
    m = _SYLLABLE.fullmatch(bare)
    if m is None:
        return False
    onset, nucleus, coda = m.group(1) or "", m.group(2), m.group(3) or ""
    if coda and nucleus in _GLIDED:
        return False
    if coda in ("ch", "nh") and nucleus[-1] not in "aêiy":
        return False
    if tone_at is None or len(nucleus) == 1:
        return True
    at = tone_at - len(onset)
    if not 0 <= at < len(nucleus):
        return False
    if _MODIFIED & set(nucleus):
        return nucleus[at] in _MODIFIED
    if nucleus in _EITHER:
        return True
    if len(nucleus) == 3:
        return at == 1
    return at == (1 if coda else 0)


def _bad_words(text: str) -> int:
    """Words with letters beyond ASCII that are not Vietnamese syllables («NguyÔn», «Nguyeãn», but also «Müller»)."""
    # a closing guillemet is a quote: in TCVN3 it is «ằ», which never ends a syllable
    words = (w.rstrip("»") for w in _WORD.findall(text))
    return sum(1 for w in words if not w.isascii() and any(ch.isalpha() for ch in w) and not _vietnamese_word(w))


@dataclass(frozen=True)
class Legacy:
    encoding: str  # "tcvn3" or "vni"
    converted: str  # what the text reads in Unicode


def detect(text: str) -> Legacy | None:
    """The legacy encoding `text` was typed in, with its reading, or None for ordinary text."""
    if text.isascii() or _QUICK.search(text) is None:
        return None
    bad = _bad_words(text)
    if not bad:
        return None
    best: Legacy | None = None
    best_bad = bad
    for encoding, convert in (("tcvn3", from_tcvn3), ("vni", from_vni)):
        converted = unicodedata.normalize("NFC", convert(text))
        if converted == text:
            continue
        left = _bad_words(converted)
        if left < best_bad:
            best, best_bad = Legacy(encoding, converted), left
    return best
