"""The TTS fallback chain: the kiosk is never left in silence without knowing it.

The chain is itself a TTSEngine. It normalises the text, streams it sentence by sentence, splits
each sentence into language runs, and gives each run to the first engine (in the configured order)
that speaks that language and is not cooling down. An engine that raises, or gives no first audio
within the time budget, is marked down for a while (with the reason) and the next engine speaks
the same text. When no engine can speak a piece, the chain yields a chunk with no audio and
`meta["subtitle_only"]`, and `status()` says so, so the kiosk can rely on subtitles.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from speech.tts.base import AudioChunk, Health, TTSEngine, TTSError, UnspeakableText
from speech.tts.normalize import normalize
from speech.tts.segment import Run, language_runs, split_sentences

log = logging.getLogger(__name__)


@dataclass
class EngineState:
    """What the chain knows about one engine; `status()` reports it."""

    name: str
    state: str = "unknown"  # unknown | up | down | slow
    reason: str = ""
    down_until: float = 0.0
    failures: int = 0
    spoken: int = 0
    last_first_audio_ms: float | None = None

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "reason": self.reason,
            "retry_in_s": round(max(0.0, self.down_until - now), 1),
            "failures": self.failures,
            "spoken": self.spoken,
            "last_first_audio_ms": self.last_first_audio_ms,
        }


class TTSChain:
    """Several engines behind the TTSEngine interface, tried in order per language run."""

    name = "chain"
    speaks_latin_in_zh = True

    def __init__(
        self,
        engines: Iterable[TTSEngine],
        *,
        voices: dict[str, str] | None = None,
        first_audio_budget_s: float = 1.5,
        chunk_timeout_s: float = 15.0,
        cooldown_s: float = 60.0,
        slow_cooldown_s: float = 10.0,
        first_sentence_max: int = 20,
        default_rate: float = 1.0,
        on_status: Callable[[dict[str, Any]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.engines = list(engines)
        if not self.engines:
            raise ValueError("a TTS chain needs at least one engine")
        self.languages = frozenset().union(*(e.languages for e in self.engines))
        self.voices = voices or {}
        self.first_audio_budget_s = first_audio_budget_s
        self.chunk_timeout_s = chunk_timeout_s
        self.cooldown_s = cooldown_s
        self.slow_cooldown_s = slow_cooldown_s
        self.first_sentence_max = first_sentence_max
        self.default_rate = default_rate
        self.on_status = on_status
        self.clock = clock
        self.states = {e.name: EngineState(e.name) for e in self.engines}
        self.active: str | None = None
        self.subtitles_only = False

    # ---- speaking -------------------------------------------------------------------------------

    async def synthesize(
        self, text: str, *, lang: str = "zh", voice: str | None = None, rate: float | None = None
    ) -> AsyncIterator[AudioChunk]:
        """Speak `text` (raw: it is normalised here) sentence by sentence; `rate` None = the chain's default.

        `voice` overrides the voice of the first engine in the chain only, since voice names are
        engine-specific; fallbacks use their configured voices.
        """
        rate = self.default_rate if rate is None else rate
        spoken = normalize(text, lang)
        for sentence in split_sentences(spoken, first_max=self.first_sentence_max):
            for piece_lang, piece, engines in self._plan(language_runs(sentence, lang)):
                async for chunk in self._speak_piece(piece, piece_lang, engines, voice, rate):
                    yield chunk

    def _plan(self, runs: list[Run]) -> list[tuple[str, str, list[TTSEngine]]]:
        """Group runs into pieces: an engine that reads Latin inside Chinese takes a mixed sentence whole."""
        pieces: list[tuple[str, str, list[TTSEngine]]] = []
        i = 0
        while i < len(runs):
            candidates = self._candidates(runs[i].lang)
            j = i + 1
            if candidates and candidates[0].speaks_latin_in_zh:
                while j < len(runs) and runs[j].lang in candidates[0].languages:
                    j += 1
            text = _join(r.text for r in runs[i:j])
            if j > i + 1:  # a mixed piece: only engines that speak all its languages may take it
                needed = {r.lang for r in runs[i:j]}
                candidates = [e for e in candidates if needed <= e.languages and e.speaks_latin_in_zh]
            pieces.append((runs[i].lang, text, candidates))
            i = j
        return pieces

    def _candidates(self, lang: str) -> list[TTSEngine]:
        speakers = [e for e in self.engines if lang in e.languages]
        now = self.clock()
        ready = [e for e in speakers if self.states[e.name].down_until <= now]
        return ready or speakers  # all cooling down: try them anyway rather than stay silent

    async def _speak_piece(
        self, text: str, lang: str, engines: list[TTSEngine], voice: str | None, rate: float
    ) -> AsyncIterator[AudioChunk]:
        reasons: list[str] = []
        for engine in engines:
            engine_voice = voice if (voice and engine is self.engines[0]) else self.voices.get(f"{engine.name}:{lang}")
            started = self.clock()
            stream = engine.synthesize(text, lang=lang, voice=engine_voice, rate=rate)
            try:
                first = await asyncio.wait_for(anext(stream), self.first_audio_budget_s)
            except StopAsyncIteration:
                reasons.append(self._mark_down(engine, "no audio"))
                continue
            except TimeoutError:
                await _close(stream)
                reasons.append(self._mark_down(engine, f"no audio within {self.first_audio_budget_s:.2f} s", slow=True))
                continue
            except UnspeakableText as exc:
                await _close(stream)
                reasons.append(str(exc))
                continue
            except (TTSError, OSError) as exc:
                await _close(stream)
                reasons.append(self._mark_down(engine, str(exc)))
                continue
            self._mark_up(engine, (self.clock() - started) * 1000)
            yield first
            try:
                while True:
                    yield await asyncio.wait_for(anext(stream), self.chunk_timeout_s)
            except StopAsyncIteration:
                pass
            except (TTSError, OSError, TimeoutError) as exc:  # audio already played: do not repeat the piece
                await _close(stream)
                self._mark_down(engine, f"failed mid-sentence: {exc or type(exc).__name__}")
            return
        self._set_subtitles_only(True)
        log.warning("tts: no engine could speak %r: %s", text, "; ".join(reasons))
        yield AudioChunk(b"", 16000, text, "none", None, meta={"subtitle_only": True, "reasons": reasons})

    # ---- state ----------------------------------------------------------------------------------

    def _mark_down(self, engine: TTSEngine, reason: str, slow: bool = False) -> str:
        state = self.states[engine.name]
        state.state = "slow" if slow else "down"
        state.reason = reason
        state.failures += 1
        state.down_until = self.clock() + (self.slow_cooldown_s if slow else self.cooldown_s)
        log.warning("tts: engine %s %s: %s", engine.name, state.state, reason)
        self._notify()
        return f"{engine.name}: {reason}"

    def _mark_up(self, engine: TTSEngine, first_audio_ms: float) -> None:
        state = self.states[engine.name]
        changed = state.state != "up" or self.active != engine.name or self.subtitles_only
        state.state, state.reason, state.down_until = "up", "", 0.0
        state.spoken += 1
        state.last_first_audio_ms = round(first_audio_ms, 1)
        self.active = engine.name
        self.subtitles_only = False
        if changed:
            self._notify()

    def _set_subtitles_only(self, value: bool) -> None:
        if self.subtitles_only != value:
            self.subtitles_only = value
            self._notify()

    def _notify(self) -> None:
        if self.on_status is not None:
            with contextlib.suppress(Exception):  # an observer's bug must not silence the kiosk
                self.on_status(self.status())

    def status(self) -> dict[str, Any]:
        """Which engine speaks, which are down and why; `degraded` when the preferred one is not speaking."""
        now = self.clock()
        preferred = self.engines[0].name
        down = [s.name for s in self.states.values() if s.state in ("down", "slow") and s.down_until > now]
        degraded = self.subtitles_only or preferred in down or (self.active is not None and self.active != preferred)
        return {
            "state": "subtitles_only" if self.subtitles_only else "degraded" if degraded else "ok",
            "degraded": degraded,
            "subtitles_only": self.subtitles_only,
            "active": self.active,
            "preferred": preferred,
            "down": down,
            "engines": [self.states[e.name].as_dict(now) for e in self.engines],
        }

    async def health(self, timeout_s: float = 3.0) -> Health:
        """Ask every engine; a failing check marks it down (with the reason) so speech skips it."""
        results = await asyncio.gather(
            *(asyncio.wait_for(e.health(), timeout_s) for e in self.engines), return_exceptions=True
        )
        for engine, result in zip(self.engines, results, strict=True):
            health = result if isinstance(result, Health) else Health(False, f"health check failed: {result!r}")
            if not health.ok:
                self._mark_down(engine, health.detail)
            elif self.states[engine.name].state == "unknown":
                self.states[engine.name].reason = health.detail
        ok = [e.name for e, r in zip(self.engines, results, strict=True) if isinstance(r, Health) and r.ok]
        return Health(bool(ok), f"speaking engines: {', '.join(ok) or 'none'}")

    async def readiness(self) -> dict[str, Any]:
        """For `/readyz` (`Readiness.register("tts", chain.readiness)`): ok while some engine can speak.

        A degraded chain is still ready (it speaks with a fallback); only "no engine at all" is not.
        """
        health = await self.health()
        return {"ok": health.ok, "detail": health.detail, **self.status()}

    async def warm_up(self, phrases: Iterable[str], lang: str = "zh", rate: float | None = None) -> dict[str, Any]:
        """Load models and synthesise common phrases into the cache before the first customer."""
        started = time.perf_counter()
        for engine in self.engines:
            load = getattr(getattr(engine, "inner", engine), "load", None)
            if load is not None:
                with contextlib.suppress(TTSError):
                    await load()
        count = 0
        for phrase in phrases:
            async for _ in self.synthesize(phrase, lang=lang, rate=rate):
                pass
            count += 1
        return {"phrases": count, "seconds": round(time.perf_counter() - started, 2)}


def _join(parts: Iterable[str]) -> str:
    out = ""
    for part in parts:
        if out and out[-1].isascii() and out[-1].isalnum() and part[:1].isascii() and part[:1].isalnum():
            out += " "
        out += part
    return out


async def _close(stream: AsyncIterator[AudioChunk]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()
