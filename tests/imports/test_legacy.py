"""Legacy Vietnamese encodings (TCVN3/ABC, VNI) found and read; correct text and foreign names left alone; the fast
folding of the import agrees with the registry's."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from domain.imports.folding import fast_fold, fast_search_text
from domain.imports.legacy import detect, from_tcvn3, from_vni
from domain.registry.delegates import _search as delegate_search
from domain.text import fold, search_text

ROOT = Path(__file__).resolve().parents[2]

LEGACY = [
    ("NguyÔn V¨n An", "tcvn3", "Nguyễn Văn An"),
    ("Lª Huy VÞnh", "tcvn3", "Lê Huy Vịnh"),
    ("§¹i t¸", "tcvn3", "Đại tá"),
    ("Bé Quèc phßng", "tcvn3", "Bộ Quốc phòng"),
    ("Ph¹m ThÞ H\u00ad¬ng", "tcvn3", "Phạm Thị Hương"),
    ("TrÇn §øc Th¾ng", "tcvn3", "Trần Đức Thắng"),
    ("Qu©n khu 3", "tcvn3", "Quân khu 3"),
    ("NGUYÔN V¡N AN", "tcvn3", "NGUYỄN VĂN AN"),
    ("Nguyeãn Vaên An", "vni", "Nguyễn Văn An"),
    ("Leâ Huy Vònh", "vni", "Lê Huy Vịnh"),
    ("Ñaïi taù", "vni", "Đại tá"),
    ("Boä Quoác phoøng", "vni", "Bộ Quốc phòng"),
    ("Phaïm Thò Höông", "vni", "Phạm Thị Hương"),
    ("Traàn Ñöùc Thaéng", "vni", "Trần Đức Thắng"),
    ("Chuaån ñoâ ñoác", "vni", "Chuẩn đô đốc"),
    ("NGUYEÃN VAÊN AN", "vni", "NGUYỄN VĂN AN"),
]
CORRECT = ["Nguyễn Văn An", "Thượng tướng", "Hoá học", "Khoẻ", "Thuý", "Quyết", "Khuỷu", "ngoằn ngoèo", "Giữa",
           "Người", "Trưởng phòng", "Unit «Quân khu 3»", "Müller", "José Muñoz", "François", "Åsa", "iPhone",
           "Phó Chủ nhiệm Tổng cục Chính trị", "Đại tá, Phó Cục trưởng", "", "QK3-PTM", "an.nv@qk3.vn"]


@pytest.mark.parametrize("text,encoding,reading", LEGACY)
def test_legacy_text_is_found_with_its_reading(text: str, encoding: str, reading: str) -> None:
    found = detect(text)
    assert found is not None and (found.encoding, found.converted) == (encoding, reading)


def test_the_tables_read_the_issues_example() -> None:
    assert from_tcvn3("NguyÔn") == "Nguyễn" and from_vni("Nguyeãn") == "Nguyễn"


def test_correct_text_is_never_flagged() -> None:
    """Nor any string of the demo, the catalogs or the registry's names."""
    assert [t for t in CORRECT if detect(t)] == []
    corpus = (ROOT / "domain" / "demo" / "standard.py").read_text()
    for po in (ROOT / "domain" / "locales" / "vi").glob("*.po"):
        corpus += po.read_text()
    strings = set(re.findall(r'"([^"\n]*[^\x00-\x7f][^"\n]*)"', corpus))
    assert len(strings) > 500
    assert [s for s in strings if detect(s)] == []


def test_the_fast_folding_is_the_registrys() -> None:
    rng = random.Random(14)
    alphabet = [chr(c) for c in [*range(0x20, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00), 0x3B1, 0x416,
                                 0x4E2D, 0xA0, 0x2003]]
    for _ in range(20_000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
        assert fast_fold(s) == fold(s), repr(s)
    for name, email in (("Nguyễn Văn Định", "Dinh.NV@QK3.vn"), ("Đỗ Thị Hà", ""), ("ĐẶNG  Văn  Ánh", "a@b.c")):
        assert fast_search_text(name, email) == search_text(name, email)
        assert fast_search_text(name, email) == delegate_search(type("D", (), {"full_name": name, "email": email}))
