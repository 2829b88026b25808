"""An English visit names its sources in English: the document's English version where the knowledge has
one, else its translated title; a Chinese visit cites the Chinese original (the approved content files)."""

from __future__ import annotations

import re

import pytest

from assistant.conversation.citation_language import in_reply_language
from assistant.conversation.schemas import Citation

pytestmark = pytest.mark.unit

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_a_document_with_an_english_version_is_cited_as_that_version() -> None:
    (cited,) = in_reply_language([Citation(doc_id="card-loss-report", title="银行卡挂失")], "en")
    assert cited.doc_id == "card-loss-report-en" and not HAN.search(cited.title)


def test_a_chinese_only_document_is_named_by_its_translated_title() -> None:
    (cited,) = in_reply_language([Citation(doc_id="transfer-delay-new-payee", title="延时到账与撤销转账")], "en")
    assert cited.doc_id == "transfer-delay-new-payee"
    assert cited.title == "Delayed transfers and cancelling a transfer"


def test_a_chinese_visit_keeps_or_gets_the_chinese_original() -> None:
    english = Citation(doc_id="card-loss-report-en", title="Reporting a lost card")
    cited = in_reply_language([english, Citation(doc_id="x", title="无名")], "zh")
    assert [c.doc_id for c in cited] == ["card-loss-report", "x"] and HAN.search(cited[0].title)


def test_every_customer_document_has_an_english_name() -> None:
    """A Chinese customer document either has an `-en` version or a `title_en` (staff documents are never
    shown to a customer)."""
    from knowledge.base import default_content_dir
    from knowledge.config import KnowledgeOptions
    from knowledge.loaders import discover, load_file

    options = KnowledgeOptions()
    files, _ = discover([default_content_dir(options)])
    docs = [d for f in files for d in load_file(f, options.max_file_bytes)[0] if d.kind == "markdown"]
    ids = {d.id for d in docs}
    unnamed = [
        d.id
        for d in docs
        if d.audience == "customer" and d.language == "zh" and f"{d.id}-en" not in ids and not d.title_en
    ]
    assert not unnamed, unnamed
