"""A cache of synthesised phrases: memory LRU in front of a folder of WAV files.

Greetings and frequent answers repeat all day; synthesising them again costs the customer the
first-audio delay each time. The key covers everything that changes the sound (engine, voice,
rate, language, the normalised text), so a config change never plays stale audio. Disk entries are
written atomically (temporary file + rename) so a crash never leaves a truncated WAV behind, and
the folder is trimmed (oldest first) when it outgrows its budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
import wave
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path

from speech.tts.base import AudioChunk, Health, Timing, TTSEngine


def cache_key(engine: str, voice: str | None, rate: float, lang: str, text: str) -> str:
    raw = json.dumps([engine, voice or "", round(rate, 3), lang, text], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def merge(chunks: list[AudioChunk]) -> AudioChunk:
    """One chunk holding a whole phrase (chunks of one engine share a sample rate)."""
    first = chunks[0]
    return AudioChunk(
        pcm=b"".join(c.pcm for c in chunks),
        sample_rate=first.sample_rate,
        text=" ".join(c.text for c in chunks if c.text),
        engine=first.engine,
        timings=first.timings,
        meta={k: v for k, v in first.meta.items() if k != "continues"},
    )


class PhraseCache:
    def __init__(self, memory_items: int = 256, disk_dir: Path | None = None, disk_max_bytes: int = 200 << 20):
        self.memory_items = memory_items
        self.disk_dir = disk_dir
        self.disk_max_bytes = disk_max_bytes
        self._memory: OrderedDict[str, AudioChunk] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get_memory(self, key: str) -> AudioChunk | None:
        """Memory only (no I/O, safe on the event loop); counts a hit, not a miss."""
        chunk = self._memory.get(key)
        if chunk is not None:
            self._memory.move_to_end(key)
            self.hits += 1
        return chunk

    def get(self, key: str) -> AudioChunk | None:
        """Memory, then disk (blocking I/O: call it from a worker thread when a disk folder is set)."""
        chunk = self._memory.get(key)
        if chunk is None and self.disk_dir is not None:
            chunk = self._read(key)
            if chunk is not None:
                self._remember(key, chunk)
        if chunk is None:
            self.misses += 1
            return None
        self._memory.move_to_end(key)
        self.hits += 1
        return chunk

    def put(self, key: str, chunk: AudioChunk) -> None:
        self._remember(key, chunk)
        if self.disk_dir is not None:
            with contextlib.suppress(OSError):  # a full or read-only disk only costs speed
                self._write(key, chunk)
                self._trim()

    def _remember(self, key: str, chunk: AudioChunk) -> None:
        self._memory[key] = chunk
        self._memory.move_to_end(key)
        while len(self._memory) > self.memory_items:
            self._memory.popitem(last=False)

    def _paths(self, key: str) -> tuple[Path, Path]:
        assert self.disk_dir is not None
        folder = self.disk_dir / key[:2]
        return folder / f"{key}.wav", folder / f"{key}.json"

    def _read(self, key: str) -> AudioChunk | None:
        wav_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with wave.open(str(wav_path), "rb") as wav:
                pcm = wav.readframes(wav.getnframes())
                rate = wav.getframerate()
        except (OSError, ValueError, EOFError, wave.Error):
            return None
        timings = [Timing(t["text"], t["start_s"], t["end_s"]) for t in meta["timings"]] if meta["timings"] else None
        return AudioChunk(pcm, rate, meta["text"], meta["engine"], timings, meta=meta.get("meta", {}))

    def _write(self, key: str, chunk: AudioChunk) -> None:
        wav_path, meta_path = self._paths(key)
        wav_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "text": chunk.text,
            "engine": chunk.engine,
            "timings": [t.as_dict() for t in chunk.timings] if chunk.timings else None,
            "meta": chunk.meta,
        }
        fd, tmp = tempfile.mkstemp(dir=wav_path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(chunk.sample_rate)
                wav.writeframes(chunk.pcm)
            os.replace(tmp, wav_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        meta_tmp = meta_path.with_suffix(".json.tmp")
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(meta_tmp, meta_path)

    def _trim(self) -> None:
        assert self.disk_dir is not None
        files = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.disk_dir.glob("*/*.wav")]
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.disk_max_bytes:
                break
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            total -= size

    def stats(self) -> dict[str, int]:
        return {"memory_items": len(self._memory), "hits": self.hits, "misses": self.misses}


class CachedEngine:
    """Any engine with the phrase cache in front; a hit is one chunk marked `cached`."""

    def __init__(self, inner: TTSEngine, cache: PhraseCache):
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.languages = inner.languages
        self.speaks_latin_in_zh = inner.speaks_latin_in_zh

    async def synthesize(
        self, text: str, *, lang: str = "zh", voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        key = cache_key(self.name, voice, rate, lang, text)
        hit = self.cache.get_memory(key)
        if hit is None:
            hit = self.cache.get(key) if self.cache.disk_dir is None else await asyncio.to_thread(self.cache.get, key)
        if hit is not None:
            yield AudioChunk(hit.pcm, hit.sample_rate, hit.text, hit.engine, hit.timings, cached=True, meta=hit.meta)
            return
        chunks: list[AudioChunk] = []
        async for chunk in self.inner.synthesize(text, lang=lang, voice=voice, rate=rate):
            chunks.append(chunk)
            yield chunk
        if chunks:
            await asyncio.to_thread(self.cache.put, key, merge(chunks))

    async def health(self) -> Health:
        return await self.inner.health()
