"""Mandarin visemes from pinyin: the initial gives the lips' or tongue's consonant shape, the final
the vowel shape(s). pypinyin carries its own dictionary, so this works offline on any text."""

from __future__ import annotations

import re
from functools import lru_cache

from avatar.lipsync.visemes import Unit

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

INITIALS: dict[str, str | None] = {
    "b": "M", "p": "M", "m": "M",
    "f": "F",
    "d": "L", "t": "L", "n": "L", "l": "L",
    "z": "S", "c": "S", "s": "S", "zh": "S", "ch": "S", "sh": "S", "j": "S", "q": "S", "x": "S",
    "r": "R",
    "g": None, "k": None, "h": None,  # velars: the mouth already takes the vowel's shape
}  # fmt: skip

# pypinyin finals (strict): v = ü. Diphthongs give two shapes; the nucleus comes first when it dominates.
FINALS: dict[str, tuple[str, ...]] = {
    "a": ("A",), "o": ("O",), "e": ("E",), "ai": ("A", "I"), "ei": ("E", "I"), "ao": ("A", "U"),
    "ou": ("O", "U"), "an": ("A",), "en": ("E",), "ang": ("A",), "eng": ("E",), "ong": ("O",),
    "er": ("R",), "i": ("I",), "ia": ("I", "A"), "ie": ("I", "E"), "iao": ("I", "A", "U"),
    "iou": ("I", "O", "U"), "iu": ("I", "O", "U"), "ian": ("I", "E"), "in": ("I",), "iang": ("I", "A"),
    "ing": ("I",), "iong": ("I", "O"), "u": ("U",), "ua": ("U", "A"), "uo": ("U", "O"),
    "uai": ("U", "A", "I"), "uei": ("U", "E", "I"), "ui": ("U", "E", "I"), "uan": ("U", "A"),
    "uen": ("U", "E"), "un": ("U", "E"), "uang": ("U", "A"), "ueng": ("U", "E"), "v": ("U",),
    "ve": ("U", "E"), "ue": ("U", "E"), "van": ("U", "E"), "vn": ("U",), "n": ("M",), "ng": ("M",),
    "m": ("M",),
}  # fmt: skip


def syllable_visemes(initial: str, final: str) -> tuple[str, ...]:
    """Visemes of one pinyin syllable given as pypinyin's strict initial and final."""
    shapes: list[str] = []
    first = INITIALS.get(initial)
    if first is not None:
        shapes.append(first)
    vowel = FINALS.get(final)
    if vowel is None:  # an unknown final: guess by its first vowel letter
        vowel = next((FINALS[c] for c in final if c in "aoeiuv"), ("E",))
    shapes.extend(vowel)
    return tuple(shapes) or ("E",)


@lru_cache(maxsize=4096)
def char_visemes(char: str) -> tuple[str, ...]:
    """Visemes of one Chinese character (its most common reading)."""
    from pypinyin import Style, lazy_pinyin

    initial = lazy_pinyin(char, style=Style.INITIALS, strict=True)[0]
    final = (
        lazy_pinyin(char, style=Style.FINALS, strict=True)[0] or lazy_pinyin(char, style=Style.FINALS, strict=False)[0]
    )
    return syllable_visemes(initial, final)


def mandarin_units(text: str) -> list[Unit]:
    """One unit per Chinese character, in order; everything else is skipped (the caller handles Latin).

    Readings are taken per phrase (pypinyin's phrase dictionary resolves most polyphones, 银行 -> hang)."""
    from pypinyin import Style, lazy_pinyin

    units: list[Unit] = []
    for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text):
        initials = lazy_pinyin(run, style=Style.INITIALS, strict=True)
        finals = lazy_pinyin(run, style=Style.FINALS, strict=True)
        if len(initials) != len(run) or len(finals) != len(run):
            units.extend(Unit(c, char_visemes(c)) for c in run)
            continue
        for char, ini, fin in zip(run, initials, finals, strict=True):
            shapes = syllable_visemes(ini, fin) if fin else char_visemes(char)
            units.append(Unit(char, shapes))
    return units


def is_han(char: str) -> bool:
    return bool(_HAN.fullmatch(char))
