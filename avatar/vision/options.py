"""Options of the kiosk camera pipeline, nested in `AvatarOptions` as `vision`.

Environment: `LOBBY_AVATAR__VISION__<NAME>`, e.g. `LOBBY_AVATAR__VISION__MODEL=short`. The defaults are
the values measured in docs/benchmarks.md ("Vision"); each one says why it is what it is.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class VisionOptions(BaseModel):
    """Detector choice, frame limits and the thresholds of the per-kiosk event state machine."""

    model: Literal["short", "full"] = Field(
        "full",
        description="mediapipe face detection model: 'short' (within ~2 m, fastest) or 'full' (up to ~5 m, "
        "also finds the people standing behind the customer).",
    )
    min_score: float = Field(0.5, ge=0.05, le=0.99, description="Minimum detection confidence of a face.")
    tiles: bool = Field(
        False,
        description="Also run the detector on four overlapping tiles (finds small faces in crowds, ~5x slower).",
    )
    max_side: int = Field(1280, ge=160, le=4096, description="Larger frames are scaled down to this side first.")
    max_frame_bytes: int = Field(4_000_000, ge=1024, description="Encoded frames larger than this are refused.")
    max_faces: int = Field(10, ge=1, le=50, description="At most this many faces are reported per frame.")

    arrive_frames: int = Field(3, ge=1, description="Consecutive frames with a face before a visit begins.")
    behind_min_ratio: float = Field(
        0.45,
        gt=0,
        le=1.5,
        description="A second face counts as 'close behind' when its height is at least this share of the "
        "customer's face height.",
    )
    behind_frames: int = Field(2, ge=1, description="Consecutive frames before a 'close behind' warning.")
    gaze_interval_s: float = Field(0.5, ge=0, description="At most one gaze update per this many seconds.")
    gaze_min_change: float = Field(
        0.05, ge=0, description="A gaze update needs the face centre to move this share of the frame (or 8 deg)."
    )
    looking_max_yaw: float = Field(25.0, gt=0, le=90, description="|yaw| up to this counts as facing the screen.")
    ear_max_distance: float = Field(
        0.6,
        gt=0,
        le=3,
        description="A hand point within this many ear-to-ear widths of an ear, not below the mouth, is 'at the ear'.",
    )
    phone_frames: int = Field(2, ge=1, description="Consecutive frames with a hand at the ear before the risk event.")
    person_change_distance: float = Field(
        0.38, gt=0, le=1, description="Appearance distance (0 same .. 1 different) that means another person."
    )
    person_change_frames: int = Field(3, ge=1, description="Consecutive differing frames before person_changed.")
    signature_frames: int = Field(3, ge=1, description="Frames averaged into a visit's reference appearance.")
