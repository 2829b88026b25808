"""Manifests in the formats of the shared data, and the error-rate arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from speech.asr.evaluation import ManifestError, item_audio, read_manifest
from speech.asr.metrics import edit_distance, error_counts, error_rate

pytestmark = pytest.mark.unit


def test_csv_like_common_voice(tmp_path: Path) -> None:
    (tmp_path / "transcripts.csv").write_text(
        "audio_path,label\na.wav,以下列出 战争与和平\nb.wav,Hello there\n", encoding="utf-8"
    )
    items = read_manifest(tmp_path / "transcripts.csv")
    assert [(i.audio, i.language) for i in items] == [(tmp_path / "a.wav", "zh"), (tmp_path / "b.wav", "en")]


def test_jsonl_with_language(tmp_path: Path) -> None:
    rows = [{"audio": "x/c.flac", "text": "你好", "language": "zh"}, {"path": "d.wav", "reference": "ok"}]
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    items = read_manifest(tmp_path / "m.jsonl")
    assert items[0].audio == tmp_path / "x" / "c.flac" and items[1].language == "en"


def test_tab_separated_with_channels_like_the_english_set(tmp_path: Path) -> None:
    (tmp_path / "text").write_text(
        "jfk.flac\tAsk not what your country can do for you.\n"
        "stereo.wav[left]\tHe began a confused complaint.\n"
        "stereo.wav[right]\tThe horizon seems extremely distant.\n",
        encoding="utf-8",
    )
    items = read_manifest(tmp_path / "text")
    assert [i.channel for i in items] == [None, 0, 1]
    assert items[1].audio == tmp_path / "stereo.wav"
    left = np.full(1600, 0.25, dtype=np.float32)
    sf.write(tmp_path / "stereo.wav", np.stack([left, -left], axis=1), 16000)
    samples, rate = item_audio(items[2])
    assert rate == 16000 and isinstance(samples, np.ndarray) and float(samples.mean()) == pytest.approx(-0.25, abs=1e-3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.csv", "file_name,words\na.wav,hi\n", "columns"),
        ("m.jsonl", "{not json}\n", "not JSON"),
        ("m.txt", "lonely-field\n", "AUDIO<TAB>TEXT"),
        ("m.csv", "audio_path,label\n", "no items"),
    ],
)
def test_bad_manifests(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path / name)


def test_error_rates() -> None:
    assert edit_distance("abc", "abd") == 1
    assert edit_distance([], ["x", "y"]) == 2
    # CER ignores punctuation, spaces and Traditional/Simplified differences
    assert error_rate("我要挂失 信用卡", "我要掛失，信用卡。", "zh") == 0.0
    assert error_counts("我要挂失信用卡", "我要挂书信用卡", "zh") == (1, 7)
    # WER is over words, case and punctuation ignored
    assert error_rate("Ask not what your country can do", "ask not, what your country can do!", "en") == 0.0
    assert error_counts("the horizon seems distant", "the horizon seem distant", "en") == (1, 4)
