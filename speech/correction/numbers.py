"""Numbers for the NLU: Chinese numerals -> digits, only where they clearly are numbers.

Conservative on purpose: "一下", "一定", "十分", "三心二意" stay as they are. Converted are
- amounts: a numeral run followed by a currency unit (五千元, 两万块, 三点五万元, 一百美元);
- percentages: 百分之三点五 -> 3.5%, 百分之零点一零 -> 0.10% (decimals keep every digit said);
- digit strings read one by one (尾号一二三四, 幺三八...): four or more digits in a row;
- half hours whisper writes as decimals in a range of clock times: 9.5至16点 -> 9点半至16点.
"""

from __future__ import annotations

import re

import cn2an

_NUM = "零〇一二两三四五六七八九十百千万亿点"
_UNITS = "元|块钱|块|圆|美元|欧元|日元|英镑|港币|港元|人民币"
_AMOUNT = re.compile(rf"([{_NUM}]+)(?=(?:{_UNITS})(?!儿))")
_PERCENT = re.compile(rf"百分之([{_NUM}]+)")
_DIGITS = {"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
           "八": "8", "九": "9"}  # fmt: skip
_DIGIT_RUN = re.compile(f"[{''.join(_DIGITS)}]{{4,}}")
# 九点半至十六点 comes back as 9.5至16点: a half hour, where the range ends on a clock time (N点)
_HALF_HOUR = re.compile(r"(?<![\d.])([01]?\d|2[0-4])\.5(?=\s*(?:至|到|~|～|-|—)\s*(?:[01]?\d|2[0-4])(?:点|:|：))")


def _to_number(numeral: str) -> str | None:
    if numeral.startswith("点") or numeral.endswith("点") or numeral.count("点") > 1:
        return None
    scale = 1
    if "点" in numeral and numeral.endswith(("万", "亿")) and len(numeral) > 1:
        scale = 10_000 if numeral.endswith("万") else 100_000_000  # 三点五万 = 3.5 x 10^4
        numeral = numeral[:-1]
    elif "点" in numeral:
        # decimals keep every digit said: 零点一零 is how 0.10% is read, and 0.1% would drop a digit
        whole, frac = numeral.split("点")
        whole_value = _to_number(whole)
        if whole_value is not None and all(c in _DIGITS for c in frac):
            return whole_value + "." + "".join(_DIGITS[c] for c in frac)
    try:
        value = cn2an.cn2an(numeral, "smart") * scale
    except (ValueError, KeyError, TypeError):
        return None
    if isinstance(value, float):
        value = round(value, 6)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _amount(match: re.Match[str]) -> str:
    numeral = match.group(1)
    if numeral in ("一", "两") and match.string[match.end() : match.end() + 1] == "块" and _is_piece(match):
        return numeral
    return _to_number(numeral) or numeral


def _is_piece(match: re.Match[str]) -> bool:
    """ "一块" is also "a piece of"/"together" (一块蛋糕, 一块去): only money when 钱/money words follow."""
    tail = match.string[match.end() + 1 : match.end() + 2]
    return tail not in ("钱", "", "，", "。", "？", "！")


def normalize_numbers(text: str) -> str:
    """Rewrite amounts, percentages and spelled-out digit strings as digits; leave everything else."""
    text = _PERCENT.sub(lambda m: f"{_to_number(m.group(1))}%" if _to_number(m.group(1)) else m.group(0), text)
    text = _AMOUNT.sub(_amount, text)
    text = _DIGIT_RUN.sub(lambda m: "".join(_DIGITS[c] for c in m.group(0)), text)
    return _HALF_HOUR.sub(r"\1点半", text)
