"""The customer-visible text check over whole visits: the shipped dialogue and risk evaluation sets run
through one real runtime, and every reply and card the kiosk gets is scanned for internal ids, raw
codes, unformatted amounts, unmasked numbers and the other language; every spoken text for the
customer's name, identifying numbers and sensitive details (assistant/conversation/text_check.py)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.conversation.text_check import scan
from assistant.runtime import open_runtime

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path) -> dict[str, Any]:
    var_dir = tmp_path_factory.mktemp("visible-text-var")
    shutil.copytree(built_knowledge, var_dir / "kb")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", REPO_ROOT / "var" / "models"))
    settings = Settings(env="test", var_dir=var_dir, models_dir=models_dir, _env_file=None)

    async def run() -> dict[str, Any]:
        async with open_runtime(settings) as runtime:
            return await scan(runtime)

    return asyncio.run(run())


def test_the_scan_covers_both_evaluation_sets(report: dict[str, Any]) -> None:
    assert report["dialogues"]["n"] >= 50 and report["risk"]["n"] >= 50
    assert report["replies"] >= report["dialogues"]["n"] + report["risk"]["n"]
    assert report["dialogues"]["passed"] == report["dialogues"]["n"]  # the rendering broke no dialogue


def test_no_kiosk_reply_or_card_shows_internal_values(report: dict[str, Any]) -> None:
    screen = [f for f in report["findings"] if f["where"] != "speech"]
    lines = [f"{f['visit'][:8]} step {f['step']} {f['where']}: {f['kind']}: {f['excerpt']}" for f in screen]
    assert not lines, f"{len(lines)} problems on screen:\n" + "\n".join(lines[:40])


def test_nothing_personal_is_said_aloud(report: dict[str, Any]) -> None:
    said = [f for f in report["findings"] if f["where"] == "speech"]
    lines = [f"{f['visit'][:8]} step {f['step']}: {f['kind']}: {f['excerpt']}" for f in said]
    assert not lines, f"{len(lines)} problems in spoken text:\n" + "\n".join(lines[:40])
