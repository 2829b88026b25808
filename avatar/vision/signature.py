"""A cheap appearance signature of the customer, to notice a different person taking over.

Colour histograms of the face and of the clothes just below it: hue x saturation for coloured pixels,
plus a few brightness bins for grey ones (hue means nothing there, and would turn camera noise into
change). The crop is blurred first for the same reason. Between frames of one visit the signature
barely moves; another person (other clothes, skin, hair) moves it a lot. This is not identification:
it only decides when the journey must ask for the ID card again.

Measured with `lobby bench vision` (docs/benchmarks.md, Vision) on the development photos: noise, JPEG
quality 30 and a 2% shift of the same photo move the distance by at most 0.18, exposure 15-20% brighter
or darker by at most 0.34; the customers of different photos are 0.42 or more apart (median 0.63),
two photos of the same man 0.02. Hence the default threshold of 0.38, and a reference that follows slow
lighting drift (see the tracker).
"""

from __future__ import annotations

import cv2
import numpy as np

from avatar.vision.types import Box

HUE_BINS, SAT_BINS, GREY_BINS = 12, 4, 4
MIN_SATURATION = 40  # below this a pixel is grey: counted by brightness, not hue
MIN_VALUE = 40
BLUR_SIGMA = 2.0
REGION_SIZE = HUE_BINS * SAT_BINS + GREY_BINS
MIN_PIXELS = 64


def appearance_signature(rgb: np.ndarray, face: Box) -> np.ndarray:
    """Face and torso histograms (each L1-normalised, zeros when outside the frame), concatenated."""
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
    if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) < MIN_PIXELS:
        return np.zeros(REGION_SIZE, dtype=np.float32)
    region = cv2.GaussianBlur(np.ascontiguousarray(rgb[y0:y1, x0:x1]), (0, 0), BLUR_SIGMA)
    hsv = cv2.cvtColor(region, cv2.COLOR_RGB2HSV)
    coloured = ((hsv[..., 1] >= MIN_SATURATION) & (hsv[..., 2] >= MIN_VALUE)).astype(np.uint8)
    hue_sat = cv2.calcHist([hsv], [0, 1], coloured, [HUE_BINS, SAT_BINS], [0, 180, MIN_SATURATION, 256])
    grey = cv2.calcHist([hsv], [2], 1 - coloured, [GREY_BINS], [0, 256])
    hist = np.concatenate([hue_sat.flatten(), grey.flatten()]).astype(np.float32)
    total = float(hist.sum())
    return hist / total if total > 0 else hist
