"""The kiosk camera pipeline: mediapipe face detection and landmarks per frame, and a per-kiosk event
state machine (arrived, left, face close behind, gaze, phone at ear, person changed).

Frames are analysed and dropped; only observations and events leave this package. Importing the package
loads nothing heavy (settings import `VisionOptions` from here): names load on first use, and the
mediapipe models on the first `VisionAnalyzer` (use `get_analyzer` for the process-wide one).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from avatar.vision.options import VisionOptions

if TYPE_CHECKING:
    from avatar.vision.analyzer import VisionAnalyzer, get_analyzer
    from avatar.vision.frames import FrameError
    from avatar.vision.session import KioskVisionFeed
    from avatar.vision.tracker import KioskVisionTracker, describe_image
    from avatar.vision.types import Box, Face, FrameObservation, HeadPose, VisionContext, VisionEvent

_WHERE = {
    "VisionAnalyzer": "analyzer",
    "get_analyzer": "analyzer",
    "FrameError": "frames",
    "KioskVisionTracker": "tracker",
    "KioskVisionFeed": "session",
    "describe_image": "tracker",
    "Box": "types",
    "Face": "types",
    "FrameObservation": "types",
    "HeadPose": "types",
    "VisionContext": "types",
    "VisionEvent": "types",
}

__all__ = [
    "Box",
    "Face",
    "FrameError",
    "FrameObservation",
    "HeadPose",
    "KioskVisionFeed",
    "KioskVisionTracker",
    "VisionAnalyzer",
    "VisionContext",
    "VisionEvent",
    "VisionOptions",
    "describe_image",
    "get_analyzer",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'avatar.vision' has no attribute {name!r}")
    return getattr(importlib.import_module(f"avatar.vision.{_WHERE[name]}"), name)
