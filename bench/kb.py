"""Knowledge benchmarks: fusion choices on the dev set, BM25 vs dense vs fused on real paraphrase
pairs (BQ, ATEC), and speed/memory (query latency at 10,000 chunks, ingest rate, 100,000-chunk load).

Nothing here is asserted; `lobby bench kb ...` prints JSON that docs/benchmarks.md quotes.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import random
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.base import KnowledgeBase, default_content_dir
from knowledge.config import KnowledgeOptions
from knowledge.evaluation import EvalItem
from knowledge.index import Generation, IndexParams, write_generation
from knowledge.models import Chunk
from knowledge.search import Candidates, Filters, Searcher, SearchParams
from knowledge.textnorm import normalize


def _metrics(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "top1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "top5": round(sum(1 for r in ranks if r is not None and r <= 5) / n, 4),
        "mrr10": round(sum(1.0 / r for r in ranks if r) / n, 4),
    }


def _rank_of(searcher: Searcher, query: str, cands: Candidates, relevant: set[str]) -> int | None:
    docs = [h.doc_id for h in searcher.rank(query, cands, 10).results]
    return next((i + 1 for i, d in enumerate(docs) if d in relevant), None)


def fusion_variants() -> dict[str, SearchParams]:
    """The fusion settings compared (BM25 weight is 1 throughout)."""
    out = {"bm25 only": SearchParams(dense_weight=0.0, pinyin_weight=0.0, question_weight=0.0)}
    out["dense only"] = SearchParams(pinyin_weight=0.0, question_weight=0.0)  # rows restricted below
    for k in (10, 60):
        for dw in (1.0, 1.5):
            for pw in (0.0, 0.5):
                for qw in (0.0, 1.0):
                    out[f"rrf k={k} dense={dw} pinyin={pw} question={qw}"] = SearchParams("rrf", k, dw, pw, 50, qw)
    for dw in (0.5, 1.0, 2.0):
        for pw in (0.0, 0.5):
            for qw in (0.0, 0.5, 1.0, 1.5):
                out[f"weighted dense={dw} pinyin={pw} question={qw}"] = SearchParams("weighted", 60, dw, pw, 50, qw)
    return out


def sweep(kb: KnowledgeBase, items: list[EvalItem]) -> dict[str, Any]:
    """Top-1/top-5/MRR of every fusion variant on the answerable dev-set queries (one query
    embedding each, reused across variants)."""
    base = kb.searcher()
    answerable = [it for it in items if it.relevant]
    collected = [(it, base.candidates(it.query, Filters(audience=it.audience), "hybrid", 10)) for it in answerable]
    results: dict[str, Any] = {}
    for name, params in fusion_variants().items():
        searcher = Searcher(base.gen, base.embedder, params, base.confidence)
        ranks = []
        for it, cands in collected:
            if name == "dense only":
                cands = replace(cands, bm25=[], pinyin=[], question=[], question_scores={})
            elif name == "bm25 only":
                cands = replace(cands, dense=[], dense_scores={}, pinyin=[], question=[], question_scores={})
            ranks.append(_rank_of(searcher, it.query, cands, set(it.relevant)))
        results[name] = _metrics(ranks)
        kinds = sorted({it.kind for it, _ in collected if it.kind})
        results[name]["top1_by_kind"] = {
            kind: _metrics([r for (it, _), r in zip(collected, ranks, strict=True) if it.kind == kind])["top1"]
            for kind in kinds
        }
    best = max(results, key=lambda n: (results[n]["top1"], results[n]["mrr10"]))
    return {"queries": len(answerable), "variants": results, "best": best}


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    """Positive pairs from BQ (CSV sentence1,sentence2,label) or ATEC (TSV id, s1, s2, label)."""
    pairs: list[tuple[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if path.suffix == ".csv" and "atec" not in path.name:
            for row in csv.DictReader(fh):
                if row.get("label", "").strip() == "1":
                    pairs.append((row["sentence1"].strip(), row["sentence2"].strip()))
        else:
            for line in fh:
                parts = [p.strip().lstrip("\ufeff") for p in line.rstrip("\r\n").split("\t")]
                if len(parts) == 4 and parts[3] == "1":
                    pairs.append((parts[1], parts[2]))
    return pairs


def pairs_benchmark(
    path: Path, limit: int, options: KnowledgeOptions, seed: int = 13, var_dir: Path | None = None
) -> dict[str, Any]:
    """Index the second sentence of `limit` positive pairs as FAQ entries, query with the first."""
    pairs = _read_pairs(path)
    random.Random(seed).shuffle(pairs)
    pairs = pairs[:limit]
    ids: dict[str, str] = {}
    for _, passage in pairs:
        ids.setdefault(normalize(passage), f"p{len(ids)}")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "pairs.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for text, pid in ids.items():
                fh.write(json.dumps({"id": pid, "questions": [text], "answer": text}, ensure_ascii=False) + "\n")
        kb = KnowledgeBase(var_dir or Path(tmp) / "var", options, name="pairs")
        started = time.perf_counter()
        kb.ingest([corpus], replace=True)
        ingest_s = time.perf_counter() - started
        searcher = kb.searcher()
        relevant: dict[str, set[str]] = {}
        for query, passage in pairs:
            relevant.setdefault(query, set()).add(ids[normalize(passage)])
        ranks: dict[str, list[int | None]] = {
            "bm25": [],
            "dense": [],
            "dense_question": [],
            "fused": [],
            "fused_rrf": [],
        }
        p = searcher.params
        rrf = Searcher(searcher.gen, searcher.embedder, replace(p, fusion="rrf", rrf_k=60), kb.confidence)
        none: dict[str, Any] = {"question": [], "question_scores": {}}
        for query, rel in relevant.items():
            cands = searcher.candidates(query, Filters(audience="staff"), "hybrid", 10)
            lexical = replace(cands, dense=[], dense_scores={}, pinyin=[], **none)
            ranks["bm25"].append(_rank_of(searcher, query, lexical, rel))
            ranks["dense"].append(_rank_of(searcher, query, replace(cands, bm25=[], pinyin=[], **none), rel))
            by_question = replace(cands, bm25=[], pinyin=[], dense=cands.question, dense_scores=cands.question_scores)
            ranks["dense_question"].append(_rank_of(searcher, query, replace(by_question, **none), rel))
            ranks["fused"].append(_rank_of(searcher, query, cands, rel))
            ranks["fused_rrf"].append(_rank_of(rrf, query, cands, rel))
    if not any(ranks["dense_question"]):
        del ranks["dense_question"]  # no question index (LOBBY_KNOWLEDGE__INDEX_QUESTIONS off)
    return {
        "data": str(path),
        "pairs": len(pairs),
        "passages": len(ids),
        "queries": len(relevant),
        "ingest_s": round(ingest_s, 1),
        **{name: _metrics(r) for name, r in ranks.items()},
    }


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _synthetic_generation(path: Path, texts: list[str], n: int, dim: int, params: IndexParams) -> float:
    """A generation of `n` chunks over real sentences (repeated with a counter past the supply) and
    random unit vectors: query cost does not depend on the vectors' values, and embedding 100,000
    passages on 2 cores would take over an hour. Returns seconds to write it."""
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = []
    for i in range(n):
        text = texts[i % len(texts)] + ("" if i < len(texts) else f" {i}")
        norm = normalize(text)
        chunks.append(
            Chunk(
                f"s{i}#0",
                f"s{i}",
                text[:20],
                "",
                text,
                norm,
                "staff" if i % 10 == 0 else "customer",
                [],
                [],
                "zh",
                None,
                None,
                "",
                "",
                "faq",
                f"{i:032x}",
            )
        )
    started = time.perf_counter()
    write_generation(path, chunks, vectors, {"embedder": "synthetic"}, {}, params)
    return time.perf_counter() - started


def speed_benchmark(
    texts: list[str], queries: list[str], options: KnowledgeOptions, ingest_sample: int, load_chunks: int
) -> dict[str, Any]:
    """Query latency at 10,000 chunks, ingest rate, load time and memory."""
    kb = KnowledgeBase(Path(tempfile.mkdtemp()), options)
    embedder = kb.embedder
    out: dict[str, Any] = {"cpu_count": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        # ingest: the real pipeline, on the shipped content (real chunk lengths) and on short sentences
        corpus = Path(tmp) / "ingest.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for i, t in enumerate(texts[:ingest_sample]):
                fh.write(json.dumps({"id": f"i{i}", "questions": [t], "answer": t}, ensure_ascii=False) + "\n")
        # model loading is a one-off per process, reported apart from the ingest rate
        started = time.perf_counter()
        embedder.embed_passages(["预热 warm-up"] * 8)
        out["encoder_load_s"] = round(time.perf_counter() - started, 2)
        out["batch_encoder"] = getattr(embedder, "batch_encoder", embedder.name)
        out["ingest"] = {}
        for label, paths in (("shipped_content", [default_content_dir(options)]), ("short_sentences", [corpus])):
            if not paths[0].exists():
                continue
            ingest_kb = KnowledgeBase(Path(tmp) / "var", options, name=label.replace("_", "-"), embedder=embedder)
            cpu, wall = time.process_time(), time.perf_counter()
            report = ingest_kb.ingest(paths)
            out["ingest"][label] = {
                "chunks": report.chunks,
                "seconds": round(time.perf_counter() - wall, 1),
                "chunks_per_s": round(report.chunks / (time.perf_counter() - wall), 1),
                "chunks_per_cpu_s": round(report.chunks / (time.process_time() - cpu), 1),
            }
        # queries at 10,000 chunks
        params = IndexParams(options.hnsw_threshold, options.hnsw_m, 80, options.hnsw_ef_search)
        gen_path = Path(tmp) / "gen10k"
        _synthetic_generation(gen_path, texts, 10_000, embedder.dim, params)
        gc.collect()
        rss0 = _rss_mb()
        gen = Generation(gen_path, params)
        out["rss_delta_10k_load_mb"] = round(_rss_mb() - rss0, 1)  # noisy: the allocator reuses freed memory
        searcher = Searcher(gen, embedder, kb.search_params, kb.confidence)
        for q in queries[:20]:
            searcher.search(q)  # warm-up
        times, cpu_times = [], []
        for q in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            searcher.search(q, k=5)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
        out["query_10k"] = {
            "queries": len(queries),
            "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2),
            # CPU time of the process per query: a proxy for latency on an idle machine
            "cpu_p50_ms": round(float(np.percentile(cpu_times, 50)), 2),
            "cpu_p95_ms": round(float(np.percentile(cpu_times, 95)), 2),
            "dense_index": gen.manifest["dense_index"],
        }
        gen.close()
        # load time of a large index
        big = Path(tmp) / "genbig"
        write_s = _synthetic_generation(big, texts, load_chunks, embedder.dim, params)
        gc.collect()
        rss0 = _rss_mb()
        started = time.perf_counter()
        loaded = Generation(big, params)
        out["load_big"] = {
            "chunks": load_chunks,
            "dense_index": loaded.manifest["dense_index"],
            "load_s": round(time.perf_counter() - started, 3),
            "build_s": round(write_s, 1),
            "memory_mb": round(_rss_mb() - rss0, 1),
        }
        out["memory_mb_per_10k_chunks"] = round(out["load_big"]["memory_mb"] / (load_chunks / 10_000), 1)
        loaded.close()
    return out


def _sentences(paths: list[Path], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for path in paths:
        if path.exists():
            for a, b in _read_pairs_all(path):
                seen.setdefault(a, None)
                seen.setdefault(b, None)
    return list(seen)[:limit]


def _read_pairs_all(path: Path) -> list[tuple[str, str]]:
    """Every pair (any label): a supply of real customer-service sentences for the speed corpus."""
    pairs: list[tuple[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if "atec" not in path.name:
            pairs = [(r["sentence1"].strip(), r["sentence2"].strip()) for r in csv.DictReader(fh)]
        else:
            for line in fh:
                parts = [p.strip().lstrip("\ufeff") for p in line.rstrip("\r\n").split("\t")]
                if len(parts) == 4:
                    pairs.append((parts[1], parts[2]))
    return pairs


def run(
    parts: set[str],
    kb: KnowledgeBase,
    devset: list[EvalItem],
    bq: Path,
    atec: Path,
    limit: int,
    options: KnowledgeOptions,
    load_chunks: int = 100_000,
    ingest_sample: int = 300,
) -> dict[str, Any]:
    """The parts asked for: devset (fusion sweep), pairs (BQ, ATEC), speed."""
    out: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "options": options.model_dump(
            mode="json", include={"fusion", "rrf_k", "dense_weight", "pinyin_weight", "candidates", "embedder"}
        ),
    }
    if "devset" in parts:
        out["devset_fusion"] = sweep(kb, devset)
    if "pairs" in parts:
        out["pairs"] = [pairs_benchmark(p, limit, options) for p in (bq, atec) if p.exists()]
    if "speed" in parts:
        texts = _sentences([bq, atec], 40_000)
        queries = [t for t in texts[::37]][:300]
        out["speed"] = speed_benchmark(texts, queries, options, ingest_sample, load_chunks)
    return out
