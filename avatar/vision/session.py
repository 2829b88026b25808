"""One kiosk's camera feed as the WebSocket handler sees it: frames in (async), session events out.

Analysis runs in a worker thread so the event loop never blocks on a model. At most one frame per
kiosk is in analysis at a time: a frame that arrives meanwhile is dropped (at 2-5 fps the next one is
moments away), which bounds memory and CPU per kiosk. Malformed frames are dropped with a logged
reason and never end the session. The pose model runs only while a transfer is in progress.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import numpy as np

from avatar.vision.analyzer import VisionAnalyzer
from avatar.vision.frames import ColorOrder, FrameError
from avatar.vision.tracker import KioskVisionTracker
from avatar.vision.types import FrameObservation, VisionContext, VisionEvent

log = logging.getLogger(__name__)


@dataclass
class FeedStats:
    """Counters a kiosk's feed exposes (for logs and metrics)."""

    analysed: int = 0
    dropped_busy: int = 0
    rejected: int = 0
    last_error: str = ""


class KioskVisionFeed:
    """Analyser (shared, thread-safe) + this kiosk's tracker (its own)."""

    def __init__(self, analyzer: VisionAnalyzer, left_after_s: float, kiosk: str = "") -> None:
        self.analyzer = analyzer
        self.tracker = KioskVisionTracker(analyzer.options, left_after_s=left_after_s)
        self.kiosk = kiosk
        self.stats = FeedStats()
        self.last: FrameObservation | None = None
        self._busy = False

    async def submit(
        self,
        frame: bytes | np.ndarray,
        t: float,
        context: VisionContext | None = None,
        *,
        order: ColorOrder = "bgr",
    ) -> list[VisionEvent]:
        """Analyse one frame taken at `t` (seconds) and return the events it causes (often none)."""
        context = context or VisionContext()
        if self._busy:
            self.stats.dropped_busy += 1
            return self.tracker.tick(t)
        self._busy = True
        try:
            obs = await asyncio.to_thread(self.analyzer.analyze, frame, order=order, hands=context.transfer_in_progress)
        except FrameError as exc:
            self.stats.rejected += 1
            self.stats.last_error = str(exc)
            log.warning("vision frame dropped", extra={"kiosk": self.kiosk, "reason": str(exc)})
            return self.tracker.tick(t)
        finally:
            self._busy = False
        self.stats.analysed += 1
        self.last = obs
        return self.tracker.update(obs, t, context)

    def tick(self, t: float) -> list[VisionEvent]:
        """Call periodically when no frames come (camera off): ends the visit after the timeout."""
        return self.tracker.tick(t)
