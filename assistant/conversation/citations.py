"""Turn the knowledge doc ids a journey cites into `Citation`s (doc id, title, snippet) for the reply.

Why: journey texts state approved facts (fees, rates, caps); the customer and the grounding checker
must see where each came from. Passages come from the live knowledge base when it is ready (its
chunks, so the snippet is what retrieval would cite); before the KB is built they come from the
approved content files, so a citation is never dropped. Unknown ids still yield a bare citation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.conversation.schemas import Citation
from knowledge.base import KnowledgeBase, default_content_dir
from knowledge.config import KnowledgeOptions
from knowledge.loaders import discover, load_file

SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Passage:
    title: str
    section: str | None
    text: str
    effective_from: str | None = None


Passages = dict[str, list[Passage]]


def content_passages(options: KnowledgeOptions) -> Passages:
    """Every approved document of the configured content, one passage per document."""
    files, _ = discover([default_content_dir(options)])
    found: Passages = {}
    for file in files:
        for doc in load_file(file, options.max_file_bytes)[0]:
            effective = None if doc.effective_from is None else doc.effective_from.isoformat()
            found[doc.id] = [Passage(doc.title, None, doc.body, effective)]
    return found


def kb_passages(kb: KnowledgeBase) -> Passages:
    """The chunks of the knowledge base's live generation, grouped by document."""
    found: Passages = {}
    for chunk in kb.searcher().gen.chunks():
        passage = Passage(chunk.title, chunk.section or None, chunk.text, chunk.effective_from)
        found.setdefault(chunk.doc_id, []).append(passage)
    return found


def in_language(doc_id: str, language: str, known: Passages) -> str:
    """The id of `doc_id`'s version in `language` when the content has one ("x-en" is x in English)."""
    other = doc_id.removesuffix("-en") if language == "zh" else f"{doc_id.removesuffix('-en')}-en"
    return other if other != doc_id and other in known else doc_id


class DocumentCitations:
    """Look up cited documents by id; `kb` returns the knowledge base when it is ready, else None."""

    def __init__(
        self, kb: Callable[[], KnowledgeBase | None] | None = None, options: KnowledgeOptions | None = None
    ) -> None:
        self._kb = kb
        self._options = options or KnowledgeOptions()
        self._lock = threading.Lock()
        self._cache: tuple[object, Passages] | None = None

    def _passages(self) -> Passages:
        kb = self._kb() if self._kb is not None else None
        key: object = ("kb", kb.store.stamp()) if kb is not None else "content"
        with self._lock:
            if self._cache is None or self._cache[0] != key:
                passages = kb_passages(kb) if kb is not None else content_passages(self._options)
                self._cache = (key, passages)
            return self._cache[1]

    def cite(self, doc_ids: Iterable[str], stated: str = "", language: str | None = None) -> list[Citation]:
        """One citation per id, its snippet the passage that shares most words/numbers with `stated`.
        With `language`, a document is replaced by its version in that language where one exists
        (`x` and `x-en`), so a Chinese answer cites the Chinese text and an English one the English."""
        passages = self._passages()
        if language in ("zh", "en"):
            doc_ids = [in_language(d, language, passages) for d in doc_ids]
        citations: list[Citation] = []
        for doc_id in dict.fromkeys(doc_ids):
            candidates = passages.get(doc_id) or []
            if not candidates:
                citations.append(Citation(doc_id=doc_id, title=doc_id))
                continue
            best = max(candidates, key=lambda p: sum(ch in p.text for ch in set(stated)))
            citations.append(
                Citation(
                    doc_id=doc_id,
                    title=best.title,
                    snippet=best.text[:SNIPPET_CHARS],
                    section=best.section,
                    effective_from=best.effective_from,
                )
            )
        return citations
