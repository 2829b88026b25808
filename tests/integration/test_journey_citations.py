"""Journey citations against the real knowledge base (its chunks) and, before it is ready, the
approved content files: a cited document is never dropped and its snippet shows the stated fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversation.citations import DocumentCitations
from knowledge.base import KnowledgeBase
from knowledge.config import KnowledgeOptions

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_citations_come_from_the_built_knowledge_base(built_knowledge: Path) -> None:
    kb = KnowledgeBase(built_knowledge.parent, KnowledgeOptions())
    cited = DocumentCitations(lambda: kb).cite(["transfer-delay-new-payee", "no-such-doc"], "24小时后到账")
    delay, unknown = cited
    assert delay.doc_id == "transfer-delay-new-payee" and delay.title and delay.section
    assert "24" in delay.snippet  # the passage that states the fact, not just the document's first lines
    assert unknown.doc_id == unknown.title == "no-such-doc" and unknown.snippet == ""


def test_citations_fall_back_to_the_content_files_while_the_kb_is_not_ready() -> None:
    (fees,) = DocumentCitations(lambda: None).cite(["transfer-fees", "transfer-fees"], "免手续费")
    assert fees.doc_id == "transfer-fees" and fees.title == "转账汇款手续费" and "免费" in fees.snippet
