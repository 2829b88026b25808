"""Dates and times relative to a given `now`: 明天下午三点, 下周一, 后天上午十点, 11月30日, 15:30,
"next Monday at 3pm", "tomorrow afternoon at 3", "December 3rd".

Chinese relative expressions are read by the small rules below (dateparser reads "下周一" as a week
and ignores "下午三点"); English explicit dates go to dateparser, relative days and clock times
are read here too, because dateparser drops "afternoon at 3" and misreads "the day after tomorrow".
All rules for dates live in this module.

Conventions (a bank kiosk books within business hours): a bare hour from 1 to 7 without 上午/早上
means the afternoon (三点 = 15:00); a weekday alone (周五) means the next one on or after today;
"下周X" is that day in the next Monday-to-Sunday week; a date without a year that has passed means
next year; a time alone means today, or tomorrow when that time has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

from assistant.nlu.slots.numbers import parse_chinese_number


@dataclass(frozen=True)
class When:
    """A date, with a clock time when one was said; `text`/`start`/`end` locate it."""

    date: date
    time: time | None
    text: str
    start: int
    end: int
    period: str | None = None  # morning | noon | afternoon | evening: 明天下午 without a clock time

    @property
    def datetime(self) -> datetime | None:
        return datetime.combine(self.date, self.time) if self.time else None


_N = r"(?:\d{1,2}|[零一二两三四五六七八九十]{1,3})"
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_REL_DAYS_ZH = {
    "今天": 0, "今日": 0, "今儿": 0, "明天": 1, "明日": 1, "明儿": 1, "后天": 2, "大后天": 3, "昨天": -1, "前天": -2,
}  # fmt: skip
_ZH_DAY = re.compile(
    r"(?P<rel>大后天|今天|今日|今儿|明天|明日|明儿|后天|昨天|前天)"
    r"|(?P<wpre>下下|下|这|本|上)?个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末1-7])"
    rf"|(?:(?P<y>\d{{4}})年)?(?P<m>{_N})月(?P<d>{_N})(?:日|号)?"
    rf"|(?P<nm>下个?月)(?P<nmd>{_N})(?:日|号)"
    rf"|(?P<n>{_N}|两)天(?:后|以后|之后)"
    r"|(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})"
    rf"|(?<![月\d])(?P<dd>{_N})(?:日|号)(?!码|窗|柜|台|楼|线|机|位)"
)
_PERIODS_PM = ("下午", "晚上", "傍晚", "今晚", "夜里", "晚")
_ZH_TIME = re.compile(
    r"(?P<period>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚|夜里)?\s*"
    rf"(?:(?P<h>{_N})(?:点钟|点|时)(?:(?P<half>半)|(?P<q>一刻|三刻)|(?P<min>{_N})分?)?"
    r"|(?P<hh>\d{1,2})[:：](?P<mm>\d{2}))"
)
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_DAY = re.compile(
    r"\b(?:(?P<rel>today|tonight|tomorrow|the\s+day\s+after\s+tomorrow|day\s+after\s+tomorrow)"
    r"|(?P<wpre>next|this|on|coming)?\s*(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|in\s+(?P<n>\d+|one|two|three|four|five|six|seven)\s+days?"
    r"|(?P<md>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*))\b",
    re.IGNORECASE,
)
_EN_TIME = re.compile(
    r"(?P<at>\b(?:at|around|by)\s+)?\b(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?!\d)\s*(?P<ampm>a\.?m\b\.?|p\.?m\b\.?|o'?clock)?",
    re.IGNORECASE,
)
_PERIOD = re.compile(r"\s*(上午|早上|早晨|中午|下午|傍晚|晚上|morning|afternoon|evening|noon)", re.IGNORECASE)
_PERIOD_NAMES = {
    "上午": "morning", "早上": "morning", "早晨": "morning", "morning": "morning", "中午": "noon", "noon": "noon",
    "下午": "afternoon", "afternoon": "afternoon", "傍晚": "evening", "晚上": "evening", "evening": "evening",
}  # fmt: skip
_EN_SMALL = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _num(text: str) -> int:
    value = parse_chinese_number(text)
    if value is None:
        raise ValueError(text)
    return int(value)


def _next_weekday(today: date, weekday: int, prefix: str | None) -> date:
    monday = today - timedelta(days=today.weekday())
    if prefix in ("下", "next"):
        return monday + timedelta(days=7 + weekday)
    if prefix == "下下":
        return monday + timedelta(days=14 + weekday)
    if prefix == "上":
        return monday + timedelta(days=-7 + weekday)
    if prefix in ("这", "本", "this"):
        return monday + timedelta(days=weekday)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead)


def _month_day(today: date, month: int, day: int, year: int | None) -> date:
    candidate = date(year or today.year, month, day)
    if year is None and candidate < today:
        candidate = date(today.year + 1, month, day)
    return candidate


def _zh_day(m: re.Match[str], today: date) -> date:
    g = m.groupdict()
    if g["rel"]:
        return today + timedelta(days=_REL_DAYS_ZH[g["rel"]])
    if g["wd"]:
        wd = int(g["wd"]) - 1 if g["wd"].isdigit() else _WEEKDAY_ZH[g["wd"]]
        return _next_weekday(today, wd, g["wpre"])
    if g["m"]:
        return _month_day(today, _num(g["m"]), _num(g["d"]), int(g["y"]) if g["y"] else None)
    if g["nm"]:
        first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first_next.replace(day=_num(g["nmd"]))
    if g["n"]:
        return today + timedelta(days=_num(g["n"]))
    if g["iy"]:
        return date(int(g["iy"]), int(g["im"]), int(g["id"]))
    day = _num(g["dd"])
    candidate = today.replace(day=day)
    if candidate < today:
        candidate = (today.replace(day=1) + timedelta(days=32)).replace(day=day)
    return candidate


def _zh_time(m: re.Match[str]) -> time:
    g = m.groupdict()
    if g["hh"]:
        hour, minute = int(g["hh"]), int(g["mm"])
    else:
        hour = _num(g["h"])
        minute = 30 if g["half"] else 15 if g["q"] == "一刻" else 45 if g["q"] == "三刻" else 0
        if g["min"]:
            minute = _num(g["min"])
    period = g["period"]
    afternoon = (period in _PERIODS_PM and hour < 12) or (period == "中午" and hour < 3)
    if afternoon or (period is None and 1 <= hour <= 7):
        hour += 12
    return time(hour % 24, minute)


def _en_day(m: re.Match[str], today: date, now: datetime) -> date | None:
    g = m.groupdict()
    if g["rel"]:
        rel = g["rel"].lower()
        return today + timedelta(days=2 if "after" in rel else 1 if rel == "tomorrow" else 0)
    if g["wd"]:
        prefix = (g["wpre"] or "").lower() or None
        return _next_weekday(today, _EN_WEEKDAYS.index(g["wd"].lower()), prefix)
    if g["n"]:
        n = g["n"].lower()
        return today + timedelta(days=int(n) if n.isdigit() else _EN_SMALL[n])
    parsed = dateparser.parse(g["md"], languages=["en"], settings={"RELATIVE_BASE": now, "PREFER_DATES_FROM": "future"})
    return parsed.date() if parsed else None


def _en_time(m: re.Match[str], text: str) -> time:
    g = m.groupdict()
    hour = int(g["h"])
    minute = int(g["m"] or 0)
    ampm = (g["ampm"] or "").lower().replace(".", "")
    afternoon = re.search(r"afternoon|evening|tonight", text, re.IGNORECASE)
    if (ampm == "pm" or (afternoon and not ampm.startswith("a")) or (not ampm and 1 <= hour <= 7)) and hour < 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    return time(hour % 24, minute)


def find_when(text: str, now: datetime) -> When | None:
    """The first date and/or time in `text` (normalised), resolved against `now`; None if none."""
    today = now.date()
    english = not re.search(r"[\u4e00-\u9fff]", text)
    day_re, time_re = (_EN_DAY, _EN_TIME) if english else (_ZH_DAY, _ZH_TIME)
    day_match = day_re.search(text)
    time_match = next((t for t in time_re.finditer(text) if _is_time(t, english)), None)
    try:
        day = (_en_day(day_match, today, now) if english else _zh_day(day_match, today)) if day_match else None
        clock = (_en_time(time_match, text) if english else _zh_time(time_match)) if time_match else None
    except ValueError:  # 2月30日, 25点: not a real date or time
        return None
    if day is None and clock is None:
        return None
    if day is None and clock is not None:
        day = today if clock > now.time() else today + timedelta(days=1)
    spans = [s for s in (day_match, time_match) if s is not None]
    start = min(s.start() for s in spans)
    end = max(s.end() for s in spans)
    period = None
    if clock is None and day_match is not None and (p := _PERIOD.match(text, day_match.end())):
        period, end = _PERIOD_NAMES[p.group(1).lower()], p.end()
    elif clock is not None:
        period = "morning" if clock.hour < 12 else "afternoon" if clock.hour < 18 else "evening"
    assert day is not None
    return When(day, clock, text[start:end].strip(), start, end, period)


def _is_time(m: re.Match[str], english: bool) -> bool:
    """An English number is a time only with "at", ":mm" or am/pm (not "5000" or "3 months");
    Chinese times always carry 点/时/:."""
    if not english:
        return True
    return bool(m.group("at") or m.group("m") or m.group("ampm")) and int(m.group("h")) <= 24
