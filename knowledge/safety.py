"""Spotting instructions hidden in knowledge files.

A document that says "ignore previous instructions" is still the bank's text: it is stored and can
be found, but its chunk is flagged, ingestion reports it, and answers never quote the flagged sentence.
Nothing in this package ever executes or forwards text as an instruction.
"""

from __future__ import annotations

import re

INJECTION_FLAG = "prompt_injection"

_PATTERNS = [
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|prompts|rules)",
    r"disregard\s+(?:all\s+|the\s+)?(?:previous|prior|above)\s+",
    r"forget\s+(?:all\s+)?(?:your|previous)\s+(?:instructions|rules)",
    r"you\s+are\s+now\s+(?:a|an|in)\b",
    r"(?:reveal|print|show)\s+(?:me\s+)?(?:your|the)\s+system\s+prompt",
    r"system\s+prompt",
    r"developer\s+mode",
    r"jailbreak",
    r"(?:忽略|无视|忘记|忘掉|不要理会)(?:之前|以上|上面|前面|先前|所有|你的)*(?:的)?(?:所有)?(?:指令|指示|规则|提示|设定|要求)",
    r"你现在(?:是|扮演|的身份是)",
    r"(?:系统|system)\s*提示词",
    r"(?:扮演|假装)(?:一个|成)",
    r"(?:把|将)(?:客户|用户)的?(?:密码|验证码|卡号|身份证号)(?:发送|告诉|转发)",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def find_injection(text: str) -> str | None:
    """The first instruction-like phrase in `text`, or None."""
    match = _REGEX.search(text)
    return match.group(0) if match else None


def is_injection(text: str) -> bool:
    return _REGEX.search(text) is not None
