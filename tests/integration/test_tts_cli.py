"""`lobby tts`: writes a WAV, says which engine spoke, refuses bad input with one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import soundfile
from typer.testing import CliRunner

from assistant.cli import app

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LOBBY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LOBBY_SPEECH__TTS_FIRST_AUDIO_BUDGET_S", "10")
    return CliRunner()


def test_tts_writes_wav_and_reports_engine(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    result = runner.invoke(app, ["tts", "Welcome to Demo Bank. Card 6222 **** 1234.", "-o", str(out),
                                 "--engine", "espeak", "--lang", "en", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["engines"] == ["espeak"]
    assert [s["text"] for s in report["sentences"]] == ["Welcome to Demo Bank.", "Card ending in 1 2 3 4."]
    audio, rate = soundfile.read(out)
    assert rate == 24000 and abs(len(audio) / rate - report["duration_s"]) < 0.01 and report["duration_s"] > 1.5
    assert list((tmp_path / "var" / "tts-cache").rglob("*.wav"))


def test_tts_elderly_mode_is_slower(runner: CliRunner, tmp_path: Path) -> None:
    durations = []
    for extra in ([], ["--elderly"]):
        result = runner.invoke(app, ["tts", "您好，欢迎光临。", "-o", str(tmp_path / "x.wav"),
                                     "--engine", "espeak", "--no-cache", "--json", *extra])  # fmt: skip
        assert result.exit_code == 0, result.output
        durations.append(json.loads(result.stdout)["duration_s"])
    assert durations[1] > durations[0] * 1.1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tts", "   ", "-o", "x.wav"], "text is empty"),
        (["tts", "hi", "-o", "x.wav", "--engine", "nope"], "--engine must be"),
        (["tts", "hi", "-o", "x.wav", "--lang", "fr"], "--lang must be"),
    ],
)
def test_tts_bad_input_is_one_clear_line(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output
