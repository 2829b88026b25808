"""Customer-facing text: what the kiosk screen shows, in one language, with no internal values.

Why: journeys and the bank speak in ids and codes ("A1002", "lost", "income_certificate", "80000.00")
and keep both languages side by side; a customer in a lobby must read labels, formatted amounts and
masked numbers in the language of the visit. This module is the last step before a reply leaves the
server: it rewrites the reply's cards and text, and keeps citations in the reply's language. The
journey engine keeps its own (bilingual, machine) cards untouched, so flows and their tests do not change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.conversation.citation_language import in_reply_language
from assistant.conversation.schemas import Card, Citation, Reply

JOURNEY_DATA = Path(__file__).parents[1] / "journeys"
# a plain amount: 4+ integer digits and two decimals, not already grouped, not part of a longer token
RAW_AMOUNT = re.compile(r"(?<![\d,.A-Za-z])(\d{4,})(\.\d{2})(?![\d.])")
INTERNAL_ID = re.compile(r"^[ACKLP]\d{4}$")
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
LONG_NUMBER = re.compile(r"(?<![\d*])\d{12,19}[\dXx]?(?!\d)")
CODE = re.compile(r"^[a-z][a-z_]*$")
HAN = re.compile(r"[\u4e00-\u9fff]")
# keys a card carries for the page's own use (never printed as text): kept as they are
MACHINE_KEYS = frozenset({"asking", "doc_id", "id", "branch_id", "authorization_id", "decision"})
TICKET_KEYS = ("number", "waiting_ahead", "estimated_wait_min", "window", "branch_id")
CURRENCY_EN = {"CNY": "yuan"}

# codes that reach the screen outside any flow's choices (bank statuses, identity types, receipts)
CODES: dict[str, dict[str, str]] = {
    "resident_id": {"zh": "居民身份证", "en": "Resident ID card"},
    "passport": {"zh": "护照", "en": "Passport"},
    "lost": {"zh": "已挂失", "en": "Reported lost"},
    "temporarily_lost": {"zh": "已临时挂失", "en": "Temporarily blocked"},
    "replaced": {"zh": "已补卡", "en": "Replaced"},
    "active": {"zh": "正常", "en": "Active"},
    "completed": {"zh": "已完成", "en": "Completed"},
    "pending": {"zh": "处理中", "en": "Pending"},
    "delayed": {"zh": "延时到账", "en": "Delayed"},
    "now": {"zh": "现场领取", "en": "Here now"},
    "later": {"zh": "稍后领取", "en": "Later"},
    "buy": {"zh": "购汇", "en": "Buy"},
    "sell": {"zh": "结汇", "en": "Sell"},
    "withdrawal": {"zh": "取款", "en": "Withdrawal"},
    "deposit": {"zh": "存款", "en": "Deposit"},
    "debit": {"zh": "借记卡", "en": "Debit card"},
    "credit": {"zh": "信用卡", "en": "Credit card"},
}


def _lang(language: str) -> str:
    return "en" if language == "en" else "zh"


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    """Every code the product list, a flow's choices and the shared label tables know, by code (a
    product's own name first: a choice label may add its risk level)."""
    found: dict[str, dict[str, str]] = {}
    products = yaml.safe_load((JOURNEY_DATA / "data" / "products.yaml").read_text(encoding="utf-8")) or {}
    for product in products.get("products") or []:
        name = product["name"]
        found.setdefault(str(name["zh"]), {"zh": str(name["zh"]), "en": str(name["en"])})
    for path in sorted((JOURNEY_DATA / "flows").glob("*.yaml")):
        flow = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for slot in (flow.get("slots") or {}).values():
            for choice in (slot or {}).get("choices") or []:
                label = choice.get("label")
                if isinstance(label, dict) and choice.get("value") is not None:
                    found.setdefault(str(choice["value"]), {"zh": str(label["zh"]), "en": str(label["en"])})
    messages = yaml.safe_load((JOURNEY_DATA / "data" / "messages.yaml").read_text(encoding="utf-8")) or {}
    for table in ("documents", "application_kinds", "business_types"):
        for code, label in (messages.get(table) or {}).items():
            found.setdefault(str(code), {"zh": str(label["zh"]), "en": str(label["en"])})
    for code, label in CODES.items():
        found.setdefault(code, label)
    return found


def money(amount: str, lang: str, currency: str = "CNY") -> str:
    """ "80000.00" -> "80,000.00元" (zh) / "80,000.00 yuan" (en); other currencies keep their code."""
    try:
        value = f"{float(amount.replace(',', '')):,.2f}"
    except ValueError:
        return amount
    if currency != "CNY":
        return f"{value} {currency}"
    return f"{value}元" if lang == "zh" else f"{value} yuan"


def group_amounts(text: str) -> str:
    """Thousands separators in every plain amount of a text ("余额为36800.00元" -> "36,800.00元")."""
    return RAW_AMOUNT.sub(lambda m: f"{int(m.group(1)):,}{m.group(2)}", text)


def tail(number: str, lang: str) -> str:
    """A card or account number as its last four digits: 尾号1018 / ending 1018."""
    digits = re.sub(r"\D", "", number)[-4:] or number[-4:]
    return f"尾号{digits}" if lang == "zh" else f"ending {digits}"


def mask_phone(text: str) -> str:
    """11-digit mobile numbers as 138****5678."""
    return PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_numbers(text: str, lang: str) -> str:
    """Phones as 138****5678, ID, card and account numbers as 尾号1018, on screen."""
    text = LONG_NUMBER.sub(lambda m: tail(m.group(0), lang), text)
    return mask_phone(text)


def pick(value: Any, lang: str) -> Any:
    """One language of a {zh, en} pair; anything else as it is."""
    if isinstance(value, Mapping) and set(value) <= {"zh", "en"} and value:
        return value.get(lang) or value.get("zh") or value.get("en") or ""
    return value


def _own(value: str, profile: Mapping[str, Any] | None, lang: str) -> str | None:
    """An internal account or card id of the customer's, as its masked number ("账户（尾号1001）")."""
    for kind in ("accounts", "cards"):
        for item in (profile or {}).get(kind) or []:
            if item.get("id") == value:
                noun = {"accounts": ("账户", "account"), "cards": ("卡", "card")}[kind]
                masked = tail(str(item.get("number") or ""), lang)
                return f"{noun[0]}（{masked}）" if lang == "zh" else f"{noun[1]} {masked}"
    return None


def text_value(value: Any, lang: str, profile: Mapping[str, Any] | None = None, name: str = "") -> Any:
    """One value as the customer reads it: a label for a code, a masked number, a formatted amount."""
    value = pick(value, lang)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if "term" in name:
            return f"{value}个月" if lang == "zh" else f"{value} months"
        return value
    if not isinstance(value, str):
        return value
    label = _labels().get(value)
    if label is not None and (CODE.match(value) or lang == "en"):
        return label[lang]
    if INTERNAL_ID.match(value):
        return _own(value, profile, lang) or ("您的账户" if lang == "zh" else "your account")
    if "amount" in name and re.fullmatch(r"\d+(?:\.\d+)?", value):
        return money(value, lang)
    if CODE.match(value) and "_" in value:
        return value.replace("_", " ")
    return mask_numbers(group_amounts(value), lang)


def _line(line: Any, lang: str) -> str:
    """A receipt line in one language: "卡片状态 Card status: lost" -> "卡片状态：已挂失" (zh)."""
    text = str(pick(line, lang))
    head, sep, rest = text.partition(": ")
    match = re.match(r"^(?P<zh>[^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$", head)
    if match:
        head = match.group("zh").strip() if lang == "zh" else match.group("en").strip()
    if not sep:
        return head
    amount = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?)\s+([A-Z]{3})", rest.strip())
    if amount:
        value = money(amount.group(1), lang, amount.group(2))
    else:
        value = str(text_value(rest.strip(), lang)) if rest.strip() else "—"
    return f"{head}：{value}" if lang == "zh" else f"{head}: {value}"


def _fields(fields: Any, lang: str, profile: Mapping[str, Any] | None) -> Any:
    if isinstance(fields, Mapping):  # a form: slot name -> value (the page labels the names)
        return {k: text_value(v, lang, profile, k) for k, v in fields.items()}
    return [
        {**f, "label": pick(f.get("label"), lang), "value": text_value(f.get("value"), lang, profile)}
        for f in fields or []
        if isinstance(f, Mapping)
    ]


def present_card(card: Card, lang: str, profile: Mapping[str, Any] | None = None) -> Card:
    """One card for the screen: one language, labels for codes, masked numbers, no internal ids."""
    data = dict(card.data)
    title = card.title
    if card.type == "citations":
        title = None  # the page labels each item ("依据：《…》"); a card title would say it twice
    elif card.type == "ticket":
        data = {k: data[k] for k in TICKET_KEYS if k in data}
    elif card.type == "lead":
        data = {"missing": [text_value(d, lang) for d in data.get("missing") or []]}
    elif card.type == "device":
        data = {}  # the device's own ids (a new card's id) are for the dispenser, not the customer
    elif card.type == "warning":
        data.setdefault(
            "text",
            "请核实收款人，谨防电信诈骗。" if lang == "zh" else "Check who you are paying; beware of fraud.",
        )
    elif card.type == "receipt":
        data = {"lines": [_line(line, lang) for line in data.get("lines") or []]}
    elif card.type == "pin_pad":  # how many digits and whose PIN; never the PIN itself
        data = {"digits": data.get("digits"), "account": pick(data.get("account"), lang)}
    elif card.type == "products":
        data["products"] = [
            {**p, "name": pick(p.get("name"), lang), "pitch": pick(p.get("pitch"), lang)}
            for p in data.get("products") or []
        ]
    if "fields" in data:
        data["fields"] = _fields(data["fields"], lang, profile)
    if "disclosures" in data:
        data["disclosures"] = [pick(d, lang) for d in data["disclosures"]]
    return Card(type=card.type, title=pick(title, lang), data=data)


def _doc_language(citation: Citation) -> str:
    if citation.doc_id.endswith("-en"):
        return "en"
    return "zh" if HAN.search(citation.title) else "en"


def same_language(citations: list[Citation], lang: str) -> list[Citation]:
    """A document cited in both languages is cited once, in the reply's language; a document that
    exists only in the other language stays (it is still where the fact comes from)."""
    ids = {c.doc_id for c in citations}
    kept = []
    for c in citations:
        twin = c.doc_id.removesuffix("-en") if c.doc_id.endswith("-en") else f"{c.doc_id}-en"
        if _doc_language(c) != lang and twin in ids:
            continue
        kept.append(c)
    return kept


def _swap(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, Mapping):
        return {k: _swap(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    return value


def present_reply(reply: Reply, customer: Mapping[str, Any] | None = None) -> Reply:
    """The whole reply for the kiosk screen (cards, text, citations); `customer` is the visit's known
    customer (name, name_en and the profile's accounts and cards, when the journey has them)."""
    lang = _lang(reply.language)
    customer = customer or {}
    profile = customer.get("profile") if isinstance(customer.get("profile"), Mapping) else customer
    text = group_amounts(reply.text)
    name, name_en = str(customer.get("name") or ""), str(customer.get("name_en") or "")
    reply.text = mask_phone(text)
    reply.citations = in_reply_language(same_language(reply.citations, lang), lang)
    cards = [present_card(c, lang, profile) for c in reply.cards]
    if lang == "en":  # Chinese names the visit knows in English: the customer's, the products'
        swaps = [(name, name_en)] if name and name_en and HAN.search(name) else []
        swaps += [(zh, label["en"]) for zh, label in _labels().items() if HAN.search(zh) and zh != label["en"]]
        for old, new in sorted(swaps, key=lambda pair: -len(pair[0])):
            reply.text = reply.text.replace(old, new)
            cards = [Card(type=c.type, title=c.title, data=_swap(c.data, old, new)) for c in cards]
    for card in cards:
        if card.type == "citations":
            card.data["items"] = [c.model_dump() for c in reply.citations]
    reply.cards = cards
    reply.suggestions = [group_amounts(s) for s in reply.suggestions]
    return reply


def visit_customer(state: Mapping[str, Any]) -> dict[str, Any]:
    """What the visit knows of its customer: the journey's profile (accounts, cards, gender), then
    the session's customer record on top."""
    journey = state.get("journey") if isinstance(state.get("journey"), Mapping) else {}
    profile = dict((journey or {}).get("profile") or {})
    known = {k: v for k, v in dict(state.get("customer") or {}).items() if v is not None}
    return {**profile, **known, "profile": profile}


def finish_reply(reply: Reply, state: Mapping[str, Any] | None = None) -> Reply:
    """The reply as it leaves the server: screen text presented, spoken text made lobby-safe."""
    from assistant.conversation.speech_text import spoken

    customer = visit_customer(state or {})
    present_reply(reply, customer)
    said = reply.speech if reply.speech is not None else reply.text
    for written, private in reply._spoken_swaps:
        said = said.replace(group_amounts(written), private).replace(written, private)
    reply.speech = spoken(said, reply.language, customer)
    return reply
