"""A device's text in the visit's language only: what a printer prints for the customer.

Why: flow files write receipt lines for both languages, either as a pair (`{zh: "账户: …", en:
"Account: …"}`) or as one bilingual line ("排队号 Ticket: A017"), because a business reviewer reads
them side by side. The receipt itself is in one language: "Account: 账户（尾号1001）" or
"Period: 近半年 the last 6 months" reads wrong to either customer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# "排队号 Ticket" -> ("排队号", "Ticket"): a Chinese head, then the English one (values follow ": ")
BILINGUAL_HEAD = re.compile(r"^(?P<zh>[^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$")


def _lang(language: str) -> str:
    return "en" if str(language).startswith("en") else "zh"


def line_in(line: str, language: str) -> str:
    """One bilingual line in one language; a line without a bilingual head is kept as it is."""
    head, sep, rest = line.partition(": ")
    found = BILINGUAL_HEAD.match(head)
    if found is None:
        return line
    return found.group(_lang(language)).strip() + sep + rest


def in_language(value: Any, language: str) -> Any:
    """`value` (rendered device parameters) with every {zh, en} pair and every bilingual `lines` entry
    in `language` only; everything else is left as it is (ids, amounts, transactions)."""
    if isinstance(value, Mapping):
        if set(value) == {"zh", "en"}:
            return value[_lang(language)]
        return {k: _lines(v, language) if k == "lines" else in_language(v, language) for k, v in value.items()}
    if isinstance(value, list):
        return [in_language(v, language) for v in value]
    return value


def _lines(lines: Any, language: str) -> Any:
    if not isinstance(lines, list):
        return in_language(lines, language)
    picked = [in_language(line, language) for line in lines]
    return [line_in(line, language) if isinstance(line, str) else line for line in picked]
