"""The recorder of one kiosk connection: it sees what passes the socket and keeps a consented visit.

It hooks in where audio already passes (microphone frames received, `speech` messages sent, the
recognizer's finals) and reads the visit's course from the messages the connection sends: `session`
(which visit), `reply` of intent `event:consent` (the conversation accepted the customer's consent; the
same event is in the session state), `session_ended`. At the moments that matter it asks the page for a
camera still (`stills`). Nothing is captured before consent to recording; consent withdrawn drops what
was captured (stills too); a visit without consent leaves nothing. The visit is stored when it ends, the
socket closes or the kiosk moves on to another session.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import wave
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.recording.capture import Capture, Heard, Spoken
from assistant.recording.codec import RATE
from assistant.recording.stills import Still, StillRequests, decode_still, events_of
from assistant.recording.timeline import Timeline
from speech.asr.stream import Final, StreamEvent
from speech.tts.audio import resample

if TYPE_CHECKING:
    from assistant.recording.service import Recordings

log = logging.getLogger(__name__)
OnEvent = Callable[[StreamEvent], Awaitable[None]]


def wav_samples(encoded: str) -> np.ndarray:
    """A `speech` message's base64 WAV (16-bit mono) -> int16 samples at 16 kHz."""
    with wave.open(io.BytesIO(base64.b64decode(encoded))) as wav:
        rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    if rate != RATE:
        samples = resample(samples, rate, RATE)
    return np.asarray(np.clip(samples, -1.0, 1.0) * 32767, dtype=np.int16)


class VisitRecorder:
    """Inert when `recordings` is None (recording disabled or not wired)."""

    def __init__(self, recordings: Recordings | None, ask: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.recordings = recordings
        self._ask = ask  # sends a message to the page (a `still_request`); None: no stills
        self._stills = StillRequests()
        self.session_id: str | None = None
        self._mic_total = 0
        self._capture: Capture | None = None
        self._texts: dict[str, str] = {}
        self._spans: dict[str, Spoken] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def recording(self) -> bool:
        return self._capture is not None

    # -- hooks of the connection -------------------------------------------------------------------

    def mic(self, pcm: bytes) -> None:
        """A microphone frame the connection accepted (after the frame has been handled)."""
        if self._capture is not None:
            self._capture.timeline.mic(pcm)
        self._mic_total += len(pcm) // 2

    def mic_state(self, state: str) -> None:
        """The page opened or closed its microphone (it streams only while open)."""
        if state == "open" and self._capture is not None:
            self._capture.timeline.new_run()

    def tap(self, on_event: OnEvent) -> OnEvent:
        """Wrap a new listener's event callback: its stream starts at the current microphone sample."""
        base = self._mic_total

        async def tapped(event: StreamEvent) -> None:
            if isinstance(event, Final) and event.text and self._capture is not None:
                timeline = self._capture.timeline
                start = timeline.position_of_mic(base + int(event.start_s * RATE))
                end = timeline.position_of_mic(base + int(event.end_s * RATE))
                self._capture.heard.append(Heard(event.text, start, max(start, end)))
            await on_event(event)

        return tapped

    def observe(self, message: dict[str, Any]) -> None:
        """A message the connection is sending to the page."""
        if self.recordings is None:
            return
        try:
            self._observe(message)
        except Exception:  # the recording must never break the visit
            log.exception("recording: could not take a %s message", message.get("type"))

    def still(self, request_id: str, jpeg: str | None) -> None:
        """The page's answer to a `still_request`: kept only if it was asked for in this capture."""
        asked = self._stills.answer(request_id)
        capture = self._capture
        if asked is None or capture is None or self.recordings is None:
            return
        data = decode_still(jpeg)
        if data is None or len(capture.stills) >= self.recordings.options.max_stills:
            return
        event, seq = asked
        capture.stills.append(Still(event, seq, capture.timeline.now(), data))

    def finish(self) -> None:
        """The socket is closing: start storing the visit in progress (synchronous, so a cancellation of
        the closing connection cannot come between the end of the visit and its store)."""
        self._finish()

    async def aclose(self) -> None:
        """Wait for the stores started so far; cancelling this wait does not cancel them."""
        self._finish()
        if self._tasks:
            await asyncio.wait(list(self._tasks))

    # -- the visit's course --------------------------------------------------------------------------

    def _observe(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "session":
            self._switch(str(message.get("session_id") or ""))
        elif kind == "reply":
            turn = message.get("turn") or {}
            slots = turn.get("slots") or {}
            if turn.get("intent") == "event:consent" and "recording" in slots:
                self._consent(slots.get("recording") is True)
            self._moments(turn)
            text = (turn.get("reply") or {}).get("text")
            if text and message.get("reply_id"):
                self._texts[str(message["reply_id"])] = str(text)
        elif kind == "expert_message" and message.get("reply_id"):
            self._texts[str(message["reply_id"])] = str(message.get("text") or "")
        elif kind == "speech" and self._capture is not None and message.get("audio"):
            self._speech(str(message.get("reply_id") or ""), str(message["audio"]))
        elif kind == "session_ended":
            self._finish()
            self.session_id = None

    def _switch(self, session_id: str) -> None:
        if session_id != self.session_id:
            self._finish()
            self.session_id = session_id or None

    def _consent(self, given: bool) -> None:
        if given and self._capture is None and self.session_id and self.recordings is not None:
            max_samples = int(self.recordings.options.max_minutes * 60 * RATE)
            timeline = Timeline(max_samples, mic_index=self._mic_total)
            self._capture = Capture(self.session_id, timeline, datetime.now(UTC))
            log.info("recording: visit %s consented, recording", self.session_id)
        elif not given and self._capture is not None:
            log.info("recording: consent withdrawn in %s, the capture is dropped", self.session_id)
            self._reset()

    def _moments(self, turn: dict[str, Any]) -> None:
        """Ask the page for a still at an identification, confirmation, authorisation or risk flag."""
        if self._capture is None or self._ask is None or self.recordings is None:
            return
        if not self.recordings.options.stills or len(self._capture.stills) >= self.recordings.options.max_stills:
            return
        seq = turn.get("seq") if isinstance(turn.get("seq"), int) else None
        for event in events_of(turn)[:1]:  # one picture of one moment
            self._ask(self._stills.ask(event, seq))

    def _speech(self, reply_id: str, audio: str) -> None:
        assert self._capture is not None
        start, end = self._capture.timeline.avatar(wav_samples(audio))
        span = self._spans.get(reply_id)
        if span is None:
            span = self._spans[reply_id] = Spoken(reply_id, self._texts.get(reply_id, ""), start, end)
            self._capture.spoken.append(span)
        else:
            span.end = max(span.end, end)

    def _finish(self) -> None:
        capture = self._capture
        self._reset()
        if capture is None or self.recordings is None or capture.timeline.duration_samples == 0:
            return
        task = asyncio.ensure_future(self.recordings.save(capture))
        self._tasks.add(task)
        task.add_done_callback(self._stored)

    def _stored(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("recording: could not store a visit: %r", task.exception())

    def _reset(self) -> None:
        self._capture = None
        self._stills.clear()
        self._texts.clear()
        self._spans.clear()
