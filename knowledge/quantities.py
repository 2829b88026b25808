"""Terms and durations named in a question ("三年定期", "6个月", "90天") and whether a passage agrees.

A passage about the one-year rate does not answer a question about the three-year rate, however close
the words are; after fusion, candidates that name durations but none of the question's are ranked down.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cn2an

_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百]+)\s*(个月|個月|年期|年|天)(?!\d)")
_UNIT = {"个月": "month", "個月": "month", "年期": "year", "年": "year", "天": "day"}
MISMATCH_FACTOR = 0.8


def _value(text: str) -> float | None:
    if text[0].isdigit():
        return float(text)
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError):
        return None


@lru_cache(maxsize=8192)
def durations(text: str) -> frozenset[tuple[float, str]]:
    """The (amount, unit) durations a text names; a bare year such as 2026年 is not a duration."""
    found: set[tuple[float, str]] = set()
    for number, unit in _DURATION.findall(text):
        value = _value(number)
        if value is None or (unit == "年" and value >= 100):
            continue
        found.add((value, _UNIT[unit]))
    return frozenset(found)


def disagrees(question: frozenset[tuple[float, str]], passage: str) -> bool:
    """True when the passage names durations of the question's units, but none the question names."""
    if not question:
        return False
    units = {unit for _, unit in question}
    named = {d for d in durations(passage) if d[1] in units}
    return bool(named) and not (named & question)
