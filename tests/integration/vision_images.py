"""Real-face test images built at test time (the repository ships no photos).

The portrait is Grace Hopper (US Navy photograph, public domain) as shipped in matplotlib's sample
data; matplotlib is a dependency of mediapipe, so it is present wherever the vision extra is.
"""

from __future__ import annotations

import cv2
import numpy as np
from matplotlib import cbook


def portrait_bgr() -> np.ndarray:
    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return image


def kiosk_frame(portrait: np.ndarray, behind_scale: float | None = None) -> np.ndarray:
    """A 640x480 camera frame: the customer in the middle, optionally someone smaller behind, right."""
    frame = np.full((480, 640, 3), 90, dtype=np.uint8)
    frame[100:452, 170:470] = cv2.resize(portrait, (300, 352), interpolation=cv2.INTER_AREA)
    if behind_scale is not None:
        width, height = int(512 * behind_scale), int(600 * behind_scale)
        small = cv2.resize(portrait, (width, height), interpolation=cv2.INTER_AREA)
        frame[5 : 5 + height, 640 - width - 5 : 635] = small
    return frame


def squeeze_half(image: np.ndarray, centre_x: int, side: str, factor: float = 0.5) -> np.ndarray:
    """Compress one side of the image horizontally around `centre_x`: the face looks turned that way."""
    height = image.shape[0]
    left, right = image[:, :centre_x], image[:, centre_x:]
    if side == "right":
        squeezed = cv2.resize(right, (int(right.shape[1] * factor), height))
        pad = np.zeros((height, right.shape[1] - squeezed.shape[1], 3), dtype=np.uint8)
        return np.hstack([left, squeezed, pad])
    squeezed = cv2.resize(left, (int(left.shape[1] * factor), height))
    pad = np.zeros((height, left.shape[1] - squeezed.shape[1], 3), dtype=np.uint8)
    return np.hstack([pad, squeezed, right])


def hue_shifted(image: np.ndarray, shift: int = 30) -> np.ndarray:
    """The same face in other colours: a stand-in for a different person's look (clothes, skin)."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + shift) % 180).astype(np.uint8)
    hsv[..., 1] = np.maximum(hsv[..., 1], 90)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
