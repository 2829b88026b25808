"""espeak-ng: English voice and the robotic last resort for Mandarin.

A subprocess per utterance (fast: ~15 ms for a sentence), text on stdin so nothing in it can be read
as an option. Mandarin goes through pypinyin into the `cmn-latn-pinyin` voice ("ni3 hao3"), which
is intelligible but clearly robotic: it only speaks when the better engines are down. The CLI gives
no word events, so chunks carry no timings.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import struct
from collections.abc import AsyncIterator

from speech.tts.base import AudioChunk, EngineUnavailable, Health, TTSError
from speech.tts.zh_frontend import pinyin_tone3

BASE_WPM = 175  # espeak-ng's default speed, words per minute
DEFAULT_VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
_PUNCT = {"，": ",", "、": ",", "；": ";", "：": ":", "。": ".", "！": "!", "？": "?"} | {c: c for c in ",.!?;:"}


def to_pinyin(text: str) -> str:
    """'您好，欢迎。' -> 'nin2 hao3, huan1 ying2.' (tone numbers, neutral 5, bank polyphones applied)."""
    pieces = re.split(r"([，。！？、；：,.!?;:])", text)
    out: list[str] = []
    for piece in pieces:
        if piece in _PUNCT:
            if out:
                out[-1] += _PUNCT[piece]
        elif piece.strip():
            out.extend(pinyin_tone3(piece))
    return " ".join(out).strip()


def parse_wav(data: bytes) -> tuple[bytes, int]:
    """PCM16 payload and sample rate of a RIFF/WAVE stream (espeak-ng's header sizes are unreliable on a pipe)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise TTSError("espeak-ng: output is not a WAV stream")
    pos = 12
    rate = 0
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk_id == b"fmt ":
            channels, rate, bits = struct.unpack("<xxHI6xH", data[pos + 8 : pos + 24])
            if channels != 1 or bits != 16:
                raise TTSError(f"espeak-ng: unexpected format {channels} channels, {bits} bits")
        elif chunk_id == b"data":
            payload = data[pos + 8 :]
            return payload[: len(payload) // 2 * 2], rate
        pos += 8 + size
    raise TTSError("espeak-ng: WAV stream has no data chunk")


class EspeakEngine:
    name = "espeak"
    languages = frozenset({"en", "zh"})
    speaks_latin_in_zh = True

    def __init__(self, voices: dict[str, str] | None = None, timeout_s: float = 10.0, binary: str = "espeak-ng"):
        self.voices = {**DEFAULT_VOICES, **(voices or {})}
        self.timeout_s = timeout_s
        self.binary = binary

    async def synthesize(
        self, text: str, *, lang: str = "en", voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        exe = shutil.which(self.binary)
        if exe is None:
            raise EngineUnavailable(f"espeak: `{self.binary}` not found; apt-get install espeak-ng")
        voice = voice or self.voices.get(lang, self.voices["en"])
        spoken = to_pinyin(text) if lang == "zh" and "pinyin" in voice else text
        wpm = str(int(max(80, min(450, BASE_WPM * rate))))
        proc = await asyncio.create_subprocess_exec(
            exe, "-v", voice, "-s", wpm, "-b", "1", "--stdout", "--stdin",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(proc.communicate(spoken.encode("utf-8")), self.timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise TTSError(f"espeak: no audio within {self.timeout_s} s") from None
        if proc.returncode != 0:
            raise TTSError(f"espeak: exit {proc.returncode}: {err.decode(errors='replace').strip()[:200]}")
        pcm, sample_rate = parse_wav(out)
        if not pcm:
            raise TTSError(f"espeak: produced no audio for {text!r}")
        yield AudioChunk(pcm=pcm, sample_rate=sample_rate, text=text, engine=self.name, meta={"voice": voice})

    async def health(self) -> Health:
        exe = shutil.which(self.binary)
        return Health(True, exe) if exe else Health(False, f"`{self.binary}` not installed")
