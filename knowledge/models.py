"""The data that flows through the knowledge package: documents, chunks, hits, answers, ingest reports.

Plain dataclasses so they serialise to JSON without a framework and cross thread boundaries freely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Audience = Literal["customer", "staff"]
AUDIENCES: tuple[Audience, ...] = ("customer", "staff")


@dataclass
class Document:
    """One approved piece of knowledge: a Markdown file or one FAQ entry."""

    id: str
    title: str
    body: str
    source_path: str
    kind: Literal["markdown", "faq"]
    audience: Audience = "customer"
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str = "zh"
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    source: str = ""
    questions: list[str] = field(default_factory=list)
    line: int = 1
    # the title in English for a Chinese document with no English version (`title_en` in the front
    # matter): an English visit's citation then names its source in English
    title_en: str = ""


@dataclass
class Chunk:
    """The unit that is indexed and cited: a section of a document, or a whole FAQ entry."""

    id: str
    doc_id: str
    title: str
    section: str
    text: str
    index_text: str
    audience: Audience
    products: list[str]
    tags: list[str]
    language: str
    effective_from: str | None
    effective_until: str | None
    source: str
    source_path: str
    kind: str
    hash: str
    flags: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


@dataclass
class IngestIssue:
    """A problem with one input; `line` is 1-based where the format has lines."""

    path: str
    message: str
    line: int | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class IngestReport:
    """What an ingestion did: counts, what was re-embedded, and every problem found."""

    kb: str
    files: int = 0
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed_documents: int = 0
    seconds: float = 0.0
    issues: list[IngestIssue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issues"] = [asdict(i) for i in self.issues]
        data["errors"] = sum(1 for i in self.issues if i.severity == "error")
        return data


@dataclass
class Hit:
    """One search result with everything a citation needs."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    snippet: str
    text: str
    score: float
    effective_from: str | None
    effective_until: str | None
    source: str
    audience: str
    flags: list[str]
    kind: str = ""
    dense_score: float = 0.0
    bm25_rank: int | None = None
    dense_rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def citation(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "effective_from": self.effective_from,
            "source": self.source,
        }


@dataclass
class SearchResponse:
    """Ranked hits plus the confidence that the first one answers the query."""

    query: str
    results: list[Hit]
    confidence: float
    took_ms: float
    signals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "confidence": round(self.confidence, 4),
            "took_ms": round(self.took_ms, 2),
            "results": [h.to_dict() for h in self.results],
        }


@dataclass
class Answer:
    """A short grounded answer (sentences copied from cited passages) or an abstention."""

    question: str
    answer: str
    citations: list[dict[str, Any]]
    confidence: float
    abstained: bool
    language: str = "zh"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
