"""A cheap appearance signature of the customer, to notice a different person taking over.

Colour histograms (hue and saturation) of the face and of the clothes just below it. Between frames of
the same visit they barely move; another person (other clothes, skin, hair) moves them a lot. This is
not identification: it only decides when the journey must ask for the ID card again.
"""

from __future__ import annotations

import cv2
import numpy as np

from avatar.vision.types import Box

HUE_BINS, SAT_BINS = 12, 8
REGION_SIZE = HUE_BINS * SAT_BINS
MIN_PIXELS = 64


def appearance_signature(rgb: np.ndarray, face: Box) -> np.ndarray:
    """Face and torso hue/saturation histograms (each L1-normalised), concatenated: 192 floats."""
    height, width = rgb.shape[:2]
    torso = Box(face.x - face.w * 0.5, face.y + face.h * 1.1, face.w * 2.0, face.h * 1.2)
    return np.concatenate([_histogram(rgb, face, width, height), _histogram(rgb, torso, width, height)])


def signature_distance(a: np.ndarray, b: np.ndarray) -> float:
    """0 (same look) .. 1 (nothing in common): mean Hellinger distance of the regions both show."""
    distances = []
    for start in range(0, min(a.size, b.size), REGION_SIZE):
        pa, pb = a[start : start + REGION_SIZE], b[start : start + REGION_SIZE]
        if pa.sum() <= 0 or pb.sum() <= 0:
            continue  # region outside the frame in one of them
        bhattacharyya = float(np.sum(np.sqrt(pa * pb)))
        distances.append(float(np.sqrt(max(0.0, 1.0 - bhattacharyya))))
    return float(np.mean(distances)) if distances else 0.0


def _histogram(rgb: np.ndarray, box: Box, width: int, height: int) -> np.ndarray:
    x0, y0 = max(0, int(box.x * width)), max(0, int(box.y * height))
    x1, y1 = min(width, int((box.x + box.w) * width)), min(height, int((box.y + box.h) * height))
    if (x1 - x0) * (y1 - y0) < MIN_PIXELS:
        return np.zeros(REGION_SIZE, dtype=np.float32)
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [HUE_BINS, SAT_BINS], [0, 180, 0, 256]).flatten()
    total = float(hist.sum())
    return (hist / total).astype(np.float32) if total > 0 else hist.astype(np.float32)
