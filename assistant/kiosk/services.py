"""What every kiosk connection shares, built once per process: the recognizer, the TTS chain, the
camera analyser and the English phonemizer. Heavy models load lazily (first use) or in `warm_up()`,
in worker threads, and each capability degrades on its own: no ASR -> touch and typing, no TTS ->
subtitles, no camera models -> no vision events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from assistant.api.readiness import Readiness
from assistant.config import Settings
from avatar.lipsync import Phonemizer, espeak_phonemizer
from speech.asr.base import AsrError, SpeechRecognizer
from speech.asr.factory import build_recognizer, model_path
from speech.asr.stream import StreamOptions
from speech.tts.chain import TTSChain
from speech.tts.factory import build_tts, speaking_rate

log = logging.getLogger(__name__)


@dataclass
class KioskServices:
    settings: Settings
    recognizer: SpeechRecognizer | None
    tts: TTSChain | None
    phonemize: Phonemizer | None
    asr_error: str = ""
    tts_error: str = ""
    warm: dict[str, Any] = field(default_factory=dict)
    _analyzer: Any = None
    _vision_error: str = ""

    def stream_options(self, language: str | None) -> StreamOptions:
        speech = self.settings.speech
        return StreamOptions(
            end_silence_ms=speech.stream_end_silence_ms,
            max_utterance_s=speech.stream_max_utterance_s,
            interim_interval_s=speech.stream_interim_interval_s,
            vad_threshold=speech.stream_vad_threshold,
            language=language,
        )

    def rate(self, elderly: bool) -> float:
        return speaking_rate(self.settings.speech, elderly=elderly)

    async def analyzer(self) -> Any:
        """The process-wide camera analyser (mediapipe loads in a worker thread on first use), or None."""
        if self._analyzer is None and not self._vision_error:
            try:
                from avatar.vision.analyzer import get_analyzer

                self._analyzer = await asyncio.to_thread(get_analyzer, self.settings.avatar.vision)
            except Exception as exc:  # mediapipe missing or its models unreadable: no camera, no crash
                self._vision_error = f"{type(exc).__name__}: {exc}"
                log.warning("kiosk vision unavailable: %s", self._vision_error)
        return self._analyzer

    @property
    def vision_error(self) -> str:
        return self._vision_error

    async def warm_up(self) -> dict[str, Any]:
        """Load the models before the first customer (called in the background at start-up)."""
        started = time.perf_counter()
        if self.recognizer is not None:
            warm = getattr(self.recognizer, "warm_up", None)
            if warm is not None:
                try:
                    await asyncio.to_thread(warm)
                    self.warm["asr_s"] = round(time.perf_counter() - started, 2)
                except AsrError as exc:
                    self.asr_error = str(exc)
        if self.tts is not None:
            mark = time.perf_counter()
            await self.tts.warm_up(self.settings.speech.tts_warmup_phrases, rate=self.rate(False))
            self.warm["tts_s"] = round(time.perf_counter() - mark, 2)
        analyzer = await self.analyzer()
        if analyzer is not None:
            mark = time.perf_counter()
            await asyncio.to_thread(analyzer.warm_up)
            self.warm["vision_s"] = round(time.perf_counter() - mark, 2)
        return self.warm

    async def asr_readiness(self) -> dict[str, Any]:
        """Ready when the model is prepared (it loads on first use); not ready means touch and typing only."""
        if self.recognizer is None:
            return {"ok": False, "error": self.asr_error or "no recognizer"}
        path = model_path(self.settings.speech, self.settings.effective_models_dir)
        prepared = (path / "model.bin").is_file()
        detail = "prepared" if prepared else f"not prepared at {path}; run `lobby models prepare`"
        return {"ok": prepared and not self.asr_error, "detail": self.asr_error or detail, "warm": "asr_s" in self.warm}

    async def vision_readiness(self) -> dict[str, Any]:
        from avatar.vision.assets import check_models

        report = await asyncio.to_thread(check_models)
        if self._vision_error:
            report = {**report, "ok": False, "error": self._vision_error}
        return report

    def close(self) -> None:
        close = getattr(self.recognizer, "close", None)
        if close is not None:
            close()


def build_kiosk_services(settings: Settings) -> KioskServices:
    """Cheap: builds the objects; models load on first use or in `warm_up()`."""
    recognizer: SpeechRecognizer | None = None
    tts: TTSChain | None = None
    asr_error = tts_error = ""
    try:
        recognizer = build_recognizer(settings.speech, settings.effective_models_dir)
    except Exception as exc:  # a broken vocabulary file or missing package: no voice input
        asr_error = f"{type(exc).__name__}: {exc}"
        log.warning("kiosk ASR unavailable: %s", asr_error)
    try:
        tts = build_tts(settings.speech, settings.var_dir)
    except Exception as exc:  # an unknown engine name: subtitles only
        tts_error = f"{type(exc).__name__}: {exc}"
        log.warning("kiosk TTS unavailable: %s", tts_error)
    return KioskServices(settings, recognizer, tts, espeak_phonemizer(), asr_error=asr_error, tts_error=tts_error)


@asynccontextmanager
async def open_kiosk_services(settings: Settings, readiness: Readiness | None = None) -> AsyncIterator[KioskServices]:
    """Build the services, register readiness (asr, tts, vision) and, outside tests, warm the models
    up in the background so the first customer does not wait for them."""
    services = await asyncio.to_thread(build_kiosk_services, settings)
    if readiness is not None:
        readiness.register("asr", services.asr_readiness)
        if services.tts is not None:
            readiness.register("tts", services.tts.readiness)
        readiness.register("vision", services.vision_readiness)
    warm: asyncio.Task[dict[str, Any]] | None = None
    if settings.env != "test":
        warm = asyncio.create_task(services.warm_up(), name="kiosk-warm-up")
        warm.add_done_callback(_log_warm_up)
    try:
        yield services
    finally:
        if warm is not None:
            warm.cancel()
        services.close()


def _log_warm_up(task: asyncio.Task[dict[str, Any]]) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        log.warning("kiosk warm-up failed: %r", task.exception())
    else:
        log.info("kiosk models warm: %s", task.result())
