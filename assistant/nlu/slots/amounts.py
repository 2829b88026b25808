"""Money amounts in every way customers say them.

五千块, 一万二, 两千五百元, 一块五, 3k, 5w, ¥5,000, 5万, 五万块钱, 1.5万, US$200, 500 USD,
"five thousand yuan", "2 thousand dollars".

A number is only an amount when something says so: a currency word or sign, a magnitude (千/万/k),
or a money verb just before it (转/存/取/transfer...). Numbers followed by 个月, 年, 点, 号, 天...
are terms, dates and times, and rough figures (一百多, 两三千) are ambiguous: they are not returned,
so the conversation asks for the exact amount instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from assistant.nlu.data import load_currencies
from assistant.nlu.slots.numbers import EN_NUMBER_WORDS, parse_chinese_number, parse_english_number
from assistant.nlu.slots.surnames import COMMONEST_SURNAMES


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str | None  # ISO code when said (元/块 -> CNY); None when only a number was given
    text: str
    start: int
    end: int


_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_RUN = re.compile(
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|[{_CN_DIGITS}])(?:\.\d+|[\d{_CN_DIGITS}]|点[{_CN_DIGITS}\d])*(?:\s?[kKwW](?![A-Za-z]))?"
)
_MAGNITUDE = re.compile(r"[千万亿百佰仟kKwW]")
# What may follow a number that is not money.
_NOT_MONEY_AFTER = re.compile(
    r"^\s*(?:个|年|月|日|号|点|时|天|分|秒|岁|人|位|次|张|笔|楼|层|小时|周|星期|礼拜|%|折|倍|期|号码|位数|"
    r"多|来|几|余|左右|(?:am|pm|a\.m|p\.m|days?|months?|years?|weeks?|hours?|minutes?|people|times|%)\b)",
    re.IGNORECASE,
)
_MONEY_VERB = re.compile(
    r"(转|存|取|汇|换|买|借|贷|付|交|缴|还|提|打|金额|额度|amount|transfer|deposit|withdraw|send|pay|borrow|exchange|"
    r"buy|remit|wire|invest|put|take out)[^,，。.!?！？]{0,14}$",
    re.IGNORECASE,
)
_ROUGH = re.compile(r"(?:一二|两三|二三|三四|四五|五六|六七|七八|八九)[十百千万]")
_TENTHS_AFTER_KUAI = re.compile(r"^[一二三四五六七八九1-9](?![\d千万百十])")


@lru_cache(maxsize=1)
def _units() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(suffix words, prefix signs/codes) -> currency code, longest first so 港元 wins over 元."""
    suffixes: list[tuple[str, str]] = []
    prefixes: list[tuple[str, str]] = []
    for code, currency in load_currencies().items():
        for name in currency.names:
            suffixes.append((name.lower(), code))
        for sign in currency.symbols:
            prefixes.append((sign.lower(), code))
        prefixes.append((code.lower(), code))
    suffixes.sort(key=lambda p: -len(p[0]))
    prefixes.sort(key=lambda p: -len(p[0]))
    return suffixes, prefixes


def _suffix_unit(text: str, pos: int) -> tuple[str, int] | None:
    lowered = text[pos : pos + 24].lower()
    stripped = lowered.lstrip()
    gap = len(lowered) - len(stripped)
    for name, code in _units()[0]:
        if stripped.startswith(name):
            end = pos + gap + len(name)
            if name.isascii() and end < len(text) and text[end].isalpha():
                continue  # "yen" inside "yesterday" and the like
            return code, end
    return None


def _prefix_unit(text: str, pos: int) -> tuple[str, int] | None:
    before = text[max(0, pos - 6) : pos].lower().rstrip()
    for sign, code in _units()[1]:
        if before.endswith(sign):
            start = max(0, pos - 6) + len(before) - len(sign)
            if sign.isalpha() and start > 0 and text[start - 1].isalpha():
                continue
            return code, start
    return None


def _value(run: str) -> Decimal | None:
    run = run.replace(" ", "")
    scale = Decimal(1)
    if run[-1] in "kK":
        scale, run = Decimal(1000), run[:-1]
    elif run[-1] in "wW":
        scale, run = Decimal(10000), run[:-1]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", run):
        run = run.replace(",", "")
    value = parse_chinese_number(run)
    return value * scale if value is not None else None


def _english_amounts(text: str) -> list[Amount]:
    words = "|".join(EN_NUMBER_WORDS)
    pattern = re.compile(
        rf"\b(?:\d+(?:\.\d+)?[\s-]+)?(?:an?\s+)?(?:(?:{words})(?:[\s-]+(?:and[\s-]+)?)?)+",
        re.IGNORECASE,
    )
    found: list[Amount] = []
    for m in pattern.finditer(text):
        phrase = m.group().strip(" -")
        if not re.search(rf"\b(?:{words})\b", phrase, re.IGNORECASE):
            continue
        value = parse_english_number(re.sub(r"^an?\s+", "one ", phrase, flags=re.IGNORECASE))
        end = m.start() + len(m.group().rstrip(" -"))
        unit = _suffix_unit(text, end)
        magnitude = re.search(r"hundred|thousand|million", phrase, re.IGNORECASE)
        if value is None or (
            unit is None and not (magnitude and _MONEY_VERB.search(text[max(0, m.start() - 24) : m.start()]))
        ):
            continue
        stop = unit[1] if unit else end
        found.append(Amount(value, unit[0] if unit else None, text[m.start() : stop], m.start(), stop))
    return found


_UNIT_PRICE = re.compile(r"多少|几块|汇率|兑换?多|能换|可以换|换多")


def _is_rough_range(text: str, start: int) -> bool:
    """两三千, 四五万: two neighbouring digits then a magnitude is a rough range, unless the first
    digit ends a name (李四五千 = 5000 to 李四), which we tell by a surname just before it."""
    m = _ROUGH.match(text, start)
    if not m:
        return False
    return not (start > 0 and text[start - 1] in COMMONEST_SURNAMES)


def find_amounts(text: str) -> list[Amount]:
    """Every amount in `text` (normalised, see `assistant.nlu.text.normalize`), in order."""
    found = _english_amounts(text)
    taken = [(a.start, a.end) for a in found]
    for m in _RUN.finditer(text):
        start, end = m.start(), m.end()
        if any(s <= start < e for s, e in taken):
            continue
        if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
            continue
        if _is_rough_range(text, start):
            continue
        # 张三五千: the run is 三五千; drop leading characters until the rest reads as a number.
        while start < end and (value := _value(text[start:end])) is None:
            start += 1
        if start >= end or value is None or value <= 0:
            continue
        run = text[start:end]
        unit = _suffix_unit(text, end)
        prefix = _prefix_unit(text, start)
        after = text[end:]
        if unit is None and _NOT_MONEY_AFTER.match(after):
            continue
        if (
            unit is None
            and prefix is None
            and not (_MAGNITUDE.search(run) or _MONEY_VERB.search(text[max(0, start - 24) : start]))
        ):
            continue
        if unit is None and not _MAGNITUDE.search(run) and prefix is None and re.fullmatch(f"[{_CN_DIGITS}]", run):
            continue  # a lone 一/两 after a verb is a quantity ("取一下"), not money
        stop = unit[1] if unit else end
        if unit and text[end:stop].strip() in ("块", "元") and (tenths := _TENTHS_AFTER_KUAI.match(text[stop:])):
            tenth = parse_chinese_number(tenths.group())
            if tenth is not None:
                value += tenth / 10  # 一块五 = 1.5
                stop += 1
        begin = prefix[1] if prefix else start
        if value == 1 and _UNIT_PRICE.search(f"{text[max(0, begin - 4) : begin]}|{text[stop : stop + 6]}"):
            continue  # 美元多少钱一块, 一美元能换多少: the unit of a rate question, not an amount to move
        currency = unit[0] if unit else (prefix[0] if prefix else None)
        found.append(Amount(value, currency, text[begin:stop], begin, stop))
    return sorted(found, key=lambda a: a.start)
