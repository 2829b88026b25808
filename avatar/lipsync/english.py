"""English visemes: from espeak-ng's ASCII phonemes (`espeak-ng -x`) when available, else from
spelling rules. Both are approximations of the mouth, not of the sound, which is all an avatar needs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable

from avatar.lipsync.visemes import VOWELS, Unit

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|\d+")

Phonemizer = Callable[[list[str]], list[str] | None]
"""Words in, one phoneme string per word out (None when it cannot keep words apart)."""

# espeak-ng -x (Kirshenbaum-like ASCII). Two-character symbols are tried first.
_PHONEMES: dict[str, str | None] = {
    "aI": "A", "aU": "A", "eI": "E", "oU": "O", "OI": "O", "tS": "S", "dZ": "S", "3:": "R", "i:": "I",
    "u:": "U", "A:": "A", "O:": "O", "e@": "E", "i@": "I", "U@": "U", "a#": "A", "@L": "L", "aa": "A",
    "p": "M", "b": "M", "m": "M", "f": "F", "v": "F", "T": "L", "D": "L", "t": "L", "d": "L", "n": "L",
    "l": "L", "s": "S", "z": "S", "S": "S", "Z": "S", "r": "R", "w": "U", "j": "I", "k": None, "g": None,
    "N": None, "h": None, "x": None, "a": "A", "A": "A", "V": "A", "@": "E", "3": "R", "E": "E", "e": "E",
    "I": "I", "i": "I", "O": "O", "0": "O", "o": "O", "U": "U", "u": "U",
}  # fmt: skip
_SKIP = set("'`,:;_|!2$%=-#^")

_DIGRAPHS: dict[str, tuple[str, ...]] = {
    "th": ("L",), "sh": ("S",), "ch": ("S",), "ph": ("F",), "wh": ("U",), "ck": (), "ng": (), "gh": (),
    "qu": ("U",), "oo": ("U",), "ee": ("I",), "ea": ("I",), "ou": ("A", "U"), "ow": ("O", "U"),
    "ai": ("E", "I"), "ay": ("E", "I"), "oi": ("O", "I"), "oy": ("O", "I"), "au": ("O",), "aw": ("O",),
    "er": ("R",), "ir": ("R",), "ur": ("R",), "ie": ("I",), "oa": ("O",),
}  # fmt: skip
_LETTERS: dict[str, tuple[str, ...]] = {
    "a": ("A",), "e": ("E",), "i": ("I",), "o": ("O",), "u": ("U",), "y": ("I",), "b": ("M",), "p": ("M",),
    "m": ("M",), "f": ("F",), "v": ("F",), "t": ("L",), "d": ("L",), "n": ("L",), "l": ("L",), "s": ("S",),
    "z": ("S",), "c": ("S",), "j": ("S",), "x": ("S",), "r": ("R",), "w": ("U",), "k": (), "g": (), "h": (),
    "q": (),
}  # fmt: skip
_SPELLED = {  # letters read out one by one (ATM, APP, ETC)
    "a": ("E", "I"), "b": ("M", "I"), "c": ("S", "I"), "d": ("L", "I"), "e": ("I",), "f": ("E", "F"),
    "g": ("S", "I"), "h": ("E", "S"), "i": ("A", "I"), "j": ("S", "E"), "k": ("E", "I"), "l": ("E", "L"),
    "m": ("E", "M"), "n": ("E", "L"), "o": ("O", "U"), "p": ("M", "I"), "q": ("U",), "r": ("A", "R"),
    "s": ("E", "S"), "t": ("L", "I"), "u": ("I", "U"), "v": ("F", "I"), "w": ("L", "A", "U"), "x": ("E", "S"),
    "y": ("U", "A", "I"), "z": ("S", "I"),
}  # fmt: skip


def phonemes_to_visemes(phonemes: str) -> tuple[str, ...]:
    """'tr'ansf3:' -> ('L', 'R', 'A', 'L', 'S', 'F', 'R'); stress and length marks are ignored."""
    out: list[str] = []
    i = 0
    while i < len(phonemes):
        if phonemes[i] in _SKIP or phonemes[i].isspace():
            i += 1
            continue
        pair = phonemes[i : i + 2]
        if len(pair) == 2 and pair in _PHONEMES:
            shape, i = _PHONEMES[pair], i + 2
        else:
            shape, i = _PHONEMES.get(phonemes[i]), i + 1
        if shape is not None and (not out or out[-1] != shape):
            out.append(shape)
    return tuple(out)


def spelling_visemes(word: str) -> tuple[str, ...]:
    """Letter rules for a word: digraphs first, a silent final e, capitals-only words spelled out."""
    if word.isupper() and 1 < len(word) <= 5:
        return tuple(v for letter in word.lower() for v in _SPELLED.get(letter, ()))
    lower = word.lower().replace("’", "'").replace("'", "")
    if len(lower) > 2 and lower.endswith("e") and lower[-2] not in "aeiou":
        lower = lower[:-1]
    out: list[str] = []
    i = 0
    while i < len(lower):
        pair = lower[i : i + 2]
        if len(pair) == 2 and pair in _DIGRAPHS:
            shapes, i = _DIGRAPHS[pair], i + 2
        else:
            shapes, i = _LETTERS.get(lower[i], ()), i + 1
        for shape in shapes:
            if not out or out[-1] != shape:
                out.append(shape)
    return tuple(out) or ("E",)


def syllable_count(visemes: tuple[str, ...]) -> int:
    """Vowel groups: how many beats a word takes (at least one)."""
    count, previous = 0, False
    for shape in visemes:
        vowel = shape in VOWELS
        if vowel and not previous:
            count += 1
        previous = vowel
    return max(1, count)


def english_units(text: str, phonemize: Phonemizer | None = None) -> list[Unit]:
    """One unit per word (digits count as a word) in order; phonemes when `phonemize` keeps words apart."""
    words = WORD.findall(text)
    if not words:
        return []
    phonemes = phonemize(words) if phonemize is not None else None
    units: list[Unit] = []
    for index, word in enumerate(words):
        shapes = phonemes_to_visemes(phonemes[index]) if phonemes is not None else ()
        shapes = shapes or spelling_visemes(word)
        units.append(Unit(word, shapes, syllable_count(shapes)))
    return units


def espeak_phonemizer(voice: str = "en-us", binary: str = "espeak-ng", timeout_s: float = 2.0) -> Phonemizer | None:
    """A phonemizer over the espeak-ng CLI, or None when it is not installed (spelling rules then).

    espeak-ng may join short words ("of the"); when its word count differs, the caller falls back."""
    exe = shutil.which(binary)
    if exe is None:
        return None

    def phonemize(words: list[str]) -> list[str] | None:
        try:
            done = subprocess.run(  # noqa: S603 - fixed binary; text goes on stdin, never as an option
                [exe, "-v", voice, "-x", "-q", "--stdin"],
                input=" ".join(words).encode("utf-8"),
                capture_output=True,
                timeout=timeout_s,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        tokens = done.stdout.decode("utf-8", errors="replace").split()
        return tokens if done.returncode == 0 and len(tokens) == len(words) else None

    return phonemize
