"""Chinese text helpers: Traditional -> Simplified, tidy spacing, and the normalisation used for scoring."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}，。！？、；：])\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+(?=[，。！？、；：])")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Whisper often answers Mandarin in Traditional characters; the kiosk and NLU want Simplified."""
    return _t2s().convert(text) if text else text


def tidy(text: str) -> str:
    """Collapse whitespace and drop spaces whisper puts between Chinese characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


def has_cjk(text: str) -> bool:
    return re.search(f"[{_CJK}]", text) is not None


def normalize_for_scoring(text: str) -> str:
    """Lower case, Simplified, no punctuation, single spaces: what CER/WER compare."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" and ch != "'" else ch for ch in text)
    text = text.replace("'", "")
    return re.sub(r"\s+", " ", text).strip()
