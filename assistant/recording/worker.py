"""Runs the after-visit analysis in the background of `lobby serve`, one visit at a time.

Why bounded and single: re-transcription is CPU-heavy and live visits come first. One worker thread
(with a one-thread recognizer, see `rehear`) takes visits from a small queue; when the queue is full a
visit is not dropped for good, because the queue is only a hint: the periodic sweep (and the one at
start-up) asks the audit chain which recordings still wait (`pending_sessions`), so a process that
restarts mid-analysis, or a replica that never saw the visit end, picks them up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from assistant.recording.analysis import Analyser

log = logging.getLogger(__name__)
QUEUE = 64
SWEEP_S = 300.0


class AnalysisWorker:
    def __init__(self, analyser: Analyser, sweep_s: float = SWEEP_S) -> None:
        self.analyser = analyser
        self.sweep_s = sweep_s
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE)
        self._queued: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(self, session_id: str) -> bool:
        """Queue a visit (on the event loop; threads use `submit_threadsafe`); False when the queue is full."""
        if session_id in self._queued:
            return True
        try:
            self._queue.put_nowait(session_id)
        except asyncio.QueueFull:
            log.info("recording: analysis queue full; %s waits for the next sweep", session_id)
            return False
        self._queued.add(session_id)
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recording-analysis")
        self._loop = asyncio.get_running_loop()

    def submit_threadsafe(self, session_id: str) -> None:
        """The recording's after-store hook runs in a worker thread: hand the visit to the loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.submit, session_id)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _sweep(self) -> None:
        try:
            for session_id in await asyncio.to_thread(self.analyser.pending, QUEUE):
                self.submit(session_id)
        except Exception as exc:  # a database hiccup: the next sweep tries again
            log.warning("recording: could not list pending analyses: %r", exc)

    async def _run(self) -> None:
        await self._sweep()
        while True:
            try:
                session_id = await asyncio.wait_for(self._queue.get(), timeout=self.sweep_s)
            except TimeoutError:
                await self._sweep()
                continue
            try:
                await asyncio.to_thread(self.analyser.analyse, session_id)
            except Exception as exc:  # left pending: the next sweep retries it
                log.warning("recording: analysis of %s failed: %r", session_id, exc)
            finally:
                self._queued.discard(session_id)
