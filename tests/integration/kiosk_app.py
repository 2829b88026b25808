"""The app as the kiosk's socket tests need it: whisper-base prepared (else the test is skipped, it is
`lobby models prepare`'s job), espeak-ng for speech (offline and fast: the chain's fallbacks are tested
elsewhere), no knowledge build at start, the recognizer warmed so the first turn is not timed on loading."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from speech.config import SpeechOptions
from tests.conftest import PREPARED_MODELS


@contextmanager
def kiosk_app(var_dir: Path, **options: Any) -> Iterator[TestClient]:
    """A started app on `var_dir`; `options` are further settings (auth, avatar, recording...)."""
    models = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    if not (models / "whisper-base" / "model.bin").is_file():
        pytest.skip("whisper-base not prepared (lobby models prepare)")
    settings = Settings(
        env="test",
        var_dir=var_dir,
        models_dir=models,
        knowledge=KnowledgeOptions(auto_ingest=False),
        speech=SpeechOptions(tts_engines=["espeak"]),
        _env_file=None,  # type: ignore[call-arg]
        **options,
    )
    with TestClient(create_app(settings)) as client:
        client.app.state.kiosk.recognizer.warm_up()  # type: ignore[attr-defined]
        yield client
