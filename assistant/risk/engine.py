"""The risk engine of a visit: hear the customer, see the camera's events, weigh the money step.

The conversation calls it on every customer turn and event. It keeps what it learnt in the session's
risk memory (`context.memory`) and returns a `RiskDecision` with its reasons; the conversation acts on
the decision (warn, hold, block). Pure and synchronous: a decision takes well under a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assistant.risk.combiner import BankAnswer, Evidence, RiskDecision, combine, stronger
from assistant.risk.context import MoneyContext, is_elderly, memory, money_context, note_attempt
from assistant.risk.detector import FraudScriptDetector, default_detector, prepare
from assistant.risk.rules import ACTION_RANK, Pattern, Rules, Text, message

VISION_ALIASES = {"extra_face_close_behind": "extra_face"}
DEFAULT_MONEY_JOURNEYS = frozenset({"transfer", "time_deposit", "wealth_purchase", "foreign_exchange"})
MAX_SCREENED = 20  # payee names screened in one visit (the memory stays bounded)


def money_journeys(flows: Mapping[str, Any]) -> frozenset[str]:
    """Journeys with an execute step that moves money (from the flow files, so new flows count too)."""
    from assistant.journeys.ports import OPERATIONS
    from assistant.journeys.spec import ExecuteStep

    return frozenset(
        name
        for name, flow in flows.items()
        if any(isinstance(s, ExecuteStep) and OPERATIONS.get(s.operation, (False, False))[1] for s in flow.steps)
    )


def _both(text: Text) -> str:
    return f"{text.zh} / {text.en}"


class RiskEngine:
    def __init__(
        self, detector: FraudScriptDetector | None = None, money: frozenset[str] = DEFAULT_MONEY_JOURNEYS
    ) -> None:
        self.detector = detector or default_detector()
        self.rules: Rules = self.detector.rules
        self.money_journeys = money

    # -- what the visit tells us ------------------------------------------------------------------

    def hear(self, state: dict[str, Any], text: str) -> list[str]:
        """Remember the scam patterns and payee relation in a customer's words; returns new patterns."""
        risk = memory(state)
        new = []
        prepared = prepare(text)
        hits = self.detector.detect(text, prepared)
        specific = [h for h in hits if not self.rules.patterns[h.pattern].fallback]
        for hit in specific or hits:  # a generic script counts only when nothing more specific was heard
            if hit.pattern not in risk["patterns"]:
                risk["patterns"][hit.pattern] = hit.matched
                new.append(hit.pattern)
        relation = self.detector.relation(text, prepared)
        if relation is not None:
            risk["relation"] = relation
        return new

    def hear_understood(self, state: dict[str, Any], business: str, confidence: float, text: str) -> bool:
        """The understanding read a scam told or asked about (`understood_scam` in the rules): remember it as
        that pattern, unless a worded pattern already named the scam. True when it is new."""
        rule = self.rules.understood_scam
        if rule is None or business != rule.business or confidence < rule.min_confidence:
            return False
        prepared = prepare(text)
        if any(re.search(expr, prepared) for expr in rule.unless) or _words(prepared) < rule.min_words:
            return False
        patterns = memory(state)["patterns"]
        if patterns:
            return False
        patterns[rule.pattern] = text[:60]
        return True

    def refusal(self, text: str) -> Pattern | None:
        """The strongest pattern in these words whose business is refused outright (renting out a card)."""
        refused = [
            self.rules.patterns[h.pattern] for h in self.detector.detect(text) if self.rules.patterns[h.pattern].refuse
        ]
        return max(refused, key=lambda p: p.weight, default=None)

    def payees_to_screen(self, state: dict[str, Any], text: str | None = None) -> list[str]:
        """Payee names not screened yet in this visit: named in `text`, or collected by the journey."""
        if self.rules.listed_payee is None:
            return []
        names = self.detector.payee_names(text) if text else []
        slot = ((state.get("journey") or {}).get("slots") or {}).get("payee_name")
        if isinstance(slot, str) and slot.strip():
            names.append(slot.strip())
        screened = set(memory(state).get("screened") or [])
        return [n for n in dict.fromkeys(names) if n not in screened]

    def note_payee(self, state: dict[str, Any], name: str, answer: Mapping[str, Any]) -> None:
        """The bank's screening of a payee's name; a name on a list is kept for the rest of the visit."""
        risk = memory(state)
        risk["screened"] = [*(risk.get("screened") or []), name][-MAX_SCREENED:]
        hits = [dict(h) for h in answer.get("hits") or [] if isinstance(h, Mapping)]
        decision = str(answer.get("decision") or "allow")
        if hits and decision in ACTION_RANK and decision != "allow":
            listed = dict(risk.get("payees") or {})
            listed[name] = {"decision": decision, "hits": hits}
            risk["payees"] = dict(list(listed.items())[-MAX_SCREENED:])

    def see(self, state: dict[str, Any], data: Mapping[str, Any]) -> str | None:
        """Remember a camera event (`{"event": "phone_at_ear", ...}`); returns its kind when it counts."""
        kind = str(data.get("event") or "")
        kind = VISION_ALIASES.get(kind, kind)
        if kind == "extra_face" and data.get("operating"):
            kind = "operating_for_customer"
        if kind not in self.rules.vision:
            return None
        seen = memory(state)["vision"]
        seen[kind] = int(seen.get(kind, 0)) + 1
        return kind

    def note_identity(self, state: dict[str, Any], customer_id: str, answer: Mapping[str, Any]) -> None:
        """The bank's screening of a customer just identified (watch lists), and their age band."""
        risk = memory(state)
        hits = [dict(h) for h in answer.get("hits") or [] if isinstance(h, Mapping)]
        risk["identity"] = {"customer_id": customer_id, "decision": answer.get("decision", "allow"), "hits": hits}
        if is_elderly(state):
            risk["elderly"] = True

    def note_payment(self, state: dict[str, Any], answer: Mapping[str, Any]) -> None:
        """The bank's screening of a money step (from the journey's call); the strongest one is kept, so
        a payee the bank stopped keeps the visit stopped even after the journey has ended."""
        decision = str(answer.get("decision") or "")
        if decision not in ACTION_RANK:
            return
        risk = memory(state)
        kept = risk.get("payment") or {}
        if not kept or ACTION_RANK[decision] >= ACTION_RANK.get(str(kept.get("decision")), 0):
            hits = [dict(h) for h in answer.get("hits") or [] if isinstance(h, Mapping)]
            risk["payment"] = {"decision": decision, "hits": hits}

    # -- the decision -----------------------------------------------------------------------------

    def money(self, state: dict[str, Any]) -> MoneyContext | None:
        return money_context(state, self.money_journeys, self.rules.large_amount, self.rules.home_bank)

    def assess(self, state: dict[str, Any], opening: bool = False) -> RiskDecision:
        """The decision for the visit so far (scripts, camera, money step, the bank's answers, payees
        named); `opening`: the customer is asking to start a money step now."""
        risk = memory(state)
        money = self.money(state)
        evidence = [
            Evidence(
                f"script:{name}", self.rules.patterns[name].weight, f"{_both(self.rules.patterns[name].name)} «{said}»"
            )
            for name, said in risk["patterns"].items()
            if name in self.rules.patterns
        ]
        for kind, _count in risk["vision"].items():
            rule = self.rules.vision.get(kind)
            if rule is not None:
                weight = rule.money if money is not None else rule.weight
                evidence.append(Evidence(f"vision:{kind}", weight, _both(rule.reason)))
        banks: list[BankAnswer] = []
        identity = risk.get("identity")
        if isinstance(identity, dict):
            banks.append(BankAnswer("identity", str(identity.get("decision")), list(identity.get("hits") or [])))
        if money is not None:
            evidence += self._money_evidence(risk, money)
            channel = self.rules.channels.get(str(risk.get("channel")))
            if channel is not None:
                evidence.append(Evidence(f"channel:{risk['channel']}", channel.weight, _both(channel.reason)))
        payment = risk.get("payment") or (money.bank if money is not None else None)
        if isinstance(payment, dict):
            banks.append(BankAnswer("payment", str(payment.get("decision")), list(payment.get("hits") or [])))
        listed = self.rules.listed_payee
        payees = risk.get("payees") or {}
        if listed is not None and payees:
            evidence.append(Evidence("list:payee", listed.weight, _both(listed.reason)))
            banks += [BankAnswer("payee", str(a.get("decision")), list(a.get("hits") or [])) for a in payees.values()]
        context = self.rules.context
        if money is not None:
            evidence.append(
                Evidence(
                    "context:money_in_progress",
                    context["money_in_progress"].weight,
                    _both(context["money_in_progress"].reason),
                    False,
                )
            )
            if money.large:
                evidence.append(
                    Evidence(
                        "context:large_amount",
                        context["large_amount"].weight,
                        _both(context["large_amount"].reason),
                        False,
                    )
                )
        if is_elderly(state):
            evidence.append(
                Evidence("context:elderly", context["elderly"].weight, _both(context["elderly"].reason), False)
            )
        decision = combine(evidence, banks, self.rules.thresholds)
        decision.money = money is not None
        if money is not None or opening:
            self._money_floor(decision)
        return decision

    def _money_floor(self, decision: RiskDecision) -> None:
        """A script that holds every money step of the visit (someone is directing the customer)."""
        for name in decision.patterns:
            floor = self.rules.patterns[name].money_floor
            if floor is not None and not decision.at_least(floor):
                decision.action = stronger(decision.action, floor)
                decision.reasons.append(f"floor:{floor}: {_both(self.rules.patterns[name].name)} -> {floor}")

    def _money_evidence(self, risk: dict[str, Any], money: MoneyContext) -> list[Evidence]:
        attempts = note_attempt(risk, money)
        facts = {
            "elderly": money.elderly,
            "new_payee": money.new_payee,
            "other_bank": money.other_bank,
            "large": money.large,
        }
        found = []
        for code, rule in self.rules.money_rules.items():
            when = rule.when
            conditions = {k: v for k, v in when.model_dump().items() if k in facts and v is not None}
            if any(facts[k] != v for k, v in conditions.items()):
                continue
            if when.attempts_at_least is not None and attempts < when.attempts_at_least:
                continue
            if not conditions and when.attempts_at_least is None:
                continue
            found.append(Evidence(f"rule:{code}", rule.weight, _both(rule.reason)))
        return found

    # -- what the customer hears ------------------------------------------------------------------

    def unspoken(self, state: dict[str, Any], decision: RiskDecision) -> list[str]:
        """Reasons the customer has not been warned about yet (context alone is never news)."""
        spoken = set(memory(state)["spoken"])
        return [c for c in decision.codes if c not in spoken and not c.startswith("context:")]

    def mark_spoken(self, state: dict[str, Any], decision: RiskDecision) -> None:
        risk = memory(state)
        risk["spoken"] = sorted(set(risk["spoken"]) | set(decision.codes))

    def say(self, decision: RiskDecision, language: str) -> str:
        """The calm, specific words for this decision, naming the strongest pattern when there is one."""
        pattern = self._top_pattern(decision, language)
        if decision.action == "block":
            return message("block", language)
        if pattern:
            advice = self._ranked(decision)[0].advice.pick(language)
            key = "hold_pattern" if decision.action == "hold" else "warn_pattern"
            return message(key, language, pattern=pattern, advice=advice)
        if decision.action == "hold":
            return message("hold", language)
        return message("warn_context", language, reason=self._top_reason(decision, language))

    def _ranked(self, decision: RiskDecision) -> list[Pattern]:
        return sorted((self.rules.patterns[p] for p in decision.patterns), key=lambda p: -p.weight)

    def _top_pattern(self, decision: RiskDecision, language: str) -> str:
        ranked = self._ranked(decision)
        return ranked[0].name.pick(language) if ranked else ""

    def _top_reason(self, decision: RiskDecision, language: str) -> str:
        for code in decision.codes:
            kind, _, name = code.partition(":")
            if kind == "rule" and name in self.rules.money_rules:
                return self.rules.money_rules[name].reason.pick(language)
            if kind == "vision" and name in self.rules.vision:
                return self.rules.vision[name].reason.pick(language)
        return self.rules.context["money_in_progress"].reason.pick(language)


def _words(prepared: str) -> int:
    """Chinese characters plus English words: how much the customer said."""
    return len(_CJK_CHAR.findall(prepared)) + len(_LATIN_WORD.findall(prepared))


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
