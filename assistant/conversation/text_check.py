"""The customer-visible text check: scan what the kiosk shows and says for internal values and for
personal data said aloud.

Why: a lobby kiosk must show labels, not codes ("A1002", "lost", "income_certificate"), formatted
amounts, masked numbers and one language at a time; its voice must never say the customer's full
name, an ID, card, account or phone number, or a sensitive detail such as a pending loan's missing
documents. Reading replies by eye misses regressions; this scans every reply and card of whole
visits (the dialogue and risk evaluation sets) and names each problem with where it was found.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from assistant.conversation.customer_text import CODES, MACHINE_KEYS, text_value
from assistant.store.sessions import SessionNotFound

INTERNAL_ID = re.compile(r"(?<![A-Za-z0-9-])(?:[ACKL]\d{4}|(?:K|tkt|auth|L)-[0-9a-f]{8,})(?![A-Za-z0-9])")
SNAKE_CODE = re.compile(r"(?<![A-Za-z0-9_./-])[a-z]+(?:_[a-z]+)+(?![A-Za-z0-9_])")
RAW_AMOUNT = re.compile(r"(?<![\d,.A-Za-z])\d{4,}\.\d{2}(?![\d.])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED_PHONE = re.compile(r"(?<!\d)1[3-9]\d\*{4}\d{4}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
LONG_NUMBER = re.compile(r"(?<![\d*])\d{12,19}(?!\d)")
HAN = re.compile(r"[\u4e00-\u9fff]")
# two English words or more in a row (a reference like "trf-9f3a" or a single "App" is not a phrase)
ENGLISH_RUN = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:[ ']+[A-Za-z]{2,})+(?![\w-])")
RAW_CODES = frozenset(CODES) | {"kiosk", "mail", "collect", "savings", "salary", "warn", "block", "hold"}


@dataclass(frozen=True)
class Finding:
    """One problem: which visit and step, on screen or spoken, what kind, and the text around it."""

    visit: str
    step: int
    where: str  # "text", "speech", "suggestion", "card:<type>.<path>"
    kind: str  # internal_id, raw_code, raw_amount, unmasked_number, other_language, name_spoken, ...
    excerpt: str

    def line(self) -> str:
        return f"{self.visit} step {self.step} {self.where}: {self.kind}: {self.excerpt}"


def _around(text: str, start: int, end: int) -> str:
    return text[max(0, start - 12) : end + 12]


def _visible(value: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    """(path, scalar) for every value of a card the page shows (not the keys it keeps for itself)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in MACHINE_KEYS:
                continue
            yield from _visible(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _visible(item, f"{path}[{index}]")
    elif value is not None and not isinstance(value, bool):
        yield path, value


def screen_problems(text: str, language: str, whole_value: bool = False) -> list[tuple[str, str]]:
    """(kind, excerpt) for one piece of screen text in a reply of `language`."""
    found: list[tuple[str, str]] = []
    if whole_value and text.strip() in RAW_CODES:
        found.append(("raw_code", text))
    checks = [
        ("internal_id", INTERNAL_ID),
        ("raw_code", SNAKE_CODE),
        ("raw_amount", RAW_AMOUNT),
        ("unmasked_number", PHONE),
        ("unmasked_number", LONG_NUMBER),
    ]
    for kind, pattern in checks:
        found += [(kind, _around(text, m.start(), m.end())) for m in pattern.finditer(text)]
    if language == "en" and HAN.search(text):
        found.append(("other_language", text[:60]))
    if language == "zh":
        found += [("other_language", m.group(0)) for m in ENGLISH_RUN.finditer(text)]
    return found


def spoken_problems(
    text: str, customer: Mapping[str, Any] | None, private: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(kind, excerpt) for what the avatar says: the visit's customer's full name, numbers that identify
    them, internal ids, and sensitive details (`private`: e.g. the missing documents on screen)."""
    found: list[tuple[str, str]] = []
    for key in ("name", "name_en"):
        name = str((customer or {}).get(key) or "").strip()
        if len(name) >= 2 and name in text:
            found.append(("name_spoken", name))
    checks = [
        ("id_spoken", ID_NUMBER),
        ("number_spoken", PHONE),
        ("number_spoken", MASKED_PHONE),
        ("number_spoken", LONG_NUMBER),
        ("internal_id", INTERNAL_ID),
        ("raw_code", SNAKE_CODE),
    ]
    for kind, pattern in checks:
        found += [(kind, _around(text, m.start(), m.end())) for m in pattern.finditer(text)]
    found += [("detail_spoken", item) for item in private if item and item in text]
    return found


def check_reply(
    visit: str,
    step: int,
    reply: Mapping[str, Any],
    customer: Mapping[str, Any] | None = None,
    documents: Collection[str] = (),
) -> list[Finding]:
    """Every problem in one reply (a `Reply` as JSON): its text, suggestions, cards, citations and spoken
    text. `documents`: the knowledge's doc ids, so a citation of the other language's version is found."""
    language = str(reply.get("language") or "zh")
    findings: list[Finding] = []

    def add(where: str, problems: list[tuple[str, str]]) -> None:
        findings.extend(Finding(visit, step, where, kind, excerpt) for kind, excerpt in problems)

    text = str(reply.get("text") or "")
    add("text", screen_problems(text, language))
    for suggestion in reply.get("suggestions") or []:
        add("suggestion", screen_problems(str(suggestion), language))
    private: list[str] = []
    for card in reply.get("cards") or []:
        kind = str(card.get("type"))
        if card.get("title") is not None:
            add(f"card:{kind}.title", screen_problems(str(card["title"]), language))
        if kind == "citations" and card.get("title"):
            add(f"card:{kind}.title", [("label_twice", str(card["title"]))])
        for path, value in _visible(card.get("data") or {}):
            if isinstance(value, int | float):
                continue
            if kind == "citations":  # the source's own words: only its language is checked, below
                continue
            add(f"card:{kind}.{path}", screen_problems(str(value), language, whole_value=True))
        if kind == "lead":  # the details themselves, also as the labels a code stands for
            for _, value in _visible(card.get("data") or {}):
                private += [str(value), str(text_value(value, language))]
    for item in reply.get("citations") or []:
        doc_id = str(item.get("doc_id") or "")
        twin = doc_id.removesuffix("-en") if language == "zh" else f"{doc_id.removesuffix('-en')}-en"
        if twin != doc_id and twin in documents:
            add("citation", [("citation_language", f"{doc_id} (the reply's language has {twin})")])
    speech = reply.get("speech")
    said = str(speech if isinstance(speech, str) else text)
    add("speech", spoken_problems(said, customer, private))
    return findings


class Recorder:
    """Wraps a runtime's conversation for a scan: every reply, with the visit's customer as it stood
    after that turn (the stored session state, unmasked, read back from the session store)."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.replies: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = []
        self._steps: dict[str, int] = {}
        self._saved: dict[str, Any] = {}

    def _customer(self, sid: str) -> dict[str, Any]:
        try:
            state = dict(self.runtime.sessions.get(sid).state or {})
        except SessionNotFound:  # a session gone is a visit with no customer to protect
            return {}
        known = dict(((state.get("journey") or {}).get("profile")) or {})
        known.update({k: v for k, v in dict(state.get("customer") or {}).items() if v})
        return known

    def _keep(self, sid: str, reply: Any) -> None:
        step = self._steps.get(sid, 0)
        self._steps[sid] = step + 1
        self.replies.append((sid, step, reply.model_dump(mode="json"), self._customer(sid)))

    def __enter__(self) -> Recorder:
        conversation = self.runtime.conversation
        self._saved = {n: getattr(conversation, n) for n in ("create_session", "turn", "event")}
        saved = self._saved

        async def create_session(*args: Any, **kwargs: Any) -> Any:
            created = await saved["create_session"](*args, **kwargs)
            self._keep(created.session_id, created.reply)
            return created

        async def turn(sid: str, *args: Any, **kwargs: Any) -> Any:
            out = await saved["turn"](sid, *args, **kwargs)
            self._keep(sid, out.reply)
            return out

        async def event(sid: str, *args: Any, **kwargs: Any) -> Any:
            out = await saved["event"](sid, *args, **kwargs)
            self._keep(sid, out.reply)
            return out

        conversation.create_session, conversation.turn, conversation.event = create_session, turn, event
        return self

    def __exit__(self, *exc: object) -> None:
        conversation = self.runtime.conversation
        for name in self._saved:
            delattr(conversation, name)  # the instance attribute goes; the class's method is back

    def findings(self, documents: Collection[str] = ()) -> list[Finding]:
        return [
            f for sid, step, reply, customer in self.replies for f in check_reply(sid, step, reply, customer, documents)
        ]


async def scan(runtime: Any, dialogues: list[Any] | None = None, scenarios: list[Any] | None = None) -> dict[str, Any]:
    """Run the dialogue and risk evaluation sets (the shipped ones by default) and scan every reply.
    Returns {"replies": n, "findings": [..], "by_kind": {kind: n}, "dialogues": .., "risk": ..}."""
    from assistant.conversation.dialogues import DATA_DIR, cited_documents, load_dialogues, run_dialogues
    from assistant.risk.scenarios import load_scenarios, run_scenarios

    with Recorder(runtime) as recorder:
        dialogue_report = await run_dialogues(runtime, load_dialogues(DATA_DIR) if dialogues is None else dialogues)
        risk_report = await run_scenarios(runtime, load_scenarios() if scenarios is None else scenarios)
    findings = recorder.findings(set(cited_documents(runtime)))
    by_kind: dict[str, int] = {}
    for finding in findings:
        by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
    return {
        "replies": len(recorder.replies),
        "findings": [asdict(f) for f in findings],
        "by_kind": by_kind,
        "dialogues": {k: dialogue_report[k] for k in ("n", "passed")},
        "risk": {k: risk_report[k] for k in ("n", "scam_caught_at_expected_action", "benign_false_alarm_rate")},
    }
