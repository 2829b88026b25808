"""Customer and payee names, masked where ID, phone, card and account numbers are (review views and exports).

Under PIPL a name is personal information. The rule:
- a Chinese name keeps its first character (the family name) and, from three characters on, its last one:
  张伟 -> 张*, 李秀英 -> 李*英, 欧阳娜娜 -> 欧**娜;
- a name in Latin letters keeps the first letter of each word: Zhang Wei -> Z**** W**, the form the bank itself
  shows a payer for a payee's holder (`holder_name_masked`), so the two masks together reveal nothing more.

There is no name detector: a generic guess at Chinese names would star ordinary words and still miss names.
What the session knows is masked instead: a value under a name key (`payee`, `to_name`, ... and `name` in a
customer's record) is masked whole, and the names found that way (the customer's, the payees') are masked
wherever they appear in free text ("张伟，您好", "向李秀英转账"), in the bank's masked form (*秀英) too, since that
form and ours side by side (李*英) would spell the whole name.

Tellers and experts serving the customer see the name; the views that serve no one (the supervisor's review,
exports) use this module on top of `integrations.pii`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from integrations.pii import MASK, mask_data, mask_text

# Keys whose string values are a person's name wherever they appear (slots, back-end call arguments, results).
NAME_KEYS = frozenset(
    {
        "payee",
        "payee_name",
        "to_name",
        "counterparty_name",
        "holder_name",
        "holder_name_masked",
        "customer_name",
        "account_name",
        "beneficiary_name",
        "full_name",
        "name_en",
    }
)
# A mapping holding one of these keys is a person's record, so its `name` is a person's name (elsewhere `name`
# names journeys, products and branches).
PERSON_MARKERS = ("customer_id",)
MAX_NAME_CHARS = 40
_DIGIT = re.compile(r"\d")


def mask_name(name: str) -> str:
    """One name masked by the rule above (whitespace inside a Chinese name is dropped)."""
    name = name.strip()
    if not name:
        return name
    if name.isascii():
        return " ".join(word[:1] + MASK * (len(word) - 1) for word in name.split())
    chars = "".join(name.split())
    if len(chars) <= 2:
        return chars[:1] + MASK if len(chars) == 2 else MASK
    return chars[0] + MASK * (len(chars) - 2) + chars[-1]


def is_plausible_name(value: str) -> bool:
    """A string worth masking as a known name in free text: not a number, not masked, not a word fragment."""
    value = value.strip()
    if not value or len(value) > MAX_NAME_CHARS or MASK in value or _DIGIT.search(value):
        return False
    if value.isascii():
        return sum(ch.isalpha() for ch in value) >= 4  # "Li" alone would star every "li" in English text
    return len("".join(value.split())) >= 2


def _is_name_key(key: Any, in_person: bool) -> bool:
    key = str(key).lower()
    return key in NAME_KEYS or (in_person and key == "name")


def names_in(data: Any, person: bool = False) -> set[str]:
    """The names held under name keys anywhere in nested data (`person`: `data` itself is a person's record)."""
    found: set[str] = set()
    if isinstance(data, Mapping):
        in_person = person or any(marker in data for marker in PERSON_MARKERS)
        for key, value in data.items():
            if isinstance(value, str) and _is_name_key(key, in_person):
                if is_plausible_name(value):
                    found.add(value.strip())
            else:
                found |= names_in(value)
    elif isinstance(data, list | tuple):
        for item in data:
            found |= names_in(item)
    return found


def _pattern(name: str) -> str:
    if name.isascii():  # any spacing and case; whole words only
        return r"(?<![A-Za-z])" + r"\s+".join(re.escape(w) for w in name.split()) + r"(?![A-Za-z])"
    chars = "".join(name.split())
    # the name, and the bank's masked form of it (*秀英), which beside ours would spell it whole
    return f"{re.escape(chars)}|{re.escape(MASK)}+{re.escape(chars[1:])}"


class NameMasker:
    """Masks a session's known names (and every identifier `integrations.pii` finds) in text and data."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        known = sorted({n.strip() for n in names if is_plausible_name(n)}, key=len, reverse=True)
        self.names = tuple(known)
        self._regex = re.compile("|".join(_pattern(n) for n in known), re.IGNORECASE) if known else None

    def _names(self, text: str) -> str:
        if self._regex is None or not text:
            return text
        return self._regex.sub(lambda m: mask_name(m.group()), text)

    def text(self, text: str) -> str:
        """`text` with the known names and every identifier masked."""
        return mask_text(self._names(text))

    def data(self, data: Any, person: bool = False) -> Any:
        """A masked copy of nested data: name keys masked whole, known names and identifiers in every string
        (`person`: `data` itself is a person's record, so its `name` is masked too)."""
        return mask_data(self._names_in_data(data, person))

    def _names_in_data(self, data: Any, person: bool = False) -> Any:
        if isinstance(data, str):
            return self._names(data)
        if isinstance(data, Mapping):
            in_person = person or any(marker in data for marker in PERSON_MARKERS)
            return {
                key: mask_name(value)
                if isinstance(value, str) and not _DIGIT.search(value) and _is_name_key(key, in_person)
                else self._names_in_data(value)
                for key, value in data.items()
            }
        if isinstance(data, list | tuple):
            return type(data)(self._names_in_data(v) for v in data)
        return data
