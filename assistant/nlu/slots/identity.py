"""Identifiers customers say or type: mobile numbers, ID card numbers, card numbers and tails.

ID numbers are checked per GB 11643-1999: 17 digits weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
sum mod 11 indexes "10X98765432" for the check character, and digits 7-14 must be a real birth date.
A number that fails is reported as invalid (never silently used), so the conversation can ask again.
Card numbers must pass the Luhn check (one that fails is reported when the text says it is a card
number, else ignored). Digits spoken one by one (一三八...) are read as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_CARD = re.compile(r"(?<!\d)(\d{4}(?:[\s-]?\d{4}){3}(?:[\s-]?\d{1,3})?)(?!\d)")
_TAIL = re.compile(
    r"(?:尾号|尾数|末四位|后四位|后4位|末4位|卡号后四位|\bending(?:\s+(?:in|with))?|\bends?\s+(?:in|with)|last\s+(?:four|4)"
    r"(?:\s+digits)?(?:\s+(?:are|is))?|tail\s+number)\s*(?:是|为|:)?\s*(\d{4})(?!\d)",
    re.IGNORECASE,
)
_CARD_CONTEXT = re.compile(r"卡号|账号|帐号|card\s*number|account\s*number", re.IGNORECASE)
_ID_CONTEXT = re.compile(r"身份证|证件|id\s*(?:card|number|no)|identity", re.IGNORECASE)

IdProblem = Literal["bad_check_digit", "bad_birth_date"]


@dataclass(frozen=True)
class Found:
    """A value found in the text, with its span; `problem` is set when it is malformed."""

    kind: Literal["phone", "id_number", "card_number", "card_tail"]
    value: str
    start: int
    end: int
    problem: str | None = None


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_problem(number: str, today: date | None = None) -> IdProblem | None:
    """None when `number` (18 characters) is a valid ID number, else what is wrong with it."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "bad_check_digit"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "bad_birth_date"
    if born.year < 1900 or born > (today or date.today()):
        return "bad_birth_date"
    if id_check_char(number[:17]) != number[17]:
        return "bad_check_digit"
    return None


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_identifiers(text: str, today: date | None = None) -> list[Found]:
    """ID numbers, card numbers, mobile numbers and card tails, without overlaps, in order.

    An 18-digit number is an ID number when it validates, or when it ends in X or the text talks
    about an ID (then it is reported invalid); otherwise a Luhn-valid one is a card number.
    """
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(item: Found) -> None:
        found.append(item)
        taken.append((item.start, item.end))

    for m in _ID.finditer(text):
        number = m.group(1).upper()
        problem = id_problem(number, today)
        if problem is None or number.endswith("X") or _ID_CONTEXT.search(text) or not luhn_ok(number):
            add(Found("id_number", number, m.start(1), m.end(1), problem))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if free(m.start(1), m.end(1)) and 16 <= len(digits) <= 19:
            if luhn_ok(digits):
                add(Found("card_number", digits, m.start(1), m.end(1)))
            elif _CARD_CONTEXT.search(text):
                add(Found("card_number", digits, m.start(1), m.end(1), "bad_check_digit"))
    for m in _PHONE.finditer(text):
        if free(m.start(), m.end()):
            add(Found("phone", "".join(m.groups()), m.start(), m.end()))
    for m in _TAIL.finditer(text):
        if free(m.start(1), m.end(1)):
            add(Found("card_tail", m.group(1), m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)
