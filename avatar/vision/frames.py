"""Turning what the kiosk sends (JPEG/PNG bytes, or a numpy array) into one RGB uint8 image.

Bad frames raise `FrameError` with a reason the caller can log; they never reach the models.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

ColorOrder = Literal["bgr", "rgb"]
MIN_SIDE = 16


class FrameError(ValueError):
    """A frame that cannot be analysed (empty, too large, not an image, wrong shape)."""


def decode_frame(data: bytes, *, max_bytes: int) -> np.ndarray:
    """Decode encoded image bytes (JPEG, PNG, WebP, ...) to an RGB array."""
    if not data:
        raise FrameError("empty frame")
    if len(data) > max_bytes:
        raise FrameError(f"frame of {len(data)} bytes exceeds the limit of {max_bytes}")
    # IMREAD_COLOR applies the EXIF orientation (phone photos) and drops alpha, which we would drop anyway
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise FrameError("not a decodable image")
    return to_rgb(image, order="bgr")


def to_rgb(image: np.ndarray, *, order: ColorOrder = "bgr") -> np.ndarray:
    """A contiguous RGB uint8 array from grey, BGR/RGB or BGRA/RGBA input of any integer depth."""
    if not isinstance(image, np.ndarray):
        raise FrameError(f"expected a numpy array, got {type(image).__name__}")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise FrameError(f"unsupported pixel type {image.dtype} (expected uint8)")
    if image.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise FrameError(f"unsupported frame shape {image.shape}")
    if min(image.shape[:2]) < MIN_SIDE:
        raise FrameError(f"frame of {image.shape[1]}x{image.shape[0]} is too small")
    channels = image.shape[2]
    if channels == 1:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
    if channels == 4:
        code = cv2.COLOR_BGRA2RGB if order == "bgr" else cv2.COLOR_RGBA2RGB
        return np.ascontiguousarray(cv2.cvtColor(image, code))
    if order == "bgr":
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return np.ascontiguousarray(image)


def limit_size(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Scale a frame down (area interpolation) so its longer side is at most `max_side`."""
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return rgb
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def letterbox(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Fit an image into a `width` x `height` frame without distortion, padding with black.

    Used to present photos to the pipeline as a kiosk camera would deliver them (a fixed 4:3 frame).
    """
    src_h, src_w = rgb.shape[:2]
    scale = min(width / src_w, height / src_h)
    new_w, new_h = max(1, round(src_w * scale)), max(1, round(src_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=interpolation)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    return canvas
