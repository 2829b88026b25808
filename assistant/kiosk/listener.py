"""The microphone side of a kiosk connection: gate, streaming recognition, captions and finals.

Audio frames are queued (bounded: 10 s) and fed to a `RecognitionStream` by one task, so a final
decode never holds up the WebSocket's receive loop (where barge-in is decided). While the avatar
speaks, the `MicGate` keeps its own voice away from the recognizer: audio is held back briefly and
released as silence, unless the barge-in detector says the customer is talking, in which case the
held audio goes through as it is, so the first syllable of the interruption is not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from speech.asr.base import SpeechRecognizer
from speech.asr.stream import RecognitionStream, StreamEvent, StreamOptions

log = logging.getLogger(__name__)

QUEUE_FRAMES = 500  # 10 s of 20 ms frames
_FLUSH = b""


class MicGate:
    """Decides per frame what the recognizer hears: the microphone, or silence in its place."""

    def __init__(self, hold_bytes: int = 16000) -> None:  # 500 ms of 16 kHz PCM16
        self.hold_bytes = hold_bytes
        self._held: deque[bytes] = deque()
        self._held_size = 0
        self.open = False  # the customer barged in: pass everything until playback restarts

    def push(self, pcm: bytes, *, playing: bool, customer: bool) -> list[bytes]:
        if customer:
            self.open = True
        if not playing:
            self.open = False
            return [*self._release(real=customer), pcm]
        if self.open:
            return [*self._release(real=True), pcm]
        self._held.append(pcm)
        self._held_size += len(pcm)
        out: list[bytes] = []
        while self._held_size > self.hold_bytes and len(self._held) > 1:
            old = self._held.popleft()
            self._held_size -= len(old)
            out.append(bytes(len(old)))  # the avatar's voice: the recognizer hears silence
        return out

    def restart(self) -> None:
        """A new reply starts playing: echo gating applies again."""
        self.open = False

    def _release(self, *, real: bool) -> list[bytes]:
        out = [chunk if real else bytes(len(chunk)) for chunk in self._held]
        self._held.clear()
        self._held_size = 0
        return out


class Listener:
    """Owns one RecognitionStream; `push` from the receive loop, events go to `on_event`."""

    def __init__(
        self,
        recognizer: SpeechRecognizer,
        options: StreamOptions,
        on_event: Callable[[StreamEvent], Awaitable[None]],
    ) -> None:
        self.stream = RecognitionStream(recognizer, options)
        self.on_event = on_event
        self.dropped = 0
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_FRAMES)
        self._task = asyncio.create_task(self._run(), name="kiosk-listener")

    def push(self, pcm: bytes) -> None:
        """Queue audio for recognition; when recognition falls 10 s behind, new audio is dropped."""
        try:
            self._queue.put_nowait(pcm)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 50 == 1:
                log.warning("kiosk: recognizer behind, %d audio frames dropped", self.dropped)

    def flush(self) -> None:
        """The microphone closed: finish the utterance in progress."""
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_FLUSH)

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        await self.stream.aclose()

    async def _run(self) -> None:
        while True:
            pcm = await self._queue.get()
            try:
                events = await (self.stream.flush() if pcm == _FLUSH else self.stream.feed(pcm))
            except Exception as exc:  # a failed decode loses one utterance, never the connection
                log.warning("kiosk: recognition failed: %s", exc)
                continue
            for event in events:
                await self.on_event(event)
