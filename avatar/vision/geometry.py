"""Pure geometry on mediapipe landmarks: head direction from the face mesh, hand at the ear from pose.

Kept apart from the models so the rules can be unit-tested with synthetic landmarks.
"""

from __future__ import annotations

import math

import numpy as np

from avatar.vision.types import HeadPose

# Face mesh (468 points) indices.
MESH_RIGHT_EYE_OUTER = 33  # the subject's right eye: on the image's left
MESH_LEFT_EYE_OUTER = 263
MESH_MOUTH_RIGHT = 61
MESH_MOUTH_LEFT = 291

# Pose (33 points) indices.
POSE_LEFT_EAR, POSE_RIGHT_EAR = 7, 8
POSE_MOUTH_LEFT, POSE_MOUTH_RIGHT = 9, 10
POSE_HAND_POINTS = (15, 16, 17, 18, 19, 20, 21, 22)  # wrists, pinkies, index fingers, thumbs
MIN_VISIBILITY = 0.5


def head_pose(points: np.ndarray) -> HeadPose:
    """Yaw and pitch from face-mesh landmarks in pixel units (x right, y down, z away from the camera).

    mediapipe gives z on the same scale as x, so the 3-D eye line and eyes-to-mouth line of the mesh
    tell how far the head is turned: a face turned towards image-right pushes its image-right eye away
    from the camera (z grows), a face tilted up brings the mouth forward (z shrinks). The eyes-to-mouth
    line was chosen over forehead-to-chin because it lies nearly flat in the face's plane: on frontal
    photos it reads within about 5 degrees of level, the forehead-chin line 5-20 degrees down.
    """
    if points.ndim != 2 or points.shape[0] <= MESH_MOUTH_LEFT or points.shape[1] < 3:
        raise ValueError(f"expected face-mesh landmarks (468, 3), got {points.shape}")
    eyes = points[MESH_LEFT_EYE_OUTER] - points[MESH_RIGHT_EYE_OUTER]
    eye_mid = (points[MESH_LEFT_EYE_OUTER] + points[MESH_RIGHT_EYE_OUTER]) / 2
    vertical = (points[MESH_MOUTH_LEFT] + points[MESH_MOUTH_RIGHT]) / 2 - eye_mid
    yaw = math.degrees(math.atan2(float(eyes[2]), float(eyes[0])))
    pitch = math.degrees(math.atan2(-float(vertical[2]), float(vertical[1])))
    return HeadPose(yaw=yaw, pitch=pitch)


def hand_at_ear(points: np.ndarray, max_distance: float) -> bool:
    """Whether a visible hand point is at either ear, no lower than the mouth.

    `points` are pose landmarks (33, 4): x, y, z in pixels and visibility. Distance is measured in
    ear-to-ear widths so the rule holds at any distance from the camera. Ears are used even when the
    model marks them hidden, because a hand or a phone at the ear is exactly what hides them. The
    mouth-level bound matters: on a portrait with no hands in sight the pose model can still place a
    "visible" wrist at the chin (measured on a speech photo with a microphone), under the ear.
    """
    if points.ndim != 2 or points.shape[0] < 33 or points.shape[1] < 4:
        raise ValueError(f"expected pose landmarks (33, 4), got {points.shape}")
    ears = points[[POSE_LEFT_EAR, POSE_RIGHT_EAR], :2]
    ear_width = float(np.linalg.norm(ears[0] - ears[1]))
    if ear_width <= 0:
        return False
    mouth_y = float(points[[POSE_MOUTH_LEFT, POSE_MOUTH_RIGHT], 1].mean())
    for index in POSE_HAND_POINTS:
        x, y, _z, visibility = (float(v) for v in points[index, :4])
        if visibility < MIN_VISIBILITY or y > mouth_y:
            continue
        nearest = float(np.min(np.linalg.norm(ears - np.array([x, y]), axis=1)))
        if nearest <= max_distance * ear_width:
            return True
    return False
