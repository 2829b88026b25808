"""Hybrid retrieval over one loaded generation: BM25 (words + bigrams), BM25 over pinyin, and dense
vectors, each restricted by the same filter mask, fused by reciprocal rank (or by weighted scores).

Filters are applied inside each ranking (BM25 weight mask, faiss ID selector), not after the fact,
so a customer's top-k is never emptied by staff documents and staff text never reaches a customer.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import bm25s
import faiss
import numpy as np
import numpy.typing as npt

from knowledge.confidence import ConfidenceModel, Signals
from knowledge.embedders import Embedder
from knowledge.index import AUDIENCE_CODE, Generation
from knowledge.models import Hit, SearchResponse
from knowledge.quantities import MISMATCH_FACTOR, disagrees, durations
from knowledge.scope import Scope, default_scope
from knowledge.snippets import snippet
from knowledge.textnorm import lexical_tokens, normalize, pinyin_tokens, query_terms

Mode = Literal["hybrid", "bm25", "dense"]
_faiss: Any = faiss  # its type stubs lack the selector / search-parameter API used here


RERANK_DEPTH = 20  # leading fused candidates checked for agreeing durations


@dataclass(frozen=True)
class SearchParams:
    """Fusion settings (from KnowledgeOptions)."""

    fusion: Literal["rrf", "weighted"] = "rrf"
    rrf_k: int = 60
    dense_weight: float = 1.0
    pinyin_weight: float = 0.5
    candidates: int = 50
    question_weight: float = 0.0


@dataclass
class Filters:
    """Who asks and what they may see. A customer never sees staff documents."""

    audience: str = "customer"
    products: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    include_expired: bool = False


def filter_mask(gen: Generation, filters: Filters) -> npt.NDArray[np.bool_]:
    """Rows the asker may see and that are in force on `as_of` (default today)."""
    mask = np.ones(gen.size, dtype=bool)
    if filters.audience != "staff":
        mask &= gen.audience == AUDIENCE_CODE["customer"]
    if not filters.include_expired:
        day = (filters.as_of or dt.date.today()).toordinal()
        mask &= (gen.eff_from <= day) & (gen.eff_until >= day)
    labels = [f"p:{p}" for p in filters.products] + [f"t:{t}" for t in filters.tags]
    if labels:
        mask &= gen.label_mask(labels)
    return mask


def _bm25_rank(
    index: bm25s.BM25 | None, tokens: list[str], mask: npt.NDArray[np.bool_], n: int
) -> tuple[list[int], npt.NDArray[np.float32]]:
    if index is None:
        return [], np.zeros(0, dtype=np.float32)
    ids = index.get_tokens_ids(tokens)
    if not ids:
        return [], np.zeros(0, dtype=np.float32)
    scores = index.get_scores_from_ids(ids, weight_mask=mask.astype(np.float32))
    positive = int((scores > 0).sum())
    n = min(n, positive)
    if n == 0:
        return [], scores
    top = np.argpartition(-scores, n - 1)[:n]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]], scores


def _dense_rank(
    gen: Generation, query_vec: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_], n: int
) -> tuple[list[int], dict[int, float]]:
    if gen.dense is None or not mask.any():
        return [], {}
    params = None
    bits = np.packbits(mask, bitorder="little")  # kept alive (local) while faiss reads it
    if not mask.all():
        selector = _faiss.IDSelectorBitmap(bits)
        params = (
            _faiss.SearchParametersHNSW(sel=selector, efSearch=max(n, 64))
            if isinstance(gen.dense, faiss.IndexHNSWFlat)
            else _faiss.SearchParameters(sel=selector)
        )
    scores, ids = gen.dense.search(query_vec.reshape(1, -1), min(n, gen.size), params=params)
    rows = [int(i) for i in ids[0] if i >= 0]
    return rows, {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}


@dataclass
class Candidates:
    """The rows each ranking proposes for one query (best first) and the dense cosines."""

    norm: str
    bm25: list[int] = field(default_factory=list)
    pinyin: list[int] = field(default_factory=list)
    dense: list[int] = field(default_factory=list)
    dense_scores: dict[int, float] = field(default_factory=dict)
    question: list[int] = field(default_factory=list)
    question_scores: dict[int, float] = field(default_factory=dict)


def _question_rank(
    gen: Generation, query_vec: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_], n: int
) -> tuple[list[int], dict[int, float]]:
    """Chunks ranked by their closest FAQ question variant (query-to-question cosine)."""
    if gen.questions is None or not len(gen.question_rows):
        return [], {}
    qmask = mask[gen.question_rows]
    if not qmask.any():
        return [], {}
    bits = np.packbits(qmask, bitorder="little")
    params = None if qmask.all() else _faiss.SearchParameters(sel=_faiss.IDSelectorBitmap(bits))
    scores, ids = gen.questions.search(query_vec.reshape(1, -1), min(n * 3, len(qmask)), params=params)
    best: dict[int, float] = {}
    for i, score in zip(ids[0], scores[0], strict=True):
        if i >= 0:
            row = int(gen.question_rows[i])
            best[row] = max(best.get(row, -1.0), float(score))
    rows = sorted(best, key=lambda r: -best[r])[:n]
    return rows, {r: best[r] for r in rows}


class Searcher:
    """Ranks the chunks of one generation for a query."""

    def __init__(
        self,
        gen: Generation,
        embedder: Embedder,
        params: SearchParams,
        confidence: ConfidenceModel,
        scope: Scope | None = None,
    ):
        self.gen = gen
        self.embedder = embedder
        self.params = params
        self.confidence = confidence
        self.scope = scope or default_scope()

    def candidates(self, query: str, filters: Filters | None = None, mode: Mode = "hybrid", k: int = 5) -> Candidates:
        """Each ranking's candidate rows for `query`, before fusion (benchmarks tune fusion on these)."""
        filters = filters or Filters()
        norm = normalize(query)
        cands = Candidates(norm)
        if not norm or self.gen.size == 0:
            return cands
        mask = filter_mask(self.gen, filters)
        n = max(self.params.candidates, k * 4)
        if mode in ("hybrid", "bm25"):
            cands.bm25, _ = _bm25_rank(self.gen.bm25, lexical_tokens(norm), mask, n)
            if mode == "hybrid" and self.params.pinyin_weight > 0:
                cands.pinyin, _ = _bm25_rank(self.gen.bm25_pinyin, pinyin_tokens(norm), mask, n)
        if mode in ("hybrid", "dense"):
            vec = self.embedder.embed_query(norm)
            cands.dense, cands.dense_scores = _dense_rank(self.gen, vec, mask, n)
            if mode == "hybrid":
                cands.question, cands.question_scores = _question_rank(self.gen, vec, mask, n)
        return cands

    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: Mode = "hybrid") -> SearchResponse:
        """The k best documents (their best chunk each) for `query`, with snippets and confidence."""
        started = time.perf_counter()
        cands = self.candidates(query, filters, mode, k)
        return self.rank(query, cands, k, mode, started)

    def rank(
        self, query: str, cands: Candidates, k: int, mode: Mode = "hybrid", started: float | None = None
    ) -> SearchResponse:
        """Fuse the candidates into the final response."""
        started = started if started is not None else time.perf_counter()
        fused = self._agree_on_durations(self._fuse(cands), cands.norm)
        hits = self._hits(fused, cands.dense_scores, cands.bm25, cands.dense, cands.norm, k)
        signals = self._signals(fused, cands.dense_scores, cands.question_scores, cands.norm)
        conf = self.confidence.score(signals) if hits else 0.0
        return SearchResponse(query, hits, conf, (time.perf_counter() - started) * 1000, asdict(signals))

    def _fuse(self, c: Candidates) -> list[tuple[int, float]]:
        p = self.params
        scores: dict[int, float] = {}
        lexical = ((1.0, c.bm25), (p.pinyin_weight, c.pinyin))
        vector = ((p.dense_weight, c.dense, c.dense_scores), (p.question_weight, c.question, c.question_scores))
        if p.fusion == "rrf" or not c.dense:
            for weight, rows in (*lexical, *((w, r) for w, r, _ in vector)):
                for rank, row in enumerate(rows):
                    scores[row] = scores.get(row, 0.0) + weight / (p.rrf_k + rank + 1)
        else:  # weighted: rank-normalised BM25 plus cosines rescaled over their candidates
            for weight, rows in lexical:
                for rank, row in enumerate(rows):
                    scores[row] = scores.get(row, 0.0) + weight * (1.0 - rank / max(len(rows), 1))
            for weight, _, cos in vector:
                if not cos or weight == 0:
                    continue
                lo, hi = min(cos.values()), max(cos.values())
                for row, value in cos.items():
                    scores[row] = scores.get(row, 0.0) + weight * (value - lo) / max(hi - lo, 1e-6)
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def _agree_on_durations(self, fused: list[tuple[int, float]], norm: str) -> list[tuple[int, float]]:
        """Rank down the leading candidates that name other terms than the question does (1-year rate
        for a 3-year question)."""
        asked = durations(norm)
        if not asked:
            return fused
        head = fused[:RERANK_DEPTH]
        adjusted = [
            (row, score * MISMATCH_FACTOR if disagrees(asked, self.gen.chunk(row).text) else score)
            for row, score in head
        ]
        return sorted(adjusted, key=lambda kv: -kv[1]) + fused[RERANK_DEPTH:]

    def _hits(
        self,
        fused: list[tuple[int, float]],
        dense_scores: dict[int, float],
        bm25_rows: list[int],
        dense_rows: list[int],
        norm: str,
        k: int,
    ) -> list[Hit]:
        terms = query_terms(norm)
        bm25_pos = {r: i for i, r in enumerate(bm25_rows)}
        dense_pos = {r: i for i, r in enumerate(dense_rows)}
        hits: list[Hit] = []
        seen: set[str] = set()
        for row, score in fused:
            chunk = self.gen.chunk(row)
            if chunk.doc_id in seen:
                continue
            seen.add(chunk.doc_id)
            hits.append(
                Hit(
                    chunk_id=chunk.id,
                    doc_id=chunk.doc_id,
                    title=chunk.title,
                    section=chunk.section,
                    snippet=snippet(chunk.text, terms),
                    text=chunk.text,
                    score=round(score, 6),
                    effective_from=chunk.effective_from,
                    effective_until=chunk.effective_until,
                    source=chunk.source,
                    audience=chunk.audience,
                    flags=chunk.flags,
                    kind=chunk.kind,
                    dense_score=round(dense_scores.get(row, 0.0), 4),
                    bm25_rank=bm25_pos.get(row),
                    dense_rank=dense_pos.get(row),
                )
            )
            if len(hits) >= k:
                break
        return hits

    def _signals(
        self,
        fused: list[tuple[int, float]],
        dense_scores: dict[int, float],
        question_scores: dict[int, float],
        norm: str,
    ) -> Signals:
        """Evidence that the top hit answers: its cosine, the best cosine, how much of the query's
        informative wording (IDF-weighted) it contains, and how much of the query the knowledge
        base has never heard of (out-of-vocabulary syllables: "彩票", "辞职信" are out of scope,
        while an ASR homophone still shares its pinyin), and whether the top chunk names the
        institution or product the query is about (`knowledge.scope`)."""
        if not fused:
            return Signals()
        top = fused[0][0]
        chunk_text = self.gen.chunk(top).index_text
        question = max(question_scores.values(), default=0.0)
        tokens = sorted(set(lexical_tokens(norm)))
        coverage = 0.0
        if tokens and self.gen.bm25 is not None:
            weights = _idf(self.gen.bm25, tokens, self.gen.size)
            present = np.asarray([t.lstrip("#") in chunk_text for t in tokens], dtype=np.float64)
            coverage = float((weights * present).sum() / weights.sum())
        oov = 0.0
        syllables = sorted(set(pinyin_tokens(norm))) + [w for w in tokens if w.isascii() and not w.startswith("#")]
        if syllables:
            vocab_py = self.gen.bm25_pinyin.vocab_dict if self.gen.bm25_pinyin is not None else {}
            vocab_lex = self.gen.bm25.vocab_dict if self.gen.bm25 is not None else {}
            oov = sum(1 for t in syllables if t not in vocab_py and t not in vocab_lex) / len(syllables)
        return Signals(
            dense=dense_scores.get(top, 0.0),
            dense_max=max(dense_scores.values(), default=0.0),
            coverage=coverage,
            oov=oov,
            question=question,
            scope_gap=self.scope.gap(norm, chunk_text),
        )


def _idf(index: bm25s.BM25, tokens: list[str], n_docs: int) -> npt.NDArray[np.float64]:
    """BM25 IDF of each token; a token the index never saw gets the IDF of a one-document term."""
    indptr = index.scores["indptr"]
    out = np.empty(len(tokens), dtype=np.float64)
    for i, token in enumerate(tokens):
        tid = index.vocab_dict.get(token)
        df = int(indptr[tid + 1] - indptr[tid]) if tid is not None and tid + 1 < len(indptr) else 1
        out[i] = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    return out
