"""Numbers as people say and write them: 一万二, 两千五, 3千, 1.5万, 3k, 5,000, "five thousand".

Chinese numerals go to cn2an (its "smart" mode reads mixed forms such as 1.5万 and the colloquial
一万二 = 12000); English number words are read here (no maintained library covers them that is
already a dependency, and the grammar needed is small).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

# Digits spoken one by one (phone, card tail): 一三八, 幺三八 -> 138. Runs of 4+ only, so that
# quantities such as 三五天 are left alone; 两 is a quantity word, never a spelled digit.
_SPELLED_DIGITS = re.compile(r"[零〇幺一二三四五六七八九]{4,}")
_DIGIT_OF = str.maketrans("零〇幺一二三四五六七八九", "001123456789")

CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"

_EN_UNITS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"hundred": 100, "thousand": 1000, "k": 1000, "million": 1_000_000, "m": 1_000_000}
EN_NUMBER_WORDS = sorted(set(_EN_UNITS) | set(_EN_SCALES) - {"a", "an", "k", "m"}, key=len, reverse=True)


def spell_out_digits(text: str) -> str:
    """Replace runs of digits spoken one by one with Arabic digits (same length, so spans hold)."""
    return _SPELLED_DIGITS.sub(lambda m: m.group().translate(_DIGIT_OF), text)


def parse_chinese_number(text: str) -> Decimal | None:
    """一万二 -> 12000, 两千五百 -> 2500, 1.5万 -> 15000, 3千 -> 3000; None if it is not a number."""
    text = text.strip()
    if not text:
        return None
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def parse_arabic_number(text: str) -> Decimal | None:
    """5,000 / 5000.50 / 1.5 -> Decimal; None when malformed."""
    try:
        return Decimal(text.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None


def parse_english_number(words: str) -> Decimal | None:
    """ "five thousand" -> 5000, "twenty-five hundred" -> 2500, "2 thousand" -> 2000, "1.5 million"."""
    tokens = [t for t in re.split(r"[\s\-]+", words.lower().strip()) if t and t != "and"]
    if not tokens:
        return None
    total = Decimal(0)
    current = Decimal(0)
    seen = False
    for token in tokens:
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            current += Decimal(token)
        elif token in _EN_UNITS:
            current += _EN_UNITS[token]
        elif token in _EN_SCALES:
            scale = _EN_SCALES[token]
            current = (current or Decimal(1)) * scale
            if scale >= 1000:
                total += current
                current = Decimal(0)
        else:
            return None
        seen = True
    return total + current if seen else None
