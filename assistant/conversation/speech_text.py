"""What the avatar says aloud: the reply rewritten for a public lobby.

Why: the screen faces the customer, but the voice reaches everyone in the lobby. Spoken text never
carries the customer's full name (they are "张先生/女士" or "您"), an ID, card, account or phone number
(only "尾号1018"), nor the customer's money or unfinished business (a balance, a pending loan's
missing documents: journey texts with a `speech` variant): those stay on the screen, masked. The
rendering is separate from the written reply, so what is read on screen keeps every detail the
customer needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
LONG_NUMBER = re.compile(r"(?<![\d*])\d{12,19}(?!\d)")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED_PHONE = re.compile(r"(?<!\d)1[3-9]\d\*{4}(\d{4})(?!\d)")
INTERNAL_ID = re.compile(r"(?<![A-Za-z0-9])[ACKL]\d{4}(?![A-Za-z0-9])")


def _lang(language: str) -> str:
    return "en" if language == "en" else "zh"


def honorific(customer: Mapping[str, Any] | None, lang: str) -> str | None:
    """张先生 / 张女士 / Mr Zhang / Ms Clark; None when the surname or the gender is unknown (a guess
    would be wrong half the time, and "先生/女士" does not read aloud)."""
    customer = customer or {}
    title = {"M": ("先生", "Mr"), "F": ("女士", "Ms")}.get(str(customer.get("gender") or "").upper())
    name = str(customer.get("name") or "")
    if title is None:
        return None
    if lang == "zh":
        return f"{name[0]}{title[0]}" if re.match(r"[\u4e00-\u9fff]", name) else None
    parts = str(customer.get("name_en") or name).split()
    if not parts or re.search(r"[\u4e00-\u9fff]", " ".join(parts)):
        return None
    # a romanised Chinese name puts the surname first (Zhang Wei); a Western one last (Emily Clark)
    surname = parts[0] if re.match(r"[\u4e00-\u9fff]", name) else parts[-1]
    return f"{title[1]} {surname}"


def _without_names(text: str, customer: Mapping[str, Any] | None, lang: str) -> str:
    """The customer's full name as 张先生 / Ms Clark; without a gender, as 您 / you (a greeting loses it)."""
    customer = customer or {}
    polite = honorific(customer, lang)
    names = {str(customer.get(k) or "").strip() for k in ("name", "name_en")}
    for name in sorted((n for n in names if len(n) >= 2), key=len, reverse=True):
        if polite:
            text = text.replace(name, polite)
            continue
        quoted = re.escape(name)
        text = re.sub(rf"{quoted}[，,]\s*(?=您好)", "", text)
        text = re.sub(rf"\b(Hello|Hi|Welcome),?\s+{quoted}\s*,", r"\1,", text)
        text = text.replace(name, "您" if lang == "zh" else "you")
    return text


def spoken(text: str, language: str = "zh", customer: Mapping[str, Any] | None = None) -> str:
    """`text` made safe to say aloud in a lobby (see the module docstring)."""
    lang = _lang(language)
    text = _without_names(text, customer, lang)
    ending = "尾号" if lang == "zh" else "ending "
    text = ID_NUMBER.sub(lambda m: f"{ending}{m.group(0)[-4:]}", text)
    text = PHONE.sub(lambda m: f"{ending}{m.group(0)[-4:]}", text)
    text = MASKED_PHONE.sub(lambda m: f"{ending}{m.group(1)}", text)
    text = LONG_NUMBER.sub(lambda m: f"{ending}{m.group(0)[-4:]}", text)
    return INTERNAL_ID.sub("您的账户" if lang == "zh" else "your account", text)


def private_swaps(pieces: list[Any], language: str) -> list[tuple[str, str]]:
    """(written, spoken) for each journey piece that has a spoken form of its own (a `speech` variant in
    messages.yaml or the flow): its details stay on screen, the voice says only that there is something
    to see."""
    lang = _lang(language)
    swaps: list[tuple[str, str]] = []
    for piece in pieces:
        spoken_form = getattr(piece, "speech", None) or {}
        written = str(piece.text.get(lang) or "")
        if written and spoken_form.get(lang):
            swaps.append((written, str(spoken_form[lang])))
    return swaps
