"""Ingestion: files -> documents -> chunks -> vectors -> a new generation, published atomically.

Re-ingesting is incremental where it matters: a chunk whose normalised text (and embedder) did not
change keeps its vector, so only changed chunks are embedded. Documents that came from the ingested
paths but are no longer there disappear; documents from other paths stay (unless `replace`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from knowledge.chunking import chunk_document
from knowledge.embedders import Embedder
from knowledge.index import Generation, IndexParams, QuestionVectors, bm25_tokens, write_generation
from knowledge.loaders import discover, load_file
from knowledge.models import Chunk, Document, IngestIssue, IngestReport
from knowledge.safety import INJECTION_FLAG, find_injection
from knowledge.store import KBStore
from knowledge.textnorm import normalize


class IngestCancelled(RuntimeError):
    """Ingestion stopped on request (shutdown); nothing was published."""


def _covered(source: str, roots: list[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


def load_documents(
    paths: Iterable[Path], max_file_bytes: int, max_doc_chars: int
) -> tuple[list[Document], list[IngestIssue], int]:
    """Documents under `paths` with duplicates and oversized ones refused; also the file count."""
    files, issues = discover(paths)
    docs: list[Document] = []
    seen: dict[str, Document] = {}
    for file in files:
        found, problems = load_file(file, max_file_bytes)
        issues.extend(problems)
        for doc in found:
            where = f"{doc.source_path}:{doc.line}"
            if len(doc.body) > max_doc_chars:
                issues.append(
                    IngestIssue(doc.source_path, f"document '{doc.id}' too long ({len(doc.body)} chars)", doc.line)
                )
                continue
            first = seen.get(doc.id)
            if first is not None:
                issues.append(
                    IngestIssue(
                        doc.source_path,
                        f"duplicate id '{doc.id}' (first defined at {first.source_path}:{first.line}); skipped",
                        doc.line,
                    )
                )
                continue
            seen[doc.id] = doc
            hidden = find_injection(doc.title + "\n" + doc.body + "\n" + "\n".join(doc.questions))
            if hidden:
                issues.append(
                    IngestIssue(
                        where.rsplit(":", 1)[0],
                        f"document '{doc.id}' contains instruction-like text ({hidden!r}): stored as text and "
                        f"flagged '{INJECTION_FLAG}', never followed",
                        doc.line,
                        severity="warning",
                    )
                )
            docs.append(doc)
    return docs, issues, len(files)


def ingest(
    store: KBStore,
    paths: list[Path],
    embedder: Embedder,
    *,
    chunk_max_chars: int = 500,
    max_file_bytes: int = 2_000_000,
    max_doc_chars: int = 200_000,
    batch_size: int = 256,
    params: IndexParams | None = None,
    replace: bool = False,
    progress: bool = False,
    cancel: threading.Event | None = None,
    index_questions: bool = False,
    embed_max_chars: int | None = None,
    embed_faq_answers: bool = False,
) -> IngestReport:
    """Build and publish the next generation of `store` from `paths`."""
    started = time.perf_counter()
    report = IngestReport(kb=store.name)
    roots = [p.resolve() for p in paths]
    docs, issues, report.files = load_documents(roots, max_file_bytes, max_doc_chars)
    report.issues.extend(issues)
    with store.writing():
        current_path = store.current_path()
        old = Generation(current_path, params or IndexParams()) if current_path else None
        try:
            model_key = f"{embedder.name}|{embed_max_chars or 'full'}" + ("" if embed_faq_answers else "|faq-questions")
            chunks, kept_vectors, removed = _merge(old, docs, roots, replace, model_key, chunk_max_chars, report)
            texts = [embed_text(c, embed_max_chars, embed_faq_answers) for c in chunks]
            with ThreadPoolExecutor(1, thread_name_prefix="kb-tokens") as pool:
                tokens = pool.submit(bm25_tokens, chunks)  # BM25 tokenising overlaps the embedding
                vectors = _embed(chunks, texts, kept_vectors, embedder, batch_size, progress, cancel, report)
                questions = (
                    _embed_questions(chunks, kept_vectors, embedder, batch_size, cancel) if index_questions else None
                )
                lexical_and_pinyin = tokens.result()
        finally:
            if old is not None:
                old.close()
        documents: dict[str, dict[str, Any]] = {}
        for chunk in chunks:
            entry = documents.setdefault(
                chunk.doc_id, {"title": chunk.title, "source_path": chunk.source_path, "chunks": 0}
            )
            entry["chunks"] += 1
        manifest = {
            "kb": store.name,
            "embedder": embedder.name,
            "model_key": model_key,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        build_dir = store.new_build_dir()
        try:
            write_generation(
                build_dir, chunks, vectors, manifest, documents, params or IndexParams(), questions, lexical_and_pinyin
            )
            if cancel is not None and cancel.is_set():
                raise IngestCancelled("ingestion cancelled")
            store.publish(build_dir)
        except BaseException:
            store.discard(build_dir)
            raise
    report.documents = len(documents)
    report.chunks = len(chunks)
    report.removed_documents = removed
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _merge(
    old: Generation | None,
    docs: list[Document],
    roots: list[Path],
    replace: bool,
    embedder_name: str,
    chunk_max_chars: int,
    report: IngestReport,
) -> tuple[list[Chunk], dict[str, npt.NDArray[np.float32]], int]:
    """Chunks of the next generation (kept old ones first) and the reusable vectors by hash."""
    new_ids = {d.id for d in docs}
    kept: list[Chunk] = []
    reusable: dict[str, npt.NDArray[np.float32]] = {}
    removed = 0
    if old is not None and old.size:
        same_model = old.manifest.get("model_key", f"{old.manifest.get('embedder')}|full") == embedder_name
        old_vectors = old.vectors()
        if same_model:
            reusable.update(old.question_vectors())
        dropped_docs: set[str] = set()
        for row, chunk in enumerate(old.chunks()):
            if same_model:
                reusable[chunk.hash] = np.array(old_vectors[row])
            if replace or _covered(chunk.source_path, roots) or chunk.doc_id in new_ids:
                if chunk.doc_id not in new_ids:
                    dropped_docs.add(chunk.doc_id)
                elif not replace and not _covered(chunk.source_path, roots):
                    report.issues.append(
                        IngestIssue(
                            chunk.source_path,
                            f"document '{chunk.doc_id}' replaced by a newer file",
                            None,
                            severity="warning",
                        )
                    )
                continue
            kept.append(chunk)
        removed = len(dropped_docs)
    chunks = list(kept)
    for doc in docs:
        chunks.extend(chunk_document(doc, chunk_max_chars))
    return chunks, reusable, removed


def embed_text(chunk: Chunk, max_chars: int | None = None, faq_answers: bool = True) -> str:
    """What the embedder sees of a chunk (BM25 always indexes all of its index text): at most
    `max_chars` of it, and for an FAQ entry without `faq_answers` only its title and question
    variants, which is what customers' questions resemble, each distinct text once (an entry
    without a title has its first question as title)."""
    text = chunk.index_text
    if chunk.kind == "faq" and not faq_answers and chunk.questions:
        text = " ".join(dict.fromkeys(normalize(t) for t in [chunk.title, *chunk.questions]))
    return text[:max_chars]


def _embed(
    chunks: list[Chunk],
    texts: list[str],
    reusable: dict[str, npt.NDArray[np.float32]],
    embedder: Embedder,
    batch_size: int,
    progress: bool,
    cancel: threading.Event | None,
    report: IngestReport,
) -> npt.NDArray[np.float32]:
    """Vectors for every chunk: reused by content hash, the others embedded from `texts` in batches."""
    dim = embedder.dim
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    todo = []
    for i, chunk in enumerate(chunks):
        vec = reusable.get(chunk.hash)
        if vec is not None and vec.shape == (dim,):
            vectors[i] = vec
        else:
            todo.append(i)
    report.reused = len(chunks) - len(todo)
    bar = tqdm(total=len(todo), unit="chunk", desc=f"embedding ({embedder.name.split('/')[0]})", disable=not progress)
    with bar:
        for start in range(0, len(todo), batch_size):
            if cancel is not None and cancel.is_set():
                raise IngestCancelled("ingestion cancelled")
            rows = todo[start : start + batch_size]
            vectors[rows] = embedder.embed_passages([texts[i] for i in rows])
            bar.update(len(rows))
    report.embedded = len(todo)
    return vectors


def question_key(question: str) -> str:
    """Reuse key of a question variant's vector (apart from chunk hashes: questions embed as queries)."""
    return "q:" + hashlib.sha256(normalize(question).encode("utf-8")).hexdigest()[:32]


def _embed_questions(
    chunks: list[Chunk],
    reusable: dict[str, npt.NDArray[np.float32]],
    embedder: Embedder,
    batch_size: int,
    cancel: threading.Event | None,
) -> QuestionVectors:
    """One vector per FAQ question variant (embedded as a query, so a customer's question is compared
    with the questions the bank expects), mapped to its chunk row."""
    keys: list[str] = []
    rows: list[int] = []
    texts: list[str] = []
    for row, chunk in enumerate(chunks):
        for q in chunk.questions:
            keys.append(question_key(q))
            rows.append(row)
            texts.append(normalize(q))
    vectors = np.zeros((len(keys), embedder.dim), dtype=np.float32)
    todo = [i for i, k in enumerate(keys) if k not in reusable]
    for i, k in enumerate(keys):
        if k in reusable:
            vectors[i] = reusable[k]
    for start in range(0, len(todo), batch_size):
        if cancel is not None and cancel.is_set():
            raise IngestCancelled("ingestion cancelled")
        part = todo[start : start + batch_size]
        vectors[part] = embedder.embed_queries([texts[i] for i in part])
    return QuestionVectors(keys, np.asarray(rows, dtype=np.int32), vectors)
