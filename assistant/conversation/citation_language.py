"""Citations named in the reply's language: an English visit never reads a Chinese source title.

Why: retrieval may cite a document in the other language (a Chinese-only document answers an English
question; a journey cites the Chinese original). The screen shows each source's title as a chip, so
the title must be in the visit's language: the document's own version in that language when the
knowledge has one (`card-loss-report` -> `card-loss-report-en`), else its translated title (`title_en`
in the front matter), else the title as it is (one source, one language: never mixed in one chip).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from assistant.conversation.citations import DocumentCitations
from assistant.conversation.schemas import Citation
from knowledge.base import default_content_dir
from knowledge.config import KnowledgeOptions
from knowledge.loaders import discover, load_file

HAN = re.compile(r"[\u4e00-\u9fff]")


def citation_language(citation: Citation) -> str:
    """The language a citation is in: "en" for an English version (`-en`) or a Latin title, else "zh"."""
    if citation.doc_id.endswith("-en"):
        return "en"
    return "zh" if HAN.search(citation.title) else "en"


class CitationTitles:
    """Looks up a cited document's other-language version and translated title in the approved content."""

    def __init__(self, options: KnowledgeOptions | None = None) -> None:
        self._options = options or KnowledgeOptions()
        self._documents = DocumentCitations(options=self._options)
        self._lock = threading.Lock()
        self._english: dict[str, str] | None = None

    def english_titles(self) -> dict[str, str]:
        """doc id -> `title_en`, for the documents that carry one (read once per process)."""
        with self._lock:
            if self._english is None:
                files, _ = discover([default_content_dir(self._options)])
                docs = [doc for file in files for doc in load_file(file, self._options.max_file_bytes)[0]]
                self._english = {doc.id: doc.title_en for doc in docs if doc.title_en}
            return self._english

    def in_language(self, citation: Citation, lang: str) -> Citation:
        """`citation` named in `lang` (see the module docstring); unchanged when it already is."""
        if citation_language(citation) == lang:
            return citation
        twin = self._documents.cite([citation.doc_id], citation.snippet, language=lang)
        if twin and twin[0].doc_id != citation.doc_id:
            return twin[0]
        title = self.english_titles().get(citation.doc_id) if lang == "en" else None
        return citation.model_copy(update={"title": title}) if title else citation


@lru_cache(maxsize=1)
def _approved_titles() -> CitationTitles:
    return CitationTitles()


def in_reply_language(citations: list[Citation], lang: str, titles: CitationTitles | None = None) -> list[Citation]:
    """The reply's citations, each named in `lang`, each document once (`titles`: the approved content)."""
    titles = titles or _approved_titles()
    kept: list[Citation] = []
    for citation in citations:
        named = titles.in_language(citation, lang)
        if all(named.doc_id != c.doc_id for c in kept):
            kept.append(named)
    return kept
