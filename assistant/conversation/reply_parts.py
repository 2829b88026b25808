"""Small builders of replies shared by the router and the conversation service: a reply from the
replies file, the reply language, citations and their card."""

from __future__ import annotations

from typing import Any

from assistant.conversation import replies
from assistant.conversation.schemas import Card, Citation, Reply


def say(key: str, language: str, suggestions: list[str] | None = None, **values: Any) -> Reply:
    return Reply(text=replies.render(key, language, **values), language=lang(language), suggestions=suggestions or [])


def lang(language: str) -> Any:
    return replies.reply_language(language)


def citation_of(raw: dict[str, Any]) -> Citation:
    effective = raw.get("effective_from")
    return Citation(
        doc_id=str(raw.get("doc_id", "")),
        title=str(raw.get("title", "")),
        snippet=str(raw.get("snippet", "")),
        section=raw.get("section"),
        effective_from=None if effective is None else str(effective),
    )


def citations_card(citations: list[Citation]) -> Card:
    return Card(type="citations", title="依据", data={"items": [c.model_dump() for c in citations]})
