"""Are the camera models there? A cheap check for readiness probes: it looks for the model files
inside the installed mediapipe wheel without importing mediapipe (which takes seconds) or loading
a graph. Nothing is ever downloaded: pose `model_complexity` 0 and 2 would be, so only 1 is used."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

REQUIRED = {
    "face_detection_short": "face_detection/face_detection_short_range.tflite",
    "face_detection_full": "face_detection/face_detection_full_range_sparse.tflite",
    "face_mesh": "face_landmark/face_landmark.tflite",
    "pose_detection": "pose_detection/pose_detection.tflite",
    "pose_landmark_full": "pose_landmark/pose_landmark_full.tflite",
}


def mediapipe_modules_dir() -> Path | None:
    """`mediapipe/modules` of the installed wheel, or None when mediapipe is not installed."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "modules"


def check_models() -> dict[str, Any]:
    """{"ok": bool, "missing": [...]} for the models the pipeline uses."""
    modules = mediapipe_modules_dir()
    if modules is None:
        return {"ok": False, "error": "mediapipe is not installed (extra: vision)", "missing": sorted(REQUIRED)}
    missing = sorted(name for name, rel in REQUIRED.items() if not (modules / rel).is_file())
    return {"ok": not missing, "missing": missing, "models_dir": str(modules)}
