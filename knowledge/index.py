"""One immutable generation of a knowledge base on disk, and its loaded, query-ready form.

A generation directory holds the chunk records (JSON lines, read lazily through an mmap so a
100,000-chunk index opens fast), the unit vectors, the faiss index (exact inner product when small,
HNSW above `hnsw_threshold`), two BM25 indexes (jieba words + character bigrams; pinyin syllables)
and the filter columns as numpy arrays. Generations are never modified after they are written.
"""

from __future__ import annotations

import datetime as dt
import json
import mmap
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np
import numpy.typing as npt

from knowledge.models import Chunk
from knowledge.textnorm import lexical_tokens, pinyin_tokens

FORMAT_VERSION = 1
NO_DATE_FROM = 0
NO_DATE_UNTIL = 10**7
AUDIENCE_CODE = {"customer": 0, "staff": 1}


@dataclass(frozen=True)
class IndexParams:
    """How dense indexes are built."""

    hnsw_threshold: int = 50_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 96


@dataclass(frozen=True)
class QuestionVectors:
    """FAQ question variants: reuse keys, the chunk row of each, and their vectors."""

    keys: list[str]
    rows: npt.NDArray[np.int32]
    vectors: npt.NDArray[np.float32]


def _ordinal(value: str | None, default: int) -> int:
    return dt.date.fromisoformat(value).toordinal() if value else default


def _build_bm25(token_lists: list[list[str]], path: Path) -> None:
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([t or [""] for t in token_lists], show_progress=False)
    retriever.save(str(path), show_progress=False)


BM25Tokens = tuple[list[list[str]], list[list[str]]]


def bm25_tokens(chunks: list[Chunk]) -> BM25Tokens:
    """Each chunk's tokens for the two BM25 indexes: words + bigrams, and pinyin syllable pairs.
    Ingestion computes them while the embedder runs (jieba and pypinyin are pure Python)."""
    return [lexical_tokens(c.index_text) for c in chunks], [pinyin_tokens(c.index_text) for c in chunks]


def write_generation(
    path: Path,
    chunks: list[Chunk],
    vectors: npt.NDArray[np.float32],
    manifest: dict[str, Any],
    documents: dict[str, dict[str, Any]],
    params: IndexParams,
    questions: QuestionVectors | None = None,
    tokens: BM25Tokens | None = None,
) -> None:
    """Write a complete generation into the (new, empty) directory `path` (`tokens`: the chunks'
    BM25 tokens if already computed)."""
    path.mkdir(parents=True)
    if questions is not None and questions.keys:
        np.save(path / "qvectors.npy", np.ascontiguousarray(questions.vectors, dtype=np.float32))
        np.save(path / "qrows.npy", questions.rows)
        (path / "qkeys.json").write_text(json.dumps(questions.keys), encoding="utf-8")
    offsets = [0]
    with (path / "chunks.jsonl").open("wb") as fh:
        for chunk in chunks:
            line = (json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
            fh.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(path / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(path / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
    (path / "hashes.json").write_text(json.dumps([c.hash for c in chunks]), encoding="utf-8")
    np.save(path / "audience.npy", np.asarray([AUDIENCE_CODE[c.audience] for c in chunks], dtype=np.uint8))
    np.save(path / "eff_from.npy", np.asarray([_ordinal(c.effective_from, NO_DATE_FROM) for c in chunks], np.int32))
    np.save(path / "eff_until.npy", np.asarray([_ordinal(c.effective_until, NO_DATE_UNTIL) for c in chunks], np.int32))
    labels: dict[str, int] = {}
    indptr, ids = [0], []
    for chunk in chunks:
        for label in {f"p:{p}" for p in chunk.products} | {f"t:{t}" for t in chunk.tags}:
            ids.append(labels.setdefault(label, len(labels)))
        indptr.append(len(ids))
    np.save(path / "labels_indptr.npy", np.asarray(indptr, dtype=np.int64))
    np.save(path / "labels_ids.npy", np.asarray(ids, dtype=np.int32))
    dense_kind = "flat"
    if len(chunks) > params.hnsw_threshold:
        dense_kind = "hnsw"
        index = faiss.IndexHNSWFlat(vectors.shape[1], params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params.hnsw_ef_construction
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(path / "dense.faiss"))
    if chunks:
        lexical, pinyin = tokens if tokens is not None else bm25_tokens(chunks)
        _build_bm25(lexical, path / "bm25")
        _build_bm25(pinyin, path / "bm25_pinyin")
    (path / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    manifest = {
        **manifest,
        "format": FORMAT_VERSION,
        "chunks": len(chunks),
        "dim": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        "dense_index": dense_kind,
        "labels": labels,
    }
    (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


class Generation:
    """A loaded generation: filter columns, dense and BM25 indexes in memory, chunk records on demand."""

    def __init__(self, path: Path, params: IndexParams) -> None:
        self.path = path
        self.manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        self.size = int(self.manifest["chunks"])
        self.audience = np.load(path / "audience.npy")
        self.eff_from = np.load(path / "eff_from.npy")
        self.eff_until = np.load(path / "eff_until.npy")
        self.labels: dict[str, int] = self.manifest.get("labels", {})
        self.labels_indptr = np.load(path / "labels_indptr.npy")
        self.labels_ids = np.load(path / "labels_ids.npy")
        self._offsets = np.load(path / "offsets.npy")
        self._records_file = (path / "chunks.jsonl").open("rb")
        self._records = mmap.mmap(self._records_file.fileno(), 0, access=mmap.ACCESS_READ) if self.size else None
        self._cache: OrderedDict[int, Chunk] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.dense: faiss.Index | None = None
        self.bm25: bm25s.BM25 | None = None
        self.bm25_pinyin: bm25s.BM25 | None = None
        self.questions: faiss.Index | None = None
        self.question_rows = np.zeros(0, dtype=np.int32)
        if (path / "qvectors.npy").exists():
            qvectors = np.load(path / "qvectors.npy")
            self.question_rows = np.load(path / "qrows.npy")
            self.questions = faiss.IndexFlatIP(qvectors.shape[1])
            self.questions.add(qvectors)
        if self.size:
            if self.manifest.get("dense_index") == "hnsw":
                self.dense = faiss.read_index(str(path / "dense.faiss"))
                faiss.ParameterSpace().set_index_parameter(self.dense, "efSearch", params.hnsw_ef_search)
            else:
                vectors = np.load(path / "vectors.npy")
                self.dense = faiss.IndexFlatIP(vectors.shape[1])
                self.dense.add(vectors)
            self.bm25 = bm25s.BM25.load(str(path / "bm25"), show_progress=False)
            self.bm25_pinyin = bm25s.BM25.load(str(path / "bm25_pinyin"), show_progress=False)

    def chunk(self, row: int) -> Chunk:
        """The chunk record at `row` (small LRU cache over the mmap)."""
        with self._cache_lock:
            cached = self._cache.get(row)
            if cached is not None:
                self._cache.move_to_end(row)
                return cached
        assert self._records is not None
        start, end = int(self._offsets[row]), int(self._offsets[row + 1])
        chunk = Chunk.from_dict(json.loads(self._records[start:end]))
        with self._cache_lock:
            self._cache[row] = chunk
            if len(self._cache) > 4096:
                self._cache.popitem(last=False)
        return chunk

    def chunks(self) -> list[Chunk]:
        return [self.chunk(i) for i in range(self.size)]

    def vectors(self) -> npt.NDArray[np.float32]:
        return np.load(self.path / "vectors.npy", mmap_mode="r")

    def hashes(self) -> list[str]:
        data: list[str] = json.loads((self.path / "hashes.json").read_text(encoding="utf-8"))
        return data

    def question_vectors(self) -> dict[str, npt.NDArray[np.float32]]:
        """Question-variant vectors by reuse key (for incremental re-ingestion)."""
        if not (self.path / "qkeys.json").exists():
            return {}
        keys = json.loads((self.path / "qkeys.json").read_text(encoding="utf-8"))
        vectors = np.load(self.path / "qvectors.npy")
        return {k: np.array(vectors[i]) for i, k in enumerate(keys)}

    def documents(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = json.loads((self.path / "documents.json").read_text(encoding="utf-8"))
        return data

    def label_mask(self, labels: list[str]) -> npt.NDArray[np.bool_]:
        """Rows carrying any of `labels` ("p:<product>" / "t:<tag>")."""
        wanted = np.asarray([self.labels[x] for x in labels if x in self.labels], dtype=np.int32)
        hit = np.isin(self.labels_ids, wanted).astype(np.int64)
        cumulative = np.concatenate([[0], np.cumsum(hit)])
        mask: npt.NDArray[np.bool_] = (cumulative[self.labels_indptr[1:]] - cumulative[self.labels_indptr[:-1]]) > 0
        return mask

    def close(self) -> None:
        if self._records is not None:
            self._records.close()
        self._records_file.close()
