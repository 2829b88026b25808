"""Building the recognizer from settings: biasing modes, paths, and a clear error without a model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from speech.asr import AsrUnavailableError, WhisperTuning, build_recognizer, tuning_from_options
from speech.asr.factory import model_path
from speech.config import SpeechOptions
from speech.correction import load_vocabulary

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("mode", "prompt", "hotwords", "adaptive"),
    [
        ("adaptive", True, False, True),
        ("prompt", True, False, False),
        ("hotwords", False, True, False),
        ("both", True, True, False),
        ("none", False, False, False),
    ],
)
def test_bias_modes(mode: str, prompt: bool, hotwords: bool, adaptive: bool) -> None:
    tuning = tuning_from_options(SpeechOptions(asr_bias=mode), load_vocabulary())
    assert (tuning.initial_prompt is not None, tuning.hotwords is not None, tuning.adaptive_bias) == (
        prompt,
        hotwords,
        adaptive,
    )


def test_unknown_bias_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="asr_bias"):
        tuning_from_options(SpeechOptions(asr_bias="loud"), load_vocabulary())


def test_baseline_is_plain_whisper() -> None:
    base = WhisperTuning.baseline()
    assert base.initial_prompt is None and base.hotwords is None
    assert not (base.vad_filter or base.guard or base.correct or base.normalize_gain or base.adaptive_bias)


def test_model_path(tmp_path: Path) -> None:
    assert model_path(SpeechOptions(), tmp_path) == tmp_path / "whisper-base"
    assert model_path(SpeechOptions(asr_model=str(tmp_path / "x")), Path("/elsewhere")) == tmp_path / "x"


def test_missing_model_is_a_clear_unavailable_error(tmp_path: Path) -> None:
    recognizer = build_recognizer(SpeechOptions(), tmp_path)  # cheap: nothing loads yet
    with pytest.raises(AsrUnavailableError, match="lobby models prepare"):
        recognizer.transcribe(np.zeros(16000, dtype=np.float32))


async def test_missing_model_async(tmp_path: Path) -> None:
    recognizer = build_recognizer(SpeechOptions(), tmp_path)
    with pytest.raises(AsrUnavailableError):
        await recognizer.atranscribe(np.zeros(16000, dtype=np.float32))
    recognizer.close()
