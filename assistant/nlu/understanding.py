"""One pass of understanding per customer turn: a typed result that the routing policy acts on.

A turn is understood once into `TurnUnderstanding`: the dialogue act (request, question, complaint,
chit-chat, confirm, deny, go back, start over), the business (a catalogue key), the confidence, the
language, the slots and the reasons. Rules decide the short dialogue acts, where embeddings are weakest
and a mistake moves money (对 / 不对); the trained recogniser decides everything else. `intent` keeps the
name the rest of the system has always used (the business, or the dialogue intent) for transcripts and
API clients.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from assistant.nlu.catalogue import NO_BUSINESS, OUT_OF_SCOPE, UNCLEAR_BUSINESS, Catalogue
from assistant.nlu.embeddings import Embedder
from assistant.nlu.recogniser import Candidate, Recogniser
from assistant.nlu.rules import RuleMatcher
from assistant.nlu.text import Language, detect_language, is_filler, normalize

UNCLEAR = "unclear"
# What a rule's intent means as (act, business).
RULE_MEANING: dict[str, tuple[str, str]] = {
    "confirm": ("confirm", NO_BUSINESS),
    "deny": ("deny", NO_BUSINESS),
    "go_back": ("go_back", NO_BUSINESS),
    "start_over": ("start_over", NO_BUSINESS),
    "greeting": ("chitchat", NO_BUSINESS),
    "thanks": ("chitchat", NO_BUSINESS),
    "goodbye": ("chitchat", NO_BUSINESS),
    "human_agent": ("request", "human_agent"),
    "complaint": ("complaint", "complaint"),
}
_DIGITS = re.compile(r"\d[\d,.\s-]*\d|\d")


@dataclass(frozen=True)
class UnderstandingOptions:
    """Floors below which the recogniser's answer is not trusted (chosen by cross-validation)."""

    min_business: float = 0.10  # below: business "unclear"
    min_yes_no: float = 0.75  # a yes or no found by the model (not a rule) must be sure: it moves money
    max_chars: int = 512
    named_depth: int = 3  # how far down the ranking a business named by its terms may come from
    min_named: float = 0.05  # and how likely it must still be


@dataclass(frozen=True)
class TurnUnderstanding:
    """Everything understood of one turn, with the reasons (for transcripts, tests and reviewers)."""

    act: str
    business: str
    confidence: float
    language: Language
    text: str
    intent: str
    source: str  # rule | model | empty | filler
    act_confidence: float = 1.0
    businesses: list[Candidate] = field(default_factory=list)
    acts: list[Candidate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rule: str | None = None

    @property
    def unclear(self) -> bool:
        """Nothing the catalogue knows was understood (empty, hesitation, noise, a fragment)."""
        return self.business == UNCLEAR_BUSINESS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def classifier_form(text: str) -> str:
    """What the recogniser reads: digits collapsed to one '0' per number, so an account number or an
    amount inside a sentence looks like every other number instead of a string of unseen n-grams."""
    return _DIGITS.sub("0", text)


class Understander:
    """Rules, then the recogniser. Thread-safe; build once per process."""

    def __init__(
        self,
        catalogue: Catalogue,
        rules: RuleMatcher | None,
        embedder: Embedder,
        recogniser: Recogniser,
        options: UnderstandingOptions | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.rules = rules
        self.embedder = embedder
        self.recogniser = recogniser
        self.options = options or UnderstandingOptions()

    def understand(self, text: str, language: Language = "zh", vector: np.ndarray | None = None) -> TurnUnderstanding:
        """`language` is the session's, the fallback when the text shows none (digits, emoji); `vector`
        is the text's embedding when the caller has it already (cross-validation)."""
        limit = self.options.max_chars
        norm = normalize(text[: limit * 2])[:limit]
        lang = detect_language(norm, default=language)
        if not norm:
            return TurnUnderstanding("chitchat", UNCLEAR_BUSINESS, 0.0, lang, norm, UNCLEAR, "empty", 0.0)
        hit = self.rules.match(norm) if self.rules else None
        if hit is not None and hit.intent in RULE_MEANING:
            act, business = RULE_MEANING[hit.intent]
            reasons = [f"rule {hit.intent}: {hit.pattern}"]
            return TurnUnderstanding(
                act, business, 0.97, lang, norm, hit.intent, "rule", 0.97, reasons=reasons, rule=hit.pattern
            )
        if is_filler(norm):
            return TurnUnderstanding("chitchat", UNCLEAR_BUSINESS, 0.0, lang, norm, UNCLEAR, "filler", 0.0)
        if vector is None:
            vector = self.embedder.embed([norm])[0]
        return self.decide(norm, lang, vector)

    def decide(self, norm: str, lang: Language, vector: np.ndarray) -> TurnUnderstanding:
        """The recogniser's answer for an utterance no rule decided (also used by cross-validation)."""
        seen = self.recogniser.recognise(classifier_form(norm), vector)
        businesses, acts = seen.businesses, seen.acts
        business, confidence = businesses[0].name, businesses[0].confidence
        act, act_confidence = acts[0].name, acts[0].confidence
        reasons = [f"business {business} p={confidence:.2f}", f"act {act} p={act_confidence:.2f}"]
        named = self._named_instead(set(seen.named), businesses)
        if named is not None:
            reasons.append(f"{named.name} is named ({business} is not): the kiosk cannot do it, so no journey")
            business, confidence = named.name, named.confidence
        if confidence < self.options.min_business:
            reasons.append(f"business below {self.options.min_business}")
            business = UNCLEAR_BUSINESS
        if act in ("confirm", "deny") and act_confidence < self.options.min_yes_no:
            act = next((a.name for a in acts if a.name not in ("confirm", "deny")), "chitchat")
            reasons.append(f"a yes or no needs a rule or p >= {self.options.min_yes_no}: read as {act}")
        if business == NO_BUSINESS and act in ("request", "question"):
            business = UNCLEAR_BUSINESS  # wants something, but nothing the catalogue knows
            reasons.append("no business for a request or question: unclear")
        intent = _intent_of(act, business)
        return TurnUnderstanding(
            act, business, confidence, lang, norm, intent, "model", act_confidence, businesses, acts, reasons
        )

    def _named_instead(self, present: set[str], businesses: list[Candidate]) -> Candidate | None:
        """A business the kiosk cannot do, named by its own terms (存折, 信用卡, 销户, passbook) and likely
        enough, when the model's first choice is a journey whose terms are absent: "I lost my passbook"
        must not start the card-loss journey. The catalogue's never-a-wrong-journey rule, applied where
        the model is least sure of the difference."""
        top = businesses[0]
        if self.catalogue.kind(top.name) != "journey":
            return None
        if top.name in present:
            return None
        for candidate in businesses[1 : self.options.named_depth]:
            named = candidate.name in present and candidate.confidence >= self.options.min_named
            if named and self.catalogue.kind(candidate.name) == "knowledge":
                return candidate
        return None


def _intent_of(act: str, business: str) -> str:
    """The name transcripts and API clients have always seen: the business, else the dialogue act."""
    if business not in (NO_BUSINESS, UNCLEAR_BUSINESS):
        return business
    if act in ("confirm", "deny", "go_back", "start_over"):
        return act
    if business == NO_BUSINESS:
        return "chitchat"
    return UNCLEAR


__all__ = ["OUT_OF_SCOPE", "TurnUnderstanding", "Understander", "UnderstandingOptions", "classifier_form"]
