"""Value types of the camera pipeline: what one frame shows, and the events a kiosk receives.

Frames themselves never leave the analyser: an observation holds only boxes, angles, flags and a small
appearance vector, so nothing that could rebuild the picture is kept (privacy by construction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

EventType = Literal[
    "customer_arrived",
    "customer_left",
    "extra_face_close_behind",
    "gaze",
    "phone_at_ear",
    "person_changed",
    # single-image descriptions (`lobby vision IMAGE`)
    "customer_present",
    "multiple_faces",
]


@dataclass(frozen=True)
class Box:
    """A face box in normalised frame coordinates (0..1, origin top left)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def area(self) -> float:
        return self.w * self.h

    def to_dict(self) -> dict[str, float]:
        return {"x": round(self.x, 4), "y": round(self.y, 4), "w": round(self.w, 4), "h": round(self.h, 4)}


@dataclass(frozen=True)
class Face:
    """One detected face; `size` is its height as a share of the frame height (a proxy for distance)."""

    box: Box
    score: float

    @property
    def size(self) -> float:
        return self.box.h

    def to_dict(self) -> dict[str, Any]:
        return {**self.box.to_dict(), "score": round(self.score, 3), "size": round(self.size, 4)}


@dataclass(frozen=True)
class HeadPose:
    """Head direction of the customer in degrees.

    yaw > 0: the face points towards the right side of the camera image; pitch > 0: the face points up.
    """

    yaw: float
    pitch: float

    def to_dict(self) -> dict[str, float]:
        return {"yaw": round(self.yaw, 1), "pitch": round(self.pitch, 1)}


@dataclass(frozen=True)
class FrameObservation:
    """Everything the event state machine needs from one camera frame.

    `faces` is sorted by size, largest first; `primary` indexes the customer (the closest, most central
    face). `hand_at_ear` is None when it was not checked (it costs a pose model run). `signature` is a
    small colour-histogram vector of the customer's face and clothes, compared for person change.
    """

    width: int
    height: int
    faces: tuple[Face, ...] = ()
    primary: int | None = None
    head: HeadPose | None = None
    hand_at_ear: bool | None = None
    signature: np.ndarray | None = field(default=None, repr=False, compare=False)
    elapsed_ms: float = 0.0

    @property
    def customer(self) -> Face | None:
        return None if self.primary is None else self.faces[self.primary]

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "faces": len(self.faces),
            "boxes": [face.to_dict() for face in self.faces],
            "primary": self.primary,
            "head": None if self.head is None else self.head.to_dict(),
            "hand_at_ear": self.hand_at_ear,
            "elapsed_ms": round(self.elapsed_ms, 2),
        }


@dataclass(frozen=True)
class VisionContext:
    """What the kiosk is showing, passed by the caller with each frame.

    `sensitive_screen`: a PIN, amount or ID number is on screen (faces behind the customer matter).
    `transfer_in_progress`: a transfer is being made (a phone at the ear is a fraud risk signal).
    """

    sensitive_screen: bool = False
    transfer_in_progress: bool = False


@dataclass(frozen=True)
class VisionEvent:
    """One event for the session: a type, the time it happened (seconds, caller's clock) and small data."""

    type: EventType
    t: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "t": round(self.t, 3), "data": self.data}


def pick_primary(faces: tuple[Face, ...]) -> int | None:
    """The customer: the largest face, discounted when it is far from the centre of the frame.

    A kiosk camera looks straight at the person using it, so the nearest, most central face is theirs;
    the discount keeps a large face at the edge (someone passing by) from winning over a central one.
    """
    if not faces:
        return None

    def weight(face: Face) -> float:
        off_centre = math.hypot(face.box.cx - 0.5, face.box.cy - 0.5) / math.hypot(0.5, 0.5)
        return face.size * (1.0 - 0.5 * min(1.0, off_centre))

    return max(range(len(faces)), key=lambda i: weight(faces[i]))
