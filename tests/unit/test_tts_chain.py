"""The fallback chain with engines that are forced to fail: nothing speaks, and the chain says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from speech.tts.base import AudioChunk, EngineUnavailable, Health, TTSEngine, TTSError
from speech.tts.chain import TTSChain

pytestmark = pytest.mark.unit


class BrokenEngine:
    """Forced failure behind the real interface: raises, or hangs past the time budget."""

    languages = frozenset({"zh", "en"})
    speaks_latin_in_zh = True

    def __init__(self, name: str, mode: str = "raise") -> None:
        self.name = name
        self.mode = mode
        self.calls = 0

    async def synthesize(
        self, text: str, *, lang: str = "zh", voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        self.calls += 1
        if self.mode == "hang":
            await asyncio.sleep(30)
        raise EngineUnavailable(f"{self.name}: forced failure")
        yield  # pragma: no cover - makes this an async generator

    async def health(self) -> Health:
        return Health(False, "forced failure")


async def _speak(chain: TTSChain, text: str) -> list[AudioChunk]:
    return [chunk async for chunk in chain.synthesize(text)]


def test_broken_engine_satisfies_the_protocol() -> None:
    assert isinstance(BrokenEngine("x"), TTSEngine)


async def test_when_nothing_can_speak_the_chain_yields_subtitles_and_reports_it() -> None:
    seen: list[dict] = []
    a, b = BrokenEngine("a"), BrokenEngine("b", mode="hang")
    chain = TTSChain([a, b], first_audio_budget_s=0.05, on_status=seen.append)
    chunks = await _speak(chain, "您好。请稍等。")
    assert [c.text for c in chunks] == ["您好。", "请稍等。"]
    assert all(c.pcm == b"" and c.meta["subtitle_only"] for c in chunks)
    assert "a: a: forced failure" in chunks[0].meta["reasons"]
    status = chain.status()
    assert status["state"] == "subtitles_only" and status["subtitles_only"]
    engines = {e["name"]: e for e in status["engines"]}
    assert engines["a"]["state"] == "down" and "forced failure" in engines["a"]["reason"]
    assert engines["b"]["state"] == "slow" and "no audio within" in engines["b"]["reason"]
    assert seen and seen[-1]["subtitles_only"]


async def test_engines_in_cooldown_are_still_tried_when_nothing_else_is_left() -> None:
    a = BrokenEngine("a")
    chain = TTSChain([a], cooldown_s=60)
    await _speak(chain, "一。")
    await _speak(chain, "二。")
    assert a.calls == 2


async def test_health_marks_failing_engines_down() -> None:
    chain = TTSChain([BrokenEngine("a")])
    health = await chain.health()
    assert not health.ok and "none" in health.detail
    assert chain.status()["down"] == ["a"]


def test_chain_needs_an_engine() -> None:
    with pytest.raises(ValueError, match="at least one engine"):
        TTSChain([])


def test_tts_error_is_the_base_of_engine_errors() -> None:
    assert issubclass(EngineUnavailable, TTSError)


async def test_readiness_is_not_ok_when_no_engine_can_speak() -> None:
    report = await TTSChain([BrokenEngine("a"), BrokenEngine("b")]).readiness()
    assert report["ok"] is False and report["down"] == ["a", "b"]
    assert report["engines"][0]["reason"] == "forced failure"
