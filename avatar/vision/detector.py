"""Face detection with mediapipe's bundled BlazeFace models (legacy solutions API).

The models ship inside the mediapipe wheel (`mediapipe/modules/face_detection/`), so nothing is
downloaded. A mediapipe graph is not safe to call from two threads at once, so each detector guards
its graph with a lock; callers that need parallelism create one detector per worker.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from avatar.vision.types import Box, Face

MODEL_SELECTION = {"short": 0, "full": 1}
TILE_SHARE = 0.6  # each tile covers 60% of the width and height: four tiles overlap by 20%
OVERLAP_SAME_FACE = 0.3  # boxes sharing this much of the smaller one are the same face


class FaceDetector:
    """Finds faces in RGB frames; boxes come back normalised to the frame, largest first."""

    def __init__(self, model: str = "full", min_score: float = 0.5, tiles: bool = False) -> None:
        if model not in MODEL_SELECTION:
            raise ValueError(f"unknown face model {model!r}; expected one of {sorted(MODEL_SELECTION)}")
        from mediapipe.python.solutions import face_detection

        self.model = model
        self.min_score = min_score
        self.tiles = tiles
        self._graph: Any = face_detection.FaceDetection(
            model_selection=MODEL_SELECTION[model], min_detection_confidence=min_score
        )
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces in one frame (RGB uint8, contiguous)."""
        height, width = rgb.shape[:2]
        found = self._run(rgb, 0, 0, width, height)
        if self.tiles:
            tile_w, tile_h = int(width * TILE_SHARE), int(height * TILE_SHARE)
            for top in (0, height - tile_h):
                for left in (0, width - tile_w):
                    tile = np.ascontiguousarray(rgb[top : top + tile_h, left : left + tile_w])
                    found.extend(self._run(tile, left, top, width, height))
            found = merge_overlapping(found)
        return sorted(found, key=lambda face: face.size, reverse=True)

    def close(self) -> None:
        with self._lock:
            self._graph.close()

    def _run(self, rgb: np.ndarray, left: int, top: int, width: int, height: int) -> list[Face]:
        """Detect in `rgb` (a frame or a tile at `left`,`top`) and map boxes to the full frame."""
        tile_h, tile_w = rgb.shape[:2]
        with self._lock:
            result = self._graph.process(rgb)
        faces = []
        for detection in result.detections or ():
            rel = detection.location_data.relative_bounding_box
            x0 = (left + rel.xmin * tile_w) / width
            y0 = (top + rel.ymin * tile_h) / height
            x1 = (left + (rel.xmin + rel.width) * tile_w) / width
            y1 = (top + (rel.ymin + rel.height) * tile_h) / height
            box = _clipped(x0, y0, x1, y1)
            if box is not None:
                faces.append(Face(box=box, score=float(detection.score[0])))
        return faces


def _clipped(x0: float, y0: float, x1: float, y1: float) -> Box | None:
    x0, y0 = max(0.0, x0), max(0.0, y0)
    x1, y1 = min(1.0, x1), min(1.0, y1)
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        return None
    return Box(x0, y0, x1 - x0, y1 - y0)


def merge_overlapping(faces: list[Face], overlap: float = OVERLAP_SAME_FACE) -> list[Face]:
    """One box per face when the full frame and the tiles found it more than once.

    Overlap is measured against the smaller box, and the larger box of an overlapping group wins: a
    face cut by a tile edge is found as a smaller partial box, while the whole face (from the full frame
    or the neighbouring tile, as tiles overlap) is larger. Every box already passed the score threshold.
    """
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: (f.box.area, f.score), reverse=True):
        if all(_overlap_of_smaller(face.box, other.box) <= overlap for other in kept):
            kept.append(face)
    return kept


def _overlap_of_smaller(a: Box, b: Box) -> float:
    inter_w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    inter_h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    return (inter_w * inter_h) / min(a.area, b.area)
