"""`KnowledgeBase`: the one object the rest of Lobby talks to (ingest, search, answer, stats).

It holds the loaded generation and notices when another process (say `lobby kb ingest` while the
server runs) publishes a new one: the next query loads it and swaps the reference, while queries in
flight keep the generation they started with.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.answer import compose
from knowledge.confidence import ConfidenceModel
from knowledge.config import KnowledgeOptions
from knowledge.embedders import Embedder, make_embedder
from knowledge.index import Generation, IndexParams
from knowledge.ingest import ingest
from knowledge.models import Answer, IngestReport, SearchResponse
from knowledge.search import Filters, Mode, Searcher, SearchParams
from knowledge.store import KBStore
from knowledge.textnorm import has_cjk

SHIPPED_CONTENT = Path(__file__).resolve().parent / "content" / "demo_bank"
WITHIN_DEPTH = 20  # how deep answer_within looks for one of its documents


class KnowledgeBaseMissing(LookupError):
    """The named knowledge base was never built; the message says how to build it."""


def shared_embedder(backend: str, model_dir: str | None, batch_encoder: str = "auto") -> Embedder:
    """One embedder per (backend, model) per process: models are heavy, load them once."""
    return _shared_embedder(backend, model_dir, batch_encoder)


@lru_cache(maxsize=4)
def _shared_embedder(backend: str, model_dir: str | None, batch_encoder: str) -> Embedder:
    # every argument explicit: lru_cache would key f(a, b) and f(a, b, "auto") apart
    return make_embedder(backend, model_dir, batch_encoder)


def default_content_dir(options: KnowledgeOptions) -> Path:
    return Path(options.content_dir) if options.content_dir else SHIPPED_CONTENT


class KnowledgeBase:
    """A named knowledge base under `var_dir/kb/<name>`."""

    def __init__(
        self,
        var_dir: Path,
        options: KnowledgeOptions | None = None,
        name: str | None = None,
        embedder: Embedder | None = None,
        confidence: ConfidenceModel | None = None,
    ) -> None:
        self.options = options or KnowledgeOptions()
        self.store = KBStore(var_dir, name or self.options.default_kb)
        self.embedder = embedder or shared_embedder(
            self.options.embedder, self.options.embedder_model_dir, self.options.batch_encoder
        )
        self.confidence = confidence or ConfidenceModel.load(embedder=self.embedder.name)
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._stamp = -1

    @property
    def name(self) -> str:
        return self.store.name

    @property
    def index_params(self) -> IndexParams:
        o = self.options
        return IndexParams(hnsw_threshold=o.hnsw_threshold, hnsw_m=o.hnsw_m, hnsw_ef_search=o.hnsw_ef_search)

    @property
    def search_params(self) -> SearchParams:
        o = self.options
        return SearchParams(o.fusion, o.rrf_k, o.dense_weight, o.pinyin_weight, o.candidates, o.question_weight)

    @property
    def threshold(self) -> float:
        """Abstain below this confidence: the configured value, else the calibrated one."""
        t = self.options.abstain_threshold
        return t if t is not None else self.confidence.threshold

    def exists(self) -> bool:
        return self.store.exists()

    def ingest(
        self,
        paths: list[Path] | None = None,
        replace: bool = False,
        progress: bool = False,
        cancel: threading.Event | None = None,
    ) -> IngestReport:
        """Ingest `paths` (default: the configured content) and load the result."""
        o = self.options
        report = ingest(
            self.store,
            paths or [default_content_dir(o)],
            self.embedder,
            chunk_max_chars=o.chunk_max_chars,
            max_file_bytes=o.max_file_bytes,
            max_doc_chars=o.max_doc_chars,
            batch_size=o.embed_batch,
            params=self.index_params,
            replace=replace,
            progress=progress,
            cancel=cancel,
            index_questions=o.index_questions,
            embed_max_chars=o.embed_max_chars,
            embed_faq_answers=o.embed_faq_answers,
        )
        self.searcher()
        return report

    def searcher(self) -> Searcher:
        """The searcher over the live generation, reloaded when a new one was published."""
        stamp = self.store.stamp()
        current = self._searcher
        if current is not None and stamp == self._stamp:
            return current
        with self._lock:
            if self._searcher is None or stamp != self._stamp:
                path = self.store.current_path()
                if path is None:
                    raise KnowledgeBaseMissing(
                        f"knowledge base '{self.name}' is empty: run `lobby kb ingest` (or `--kb {self.name}`)"
                    )
                gen = Generation(path, self.index_params)
                self._searcher = Searcher(gen, self.embedder, self.search_params, self.confidence)
                self._stamp = stamp
            return self._searcher

    def search(
        self,
        query: str,
        k: int = 5,
        audience: str = "customer",
        products: list[str] | None = None,
        tags: list[str] | None = None,
        as_of: dt.date | None = None,
        mode: Mode = "hybrid",
    ) -> SearchResponse:
        filters = Filters(audience=audience, products=products or [], tags=tags or [], as_of=as_of)
        return self.searcher().search(query, k=k, filters=filters, mode=mode)

    def answer(self, question: str, audience: str = "customer", as_of: dt.date | None = None) -> Answer:
        """A grounded answer with citations, or an abstention when retrieval is not sure."""
        response = self.search(question, k=3, audience=audience, as_of=as_of)
        return compose(question, response, self.threshold)

    def answer_within(
        self, question: str, doc_ids: list[str], audience: str = "customer", as_of: dt.date | None = None
    ) -> Answer:
        """The best answer to `question` from the named documents only (or their English twins,
        `<id>-en`): the "how and where" of a business the caller already recognised. Retrieval picks
        the section; the recognised business stands in for retrieval's own confidence, so this never
        abstains while one of the documents is in the ranking (`WITHIN_DEPTH` deep)."""
        wanted = set(doc_ids) | {f"{d}-en" for d in doc_ids}
        response = self.search(question, k=WITHIN_DEPTH, audience=audience, as_of=as_of)
        hits = [h for h in response.results if h.doc_id in wanted]
        english = not has_cjk(question)
        hits.sort(key=lambda h: h.doc_id.endswith("-en") != english)  # the asker's language first
        return compose(question, replace(response, results=hits[:1], confidence=1.0), 0.0)

    def warm_up(self) -> None:
        """Load the generation, the embedder and the tokenisers now, so the first customer does not
        wait for them (about 3 s on a busy 2-core machine)."""
        self.search("营业时间 opening hours", k=1)

    def stats(self) -> dict[str, Any]:
        path = self.store.current_path()
        if path is None:
            return {"kb": self.name, "exists": False, "path": str(self.store.path)}
        gen = self.searcher().gen
        documents = gen.documents()
        size_bytes = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        return {
            "kb": self.name,
            "exists": True,
            "path": str(path),
            "documents": len(documents),
            "chunks": gen.size,
            "staff_chunks": int((gen.audience == 1).sum()),
            "dense_index": gen.manifest.get("dense_index"),
            "embedder": gen.manifest.get("embedder"),
            "built_at": gen.manifest.get("built_at"),
            "disk_bytes": size_bytes,
            "abstain_threshold": round(self.threshold, 4),
            "fusion": self.options.fusion,
        }
