"""Detect and mask personal data: one library for logs, transcripts, exports and LLM prompts.

Why here: `integrations` is the lowest package, so every other package can import it without
breaking the one-way dependency rule. The masking rules are the bank's (see DESIGN.md):
ID numbers keep the first 3 and last 4 characters, phones 3 + 4, bank cards at most the first 6
and last 4 digits, every other long digit run (account numbers) only its last 4; e-mails keep the
first letter of the mailbox and the domain; passport numbers keep their first letter and last 2.

Detection errs on the side of masking: any run of 10 or more digits (contiguous, or written in groups
separated by single spaces, hyphens or their full-width forms) is masked even when it is none of the
recognised kinds, because a number
that is wrongly masked costs little and one that leaks costs much. The one exception is an opaque id in its
canonical form, a UUID (8-4-4-4-12 hex) or 32 hex characters with a letter among them (`uuid4().hex`, our request
ids): it passes whole, because starring its digits breaks log correlation (a third of request ids lost digits as
"passports" or "accounts") while a real identifier is never written that way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal

Kind = Literal["id_number", "phone", "card", "account", "email", "passport"]

MASK = "*"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_ID_18 = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# A contiguous run of 10+ digits, or digits written in groups ("6217 9910 0100 1001 018", "139-1126-0451").
# Separators people type between digit groups: space, hyphen, and their full-width / CJK forms
# (ideographic space U+3000, full-width hyphen U+FF0D, en and em dashes).
_SEP = "[ \\-\u3000\uff0d\u2013\u2014]"
# An ID number's check digit X may end a grouped run ("440 305 145 709 144 00X"): it belongs to the run.
_DIGIT_RUN = re.compile(
    rf"(?<!\d)(?:\d{{10,}}|\d{{3,6}}(?:{_SEP}\d{{3,4}}){{1,7}}(?:{_SEP}\d{{1,2}})?)(?:[Xx](?![A-Za-z]))?(?!\d)"
)
_SEPS = re.compile(_SEP)
MIN_DIGITS = 10
_PASSPORT = re.compile(r"[A-Za-z]{1,2}\d{7,}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_HEX = "[0-9a-fA-F]"
# Session ids (UUIDs) and request ids (32 hex characters, at least one a letter: 32 digits are a number),
# standing alone: not glued to letters or digits, and not the mailbox of an e-mail address.
_OPAQUE_ID = re.compile(
    rf"(?<![0-9A-Za-z])((?:{_HEX}{{8}}(?:-{_HEX}{{4}}){{3}}-{_HEX}{{12}}|(?=[0-9]*[a-fA-F]){_HEX}{{32}}))(?![0-9A-Za-z@])"
)

# Keys whose values are personal data whatever they look like (short, partial or malformed).
SENSITIVE_KEYS: dict[str, Kind] = {
    "id_number": "id_number",
    "id_no": "id_number",
    "phone": "phone",
    "mobile": "phone",
    "card_number": "card",
    "card_no": "card",
    "account_number": "account",
    "account_no": "account",
    "counterparty_account": "account",
    "to_account_number": "account",
    "email": "email",
    "passport_number": "passport",
    "passport": "passport",
}


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("an ID number check digit needs exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """True for an 18-character resident ID number whose check character is right."""
    value = value.upper()
    if not _ID_18.fullmatch(value):
        return False
    return id_check_digit(value[:17]) == value[17]


def luhn_check_digit(partial: str) -> str:
    """The Luhn digit that makes `partial + digit` valid (bank card numbers)."""
    if not partial.isdigit():
        raise ValueError("Luhn needs digits")
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def is_mobile(number: str) -> bool:
    """An 11-digit mainland mobile number (1, then 3-9, then 9 digits)."""
    return bool(_MOBILE.fullmatch(number))


def classify_digits(digits: str) -> Kind:
    """Which kind of identifier a run of digits (and a trailing X) most likely is."""
    if len(digits) == 18 and is_valid_id_number(digits):
        return "id_number"
    if is_mobile(digits):
        return "phone"
    if 13 <= len(digits) <= 19 and is_luhn_valid(digits):
        return "card"
    return "account"


def mask_value(value: str, kind: Kind) -> str:
    """Mask one identifier by the bank's rule for its kind; short values are masked whole."""
    if kind == "email":
        local, sep, domain = value.partition("@")
        if not sep:
            return MASK * len(value)
        return local[:1] + MASK * max(len(local) - 1, 3) + "@" + domain
    compact = _SEPS.sub("", value)
    keep_head, keep_tail = {
        "id_number": (3, 4),
        "phone": (3, 4),
        "card": (6, 4) if len(compact) >= 16 else (0, 4),
        "account": (0, 4),
        "passport": (1, 2),
    }[kind]
    hidden = len(compact) - keep_head - keep_tail
    if hidden < max(4, len(compact) // 3):  # too short to show anything safely
        return MASK * len(compact)
    return compact[:keep_head] + MASK * hidden + compact[len(compact) - keep_tail :]


def find_pii(text: str) -> list[tuple[Kind, str]]:
    """Every identifier found in `text`, in order of kind detection (for audits and tests)."""
    found: list[tuple[Kind, str]] = [("email", m.group()) for m in _EMAIL.finditer(text)]
    rest = _OPAQUE_ID.sub(" ", _EMAIL.sub(" ", text))
    for m in _ID_18.finditer(rest):
        if is_valid_id_number(m.group()):
            found.append(("id_number", m.group()))
    rest = _ID_18.sub(lambda m: " " if is_valid_id_number(m.group()) else m.group(), rest)
    for m in _DIGIT_RUN.finditer(rest):
        digits = _SEPS.sub("", m.group())
        if len(digits) >= MIN_DIGITS:
            found.append((classify_digits(digits), m.group()))
    rest = _DIGIT_RUN.sub(_mask_run, rest)
    found.extend(("passport", m.group()) for m in _PASSPORT.finditer(rest))
    return found


def _mask_run(match: re.Match[str]) -> str:
    digits = _SEPS.sub("", match.group())
    if len(digits) < MIN_DIGITS:  # "100 2000 元" is an amount, not an identifier
        return match.group()
    return mask_value(digits, classify_digits(digits))


def mask_text(text: str) -> str:
    """`text` with every identifier masked; everything else is left as it was."""
    if not text:
        return text
    out = _EMAIL.sub(lambda m: mask_value(m.group(), "email"), text)
    # Split keeps the ids (the pattern is one group) at odd places: the text between them is masked, they pass.
    parts = _OPAQUE_ID.split(out)
    return "".join(part if i % 2 else _mask_numbers(part) for i, part in enumerate(parts))


def _mask_numbers(text: str) -> str:
    out = _ID_18.sub(lambda m: mask_value(m.group(), "id_number") if is_valid_id_number(m.group()) else m.group(), text)
    out = _DIGIT_RUN.sub(_mask_run, out)
    return _PASSPORT.sub(lambda m: mask_value(m.group(), "passport"), out)


def mask_data(data: Any) -> Any:
    """A copy of nested JSON-like data with every string masked; known personal keys masked whole."""
    if isinstance(data, str):
        return mask_text(data)
    if isinstance(data, Mapping):
        masked: dict[Any, Any] = {}
        for key, value in data.items():
            kind = SENSITIVE_KEYS.get(str(key).lower())
            if kind is not None and isinstance(value, str | int) and not isinstance(value, bool):
                masked[key] = mask_value(str(value), kind)
            else:
                masked[key] = mask_data(value)
        return masked
    if isinstance(data, list | tuple):
        return type(data)(mask_data(v) for v in data)
    return data


def structlog_processor(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A structlog processor that masks every value of a log line (add it before the renderer)."""
    for key, value in list(event_dict.items()):
        event_dict[key] = mask_data({key: value})[key]
    return event_dict


class MaskingFilter(logging.Filter):
    """A standard-library logging filter that masks the rendered message (httpx, uvicorn access lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_masking_filter(*logger_names: str) -> None:
    """Mask personal data in these standard-library loggers' lines (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())
