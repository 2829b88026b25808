"""Landmark models run on a crop around the customer's face: face mesh (head direction) and pose
(hand at the ear). Cropping keeps them on the customer rather than on people behind, and lets the
mesh's own short-range face finder work on customers standing further away.

Both use static-image mode: one model instance serves many kiosks, so no tracking state may leak
from one kiosk's frames into another's. Pose uses `model_complexity=1`, the only pose landmark model
the mediapipe wheel ships (0 and 2 would be downloaded at run time).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from avatar.vision.geometry import hand_at_ear, head_pose
from avatar.vision.types import Box, HeadPose

MESH_MARGIN = 0.9  # crop: the face box plus 90% of its size on every side
POSE_SIDE_MARGIN = 1.8  # crop: 1.8 face widths either side, 0.8 heights above, 3 heights below
POSE_TOP_MARGIN, POSE_BOTTOM_MARGIN = 0.8, 3.0


def crop(rgb: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> tuple[np.ndarray, int, int]:
    """A contiguous crop of normalised region (clipped to the frame) and its pixel offset."""
    height, width = rgb.shape[:2]
    left, top = max(0, int(x0 * width)), max(0, int(y0 * height))
    right, bottom = min(width, int(x1 * width)), min(height, int(y1 * height))
    return np.ascontiguousarray(rgb[top:bottom, left:right]), left, top


class HeadPoseEstimator:
    """Head yaw/pitch of the face in a box, from mediapipe face mesh landmarks."""

    def __init__(self) -> None:
        from mediapipe.python.solutions import face_mesh

        self._graph: Any = face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=False, min_detection_confidence=0.5
        )
        self._lock = threading.Lock()

    def estimate(self, rgb: np.ndarray, face: Box) -> HeadPose | None:
        """None when the mesh finds no face in the crop (profile, blur, occlusion)."""
        region, _, _ = crop(
            rgb,
            face.x - face.w * MESH_MARGIN,
            face.y - face.h * MESH_MARGIN,
            face.x + face.w * (1 + MESH_MARGIN),
            face.y + face.h * (1 + MESH_MARGIN),
        )
        if min(region.shape[:2]) < 16:
            return None
        with self._lock:
            result = self._graph.process(region)
        if not result.multi_face_landmarks:
            return None
        height, width = region.shape[:2]
        points = np.array([(p.x * width, p.y * height, p.z * width) for p in result.multi_face_landmarks[0].landmark])
        return head_pose(points)

    def close(self) -> None:
        with self._lock:
            self._graph.close()


class HandAtEarDetector:
    """Whether the customer holds a hand (or a phone in it) at an ear, from mediapipe pose landmarks."""

    def __init__(self, max_distance: float) -> None:
        from mediapipe.python.solutions import pose

        self.max_distance = max_distance
        self._graph: Any = pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
        self._lock = threading.Lock()

    def check(self, rgb: np.ndarray, face: Box) -> bool:
        """False also when no body is found: the risk event needs positive evidence."""
        region, _, _ = crop(
            rgb,
            face.x - face.w * POSE_SIDE_MARGIN,
            face.y - face.h * POSE_TOP_MARGIN,
            face.x + face.w * (1 + POSE_SIDE_MARGIN),
            face.y + face.h * (1 + POSE_BOTTOM_MARGIN),
        )
        if min(region.shape[:2]) < 32:
            return False
        with self._lock:
            result = self._graph.process(region)
        if result.pose_landmarks is None:
            return False
        height, width = region.shape[:2]
        points = np.array(
            [(p.x * width, p.y * height, p.z * width, p.visibility) for p in result.pose_landmarks.landmark]
        )
        return hand_at_ear(points, self.max_distance)

    def close(self) -> None:
        with self._lock:
            self._graph.close()
