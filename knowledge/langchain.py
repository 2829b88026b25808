"""LangChain adapters, so the knowledge base plugs into LangChain chains unchanged.

`KnowledgeEmbeddings` exposes any `Embedder` as `langchain_core.embeddings.Embeddings`;
`KnowledgeRetriever` exposes hybrid search (with its audience filter) as a `BaseRetriever` whose
documents carry the citation fields in their metadata.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from knowledge.embedders import Embedder
from knowledge.textnorm import normalize


class KnowledgeEmbeddings(Embeddings):
    """An `Embedder` as LangChain embeddings (texts are normalised the way the index normalises them)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.embedder.embed_passages([normalize(t) for t in texts])
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embedder.embed_query(normalize(text))]


class KnowledgeRetriever(BaseRetriever):
    """Hybrid retrieval from a `KnowledgeBase` for one audience."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: Any
    audience: str = "customer"
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        response = self.kb.search(query, k=self.k, audience=self.audience)
        docs: list[LCDocument] = []
        for hit in response.results:
            metadata: dict[str, Any] = {
                "doc_id": hit.doc_id,
                "chunk_id": hit.chunk_id,
                "title": hit.title,
                "section": hit.section,
                "score": hit.score,
                "effective_from": hit.effective_from,
                "source": hit.source,
                "flags": hit.flags,
                "confidence": response.confidence,
            }
            docs.append(LCDocument(page_content=hit.text, metadata=metadata, id=hit.chunk_id))
        return docs
