"""The visit's context in understanding: the topic of the last turns shapes the next one.

Customers ask follow-ups without naming the business again ("How do I open an account?" then "What
documents do foreigners need?"). The session keeps the topic (the last business talked about) and the
last cited document; a follow-up whose business is unclear, or only weakly different, is read within
that topic, and its retrieval query carries the topic's name, so the answer comes from the right
document instead of whatever else mentions "documents".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from assistant.nlu.catalogue import UNCLEAR_BUSINESS, Business, Catalogue
from assistant.nlu.understanding import TurnUnderstanding
from knowledge.models import Answer

TOPIC_KINDS = ("journey", "knowledge")
FOLLOW_UP_MIN = 0.10  # the topic must still be a plausible reading of the follow-up
SURE_ELSEWHERE = 0.60  # a business this sure is a new topic, not a follow-up
TOPIC_TURNS = 3  # the topic fades after this many turns without it


@dataclass(frozen=True)
class Context:
    """What the router needs besides the understanding: the text to retrieve with."""

    query: str
    topic: str | None = None
    followed_up: bool = False
    offered: str | None = None  # the business whose journey the last reply offered to start


def with_context(
    text: str, understood: TurnUnderstanding, state: dict[str, Any], catalogue: Catalogue
) -> tuple[TurnUnderstanding, Context]:
    """The understanding read within the visit's topic, and the retrieval query for this turn."""
    topic_name = state.get("topic")
    topic = catalogue.get(topic_name) if isinstance(topic_name, str) else None
    if topic is None or understood.source == "rule" or understood.act not in ("question", "request", "correction"):
        return understood, Context(query=text)
    if understood.business == topic.name:
        return understood, Context(query=_with_title(text, topic, understood.language), topic=topic.name)
    if understood.confidence >= SURE_ELSEWHERE and understood.business != UNCLEAR_BUSINESS:
        return understood, Context(query=text)
    plausible = any(c.name == topic.name and c.confidence >= FOLLOW_UP_MIN for c in understood.businesses)
    if understood.business == UNCLEAR_BUSINESS or plausible:
        reason = f"follow-up read within the topic {topic.name}"
        followed = dataclasses.replace(
            understood,
            business=topic.name,
            intent=topic.name,
            act="question" if understood.act == "correction" else understood.act,
            reasons=[*understood.reasons, reason],
        )
        return followed, Context(
            query=_with_title(text, topic, understood.language), topic=topic.name, followed_up=True
        )
    return understood, Context(query=text)


def _with_title(text: str, topic: Business, language: str) -> str:
    """The query with the topic's name after it, unless the customer already said it (after: the
    customer's own words lead the dense query, the name adds the missing context)."""
    title = topic.title.en if language == "en" else topic.title.zh
    if title.lower() in text.lower():
        return text
    return f"{text} {title}"


def remember(state: dict[str, Any], understood: TurnUnderstanding, out: Any, catalogue: Catalogue) -> None:
    """After the turn: the business talked about becomes the topic; the cited document is kept."""
    if catalogue.kind(understood.business) in TOPIC_KINDS:
        state["topic"] = understood.business
        state["topic_age"] = 0
    elif state.get("topic"):
        state["topic_age"] = int(state.get("topic_age", 0)) + 1
        if state["topic_age"] >= TOPIC_TURNS:
            state.pop("topic", None)
            state.pop("topic_age", None)
    citations = getattr(getattr(out, "reply", None), "citations", None) or []
    if citations:
        state["last_doc"] = citations[0].doc_id


def answered_business(answer: Answer, business: Business) -> bool:
    """True when the answer cites one of the business's documents (or their English twins)."""
    wanted = set(business.docs) | {f"{d}-en" for d in business.docs}
    return any(str(c.get("doc_id")) in wanted for c in answer.citations)
