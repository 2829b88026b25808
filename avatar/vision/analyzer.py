"""Per-frame analysis: one camera frame in, one `FrameObservation` out; the frame is then dropped.

The mediapipe graphs load once per process (`get_analyzer`) and lazily: the pose model, the most
expensive, only when a caller first asks for the hand-at-ear check (a transfer is in progress).
"""

from __future__ import annotations

import threading
import time

import numpy as np

from avatar.vision.detector import FaceDetector
from avatar.vision.frames import ColorOrder, decode_frame, limit_size, to_rgb
from avatar.vision.landmarks import HandAtEarDetector, HeadPoseEstimator
from avatar.vision.options import VisionOptions
from avatar.vision.signature import appearance_signature
from avatar.vision.types import FrameObservation, pick_primary


class VisionAnalyzer:
    """Faces, the customer, head direction, hand at ear and appearance signature of a frame."""

    def __init__(self, options: VisionOptions | None = None) -> None:
        self.options = options or VisionOptions()
        self.detector = FaceDetector(self.options.model, self.options.min_score, self.options.tiles)
        self._head: HeadPoseEstimator | None = None
        self._ear: HandAtEarDetector | None = None
        self._load_lock = threading.Lock()

    def analyze(
        self,
        frame: bytes | np.ndarray,
        *,
        order: ColorOrder = "bgr",
        head: bool = True,
        hands: bool = False,
        signature: bool = True,
    ) -> FrameObservation:
        """Analyse one frame: encoded bytes, or an array in `order` (BGR as OpenCV reads, or RGB).

        Raises `FrameError` for a frame that cannot be used. `head`, `hands` and `signature` switch the
        per-customer extras (each runs on the customer only, never on other faces).
        """
        started = time.perf_counter()
        if isinstance(frame, bytes | bytearray | memoryview):
            rgb = decode_frame(bytes(frame), max_bytes=self.options.max_frame_bytes)
        else:
            rgb = to_rgb(frame, order=order)
        rgb = limit_size(rgb, self.options.max_side)
        faces = tuple(self.detector.detect(rgb)[: self.options.max_faces])
        primary = pick_primary(faces)
        pose = ear = sig = None
        if primary is not None:
            box = faces[primary].box
            if head:
                pose = self._head_model().estimate(rgb, box)
            if hands:
                ear = self._ear_model().check(rgb, box)
            if signature:
                sig = appearance_signature(rgb, box)
        height, width = rgb.shape[:2]
        return FrameObservation(
            width=width,
            height=height,
            faces=faces,
            primary=primary,
            head=pose,
            hand_at_ear=ear if hands else None,
            signature=sig,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def warm_up(self, hands: bool = False) -> None:
        """Load the landmark models now (at start-up) rather than on the first customer."""
        self._head_model()
        if hands:
            self._ear_model()

    def close(self) -> None:
        self.detector.close()
        if self._head is not None:
            self._head.close()
        if self._ear is not None:
            self._ear.close()

    def _head_model(self) -> HeadPoseEstimator:
        with self._load_lock:
            if self._head is None:
                self._head = HeadPoseEstimator()
            return self._head

    def _ear_model(self) -> HandAtEarDetector:
        with self._load_lock:
            if self._ear is None:
                self._ear = HandAtEarDetector(self.options.ear_max_distance)
            return self._ear


_shared: dict[str, VisionAnalyzer] = {}
_shared_lock = threading.Lock()


def get_analyzer(options: VisionOptions | None = None) -> VisionAnalyzer:
    """The process-wide analyser for these options (created on first use, then reused)."""
    options = options or VisionOptions()
    key = options.model_dump_json()
    with _shared_lock:
        if key not in _shared:
            _shared[key] = VisionAnalyzer(options)
        return _shared[key]
