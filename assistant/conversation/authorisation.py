"""Authorisations seen from both sides: the facts a colleague decides on, and plain words for the customer.

Why one module: what the expert sees (`pending_authorization` on `GET /api/v1/handoffs/{id}`) and what
the customer hears about the decision must describe the same request; both are read from the session's
state (the journey's `authorization_facts`, written when the request was raised), so any replica serves
them. Customer text is Simplified Chinese or English by the session's language.
"""

from __future__ import annotations

from typing import Any

from assistant.journeys.steps.authorisation_facts import FACTS

TIMEOUT_KEY = "authorization_timeout"  # session state: the waiting authorisation the customer was told about

DECIDED = {
    "approve": {
        "zh": "工作人员已批准本笔业务，正在为您继续办理。",
        "en": "A colleague has approved this request; it is going ahead.",
    },
    "reject": {
        "zh": "工作人员未批准本笔业务，业务已停止，资金没有变动。",
        "en": "A colleague did not approve this request; it has been stopped and no money has moved.",
    },
}
NOTE = {"zh": "工作人员留言：{note}", "en": "Note from our colleague: {note}"}
TIMEOUT = {
    "zh": "授权等待的时间比平常长，工作人员暂时还没有处理。您可以说“取消”结束本笔业务（资金不会变动），"
    "或到柜台请工作人员办理；也可以继续等待。",
    "en": "The authorisation is taking longer than usual and no colleague has handled it yet. You can say "
    '"cancel" to stop this request (no money moves), ask at the counter, or keep waiting.',
}
TIMEOUT_OPTIONS = {"zh": ["取消", "到柜台办理", "继续等待"], "en": ["Cancel", "Ask at the counter", "Keep waiting"]}


def _lang(language: str | None) -> str:
    return "en" if str(language or "").startswith("en") else "zh"


def decision_words(decision: str, note: str, language: str | None) -> str:
    """The decision and the colleague's note as one plain sentence or two for the customer."""
    lang = _lang(language)
    text = DECIDED.get(decision, DECIDED["reject"])[lang]
    note = " ".join(note.split())
    return f"{text}{'' if lang == 'zh' else ' '}{NOTE[lang].format(note=note)}" if note else text


def timeout_words(language: str | None) -> tuple[str, list[str]]:
    lang = _lang(language)
    return TIMEOUT[lang], TIMEOUT_OPTIONS[lang]


def facts_of(state: dict[str, Any]) -> dict[str, Any] | None:
    """The facts of the authorisation the session's journey waits for, or None when it waits for none."""
    journey = state.get("journey") or {}
    awaiting = journey.get("awaiting") or {}
    if awaiting.get("kind") != "authorization":
        return None
    facts = (journey.get("results") or {}).get(FACTS) or {}
    if facts.get("authorization_id") not in (None, awaiting.get("id")):
        return None  # facts of an earlier request
    return {**facts, "authorization_id": awaiting.get("id")}


def pending_view(
    state: dict[str, Any], risk_flags: list[dict[str, Any]], *, reveal_balance: bool, preview: bool = False
) -> dict[str, Any] | None:
    """`pending_authorization` for a colleague: business, amount, currency, masked payee and source
    account, the balance check (the balance itself only when `reveal_balance`: the colleague deciding),
    purpose and risk reasons. A `preview` (a colleague who has not taken the handoff) leaves out the
    payee and accounts."""
    facts = facts_of(state)
    if facts is None:
        return None
    check = dict(facts.get("balance_check") or {"sufficient": None})
    if not reveal_balance:
        check.pop("balance", None)
    reasons = list(facts.get("risk_reasons") or [])
    for flag in risk_flags:
        for reason in flag.get("reasons") or ([flag["reason"]] if flag.get("reason") else []):
            if reason not in reasons:
                reasons.append(str(reason))
    view: dict[str, Any] = {
        "id": facts["authorization_id"],
        "status": "pending",
        "business": facts.get("business"),
        "amount": facts.get("amount"),
        "currency": facts.get("currency"),
        "balance_check": check,
        "risk_reasons": reasons,
        "raised_at": facts.get("raised_at"),
    }
    if not preview:
        view.update(
            payee=facts.get("payee"),
            source_account=facts.get("source_account"),
            purpose=facts.get("purpose"),
            relation=facts.get("relation"),
        )
    return view
