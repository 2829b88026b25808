"""Checks on what a customer typed or said before anything acts on it.

Prompt-injection and data-exfiltration attempts are recognised by reviewed patterns (a data file) and
refused politely; they never reach the knowledge base, a journey or an LLM as instructions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.conversation.schemas import MAX_TEXT_CHARS
from assistant.nlu.text import normalize

GUARD_FILE = Path(__file__).parent / "data" / "guard.yaml"
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


class InputRejected(ValueError):
    """The input cannot be used at all (empty, too long); the message is for the caller."""


@dataclass(frozen=True)
class Checked:
    text: str  # cleaned: NFKC, control characters removed, whitespace collapsed
    injection: bool


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    data = yaml.safe_load(GUARD_FILE.read_text(encoding="utf-8"))
    return tuple(re.compile(p, re.IGNORECASE) for p in data["injection"])


def clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


def check(text: str) -> Checked:
    """Clean the text and flag injection attempts; raise InputRejected when it is unusable."""
    cleaned = clean(text)
    if not cleaned:
        raise InputRejected("text is empty")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise InputRejected(f"text is {len(cleaned)} characters; the limit is {MAX_TEXT_CHARS}")
    lowered = normalize(cleaned).lower()  # Simplified, NFKC: Traditional attempts match too
    return Checked(cleaned, any(p.search(lowered) for p in _patterns()))
