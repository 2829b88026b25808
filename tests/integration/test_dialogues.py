"""The shipped scripted dialogues, run end to end through one real runtime (intent engine, knowledge
base, journeys, sandbox bank, store). `lobby eval dialogues` runs the same set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.conversation.dialogues import DATA_DIR, Dialogue, load_dialogues, run_dialogues
from assistant.runtime import open_runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]

# Measured on 2026-11-24 (`lobby eval dialogues --json`, 84 dialogues): task_success_rate 0.9524
# (0.9412 here, where the self-check dialogue below adds one task failure).
# A small margin below it, so a regression in the conversation fails here.
MIN_TASK_SUCCESS = 0.90

# A dialogue whose expectation is deliberately wrong: the runner must fail it and say why.
WRONG_ON_PURPOSE = {
    "id": "self-check-wrong-expectation",
    "description": "A greeting is not a transfer; this expectation must fail.",
    "language": "zh",
    "task": {"journey": "transfer", "status": "completed"},
    "backend_calls": {"must": ["transfer"]},
    "steps": [{"say": "你好", "expect": {"intent": "transfer"}}],
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path) -> dict[str, Any]:
    import asyncio

    var_dir = tmp_path_factory.mktemp("dialogues-var")
    shutil.copytree(built_knowledge, var_dir / "kb")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", REPO_ROOT / "var" / "models"))
    settings = Settings(env="test", var_dir=var_dir, models_dir=models_dir, _env_file=None)  # type: ignore[call-arg]
    dialogues = [*load_dialogues(DATA_DIR), Dialogue.model_validate(WRONG_ON_PURPOSE)]

    async def run() -> dict[str, Any]:
        async with open_runtime(settings) as runtime:
            return await run_dialogues(runtime, dialogues)

    return asyncio.run(run())


def test_the_shipped_set_is_large_and_bilingual() -> None:
    dialogues = load_dialogues(DATA_DIR)
    assert len(dialogues) >= 50
    assert {d.language for d in dialogues} == {"zh", "en"}


def test_the_runner_reports_failures_with_reasons(report: dict[str, Any]) -> None:
    wrong = next(f for f in report["failures"] if f["id"] == "self-check-wrong-expectation")
    assert any("intent" in r and "expected 'transfer'" in r for r in wrong["reasons"])
    assert any(r.startswith("task:") for r in wrong["reasons"])
    assert "calls: missing back-end call transfer" in wrong["reasons"]
    assert all(f["reasons"] for f in report["failures"])


def test_task_success_rate_holds(report: dict[str, Any]) -> None:
    # the self-check dialogue is one of n and counts as a task failure
    assert report["task_success_rate"] >= MIN_TASK_SUCCESS, report["failures"]


def test_no_ungrounded_facts(report: dict[str, Any]) -> None:
    """Target 0: every number a reply states is in a cited passage, a back-end call or the customer's words."""
    assert report["ungrounded_facts"] == 0, report["ungrounded"]
