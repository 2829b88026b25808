"""What to bring to a booked visit, quoted from approved knowledge with its source (a cited excerpt).

`data/mobile.yaml` names, per business, the documents and words that say what it needs; the excerpt is the
whole lines of each document that mention those words (the pension line of what-to-bring, not the
whole page), in the customer's language where the content has that language.
"""

from __future__ import annotations

import threading
from typing import Any

from assistant.conversation.citations import Passages, content_passages, in_language
from knowledge.config import KnowledgeOptions

MOST_LINES = 2


def excerpt(text: str, about: str, most: int = MOST_LINES) -> str:
    """The lines of `text` that mention the words of `about` (those of its first word first), else its
    first lines; headings left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    chosen: list[str] = []
    for word in (w for w in about.lower().split() if w):  # the first words are the most telling
        chosen.extend(line for line in lines if word in line.lower() and line not in chosen)
    return "\n".join((chosen or lines)[:most])


class WhatToBring:
    def __init__(self, documents: dict[str, dict[str, Any]], options: KnowledgeOptions) -> None:
        self._documents = documents
        self._options = options
        self._lock = threading.Lock()
        self._passages: Passages | None = None

    def passages(self) -> Passages:
        with self._lock:
            if self._passages is None:
                self._passages = content_passages(self._options)
            return self._passages

    def for_business(self, business_type: str) -> dict[str, list[dict[str, Any]]]:
        """Per language: [{doc_id, title, excerpt, effective_from}] for the business (or the general list)."""
        entry = self._documents.get(business_type) or self._documents.get("general") or {}
        about, known = entry.get("about") or {}, self.passages()
        out: dict[str, list[dict[str, Any]]] = {}
        for lang in ("zh", "en"):
            cited = []
            for doc_id in dict.fromkeys(in_language(d, lang, known) for d in entry.get("docs") or []):
                passages = known.get(doc_id) or []
                if not passages:
                    continue
                # a document only in Chinese is quoted in Chinese, picked by the Chinese words
                words = about.get(lang if lang == "zh" or doc_id.endswith("-en") else "zh", "")
                text = excerpt("\n".join(p.text for p in passages), str(words))
                first = passages[0]
                cited.append(
                    {"doc_id": doc_id, "title": first.title, "excerpt": text, "effective_from": first.effective_from}
                )
            out[lang] = cited
        return out
