"""Pure parts of the camera pipeline: head direction and hand-at-ear geometry, appearance signature,
frame decoding and box merging. No mediapipe models run here."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from avatar.vision.detector import merge_overlapping
from avatar.vision.frames import FrameError, decode_frame, letterbox, limit_size, to_rgb
from avatar.vision.geometry import (
    MESH_LEFT_EYE_OUTER,
    MESH_MOUTH_LEFT,
    MESH_MOUTH_RIGHT,
    MESH_RIGHT_EYE_OUTER,
    hand_at_ear,
    head_pose,
)
from avatar.vision.signature import appearance_signature, signature_distance
from avatar.vision.types import Box, Face

pytestmark = pytest.mark.unit


# ---------------------------------------------------------------- head direction


def rotated_mesh(yaw: float, pitch: float) -> np.ndarray:
    """A frontal face's key mesh points (x right, y down, z away), turned by yaw then tilted by pitch."""
    points = np.zeros((468, 3))
    points[MESH_RIGHT_EYE_OUTER] = (-30, -20, 0)
    points[MESH_LEFT_EYE_OUTER] = (30, -20, 0)
    points[MESH_MOUTH_RIGHT] = (-20, 40, 0)
    points[MESH_MOUTH_LEFT] = (20, 40, 0)
    y, p = math.radians(yaw), math.radians(pitch)
    turn = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    tilt = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    return points @ (tilt @ turn).T + np.array([320, 240, 0])


@pytest.mark.parametrize(("yaw", "pitch"), [(0, 0), (25, 0), (-40, 0), (0, 15), (0, -20), (20, 10), (-15, -10)])
def test_head_pose_recovers_known_angles(yaw: float, pitch: float) -> None:
    pose = head_pose(rotated_mesh(yaw, pitch))
    assert pose.yaw == pytest.approx(yaw, abs=2.0)
    assert pose.pitch == pytest.approx(pitch, abs=2.0)


def test_head_pose_is_mirror_symmetric() -> None:
    points = rotated_mesh(30, 5)
    mirrored = points.copy()
    mirrored[:, 0] = 640 - mirrored[:, 0]
    # mirroring swaps which eye is on the image's right
    mirrored[[MESH_LEFT_EYE_OUTER, MESH_RIGHT_EYE_OUTER]] = mirrored[[MESH_RIGHT_EYE_OUTER, MESH_LEFT_EYE_OUTER]]
    mirrored[[MESH_MOUTH_LEFT, MESH_MOUTH_RIGHT]] = mirrored[[MESH_MOUTH_RIGHT, MESH_MOUTH_LEFT]]
    assert head_pose(mirrored).yaw == pytest.approx(-head_pose(points).yaw, abs=0.01)


def test_head_pose_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match="face-mesh"):
        head_pose(np.zeros((33, 3)))


# ---------------------------------------------------------------- hand at the ear


def pose_points(scale: float = 1.0) -> np.ndarray:
    """Pose landmarks of a person facing the camera, hands down: ears 100 px apart at y=100."""
    points = np.zeros((33, 4))
    points[:, 3] = 0.95
    points[7, :2] = (200, 100)  # left ear (image right)
    points[8, :2] = (100, 100)  # right ear
    points[9, :2], points[10, :2] = (165, 150), (135, 150)  # mouth corners
    points[11, :2], points[12, :2] = (230, 250), (70, 250)  # shoulders
    for index in range(15, 23):  # hands resting low
        points[index, :2] = (60 if index % 2 == 0 else 240, 420)
    points[:, :2] *= scale
    return points


def test_hands_down_are_not_at_the_ear() -> None:
    assert not hand_at_ear(pose_points(), max_distance=0.6)


def test_hand_raised_to_the_ear_is_detected_at_any_scale() -> None:
    for scale in (0.5, 1.0, 3.0):
        points = pose_points(scale)
        points[20, :2] = np.array([85, 115]) * scale  # right index finger beside the right ear
        points[16, :2] = np.array([80, 170]) * scale  # its wrist below (not needed to be close)
        assert hand_at_ear(points, max_distance=0.6)


def test_hand_at_the_chin_is_not_at_the_ear() -> None:
    points = pose_points()
    points[19, :2] = (175, 160)  # index finger under the mouth, 0.6 ear-widths from the ear
    points[15, :2] = (185, 175)
    assert not hand_at_ear(points, max_distance=0.6)


def test_hidden_hand_points_do_not_count() -> None:
    points = pose_points()
    points[20, :2] = (90, 110)
    points[20, 3] = 0.2
    assert not hand_at_ear(points, max_distance=0.6)


def test_distance_threshold_applies_in_ear_widths() -> None:
    points = pose_points()
    points[20, :2] = (100 - 75, 100)  # 0.75 ear widths left of the right ear
    assert not hand_at_ear(points, max_distance=0.6)
    assert hand_at_ear(points, max_distance=0.9)


def test_hand_at_ear_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match="pose"):
        hand_at_ear(np.zeros((21, 3)), max_distance=0.6)


# ---------------------------------------------------------------- appearance signature

FACE_BOX = Box(0.4, 0.15, 0.2, 0.25)


def person(shirt_rgb: tuple[int, int, int], skin_rgb: tuple[int, int, int] = (210, 160, 130)) -> np.ndarray:
    """A flat drawing of a customer: a skin-coloured face and a shirt below it on a grey wall."""
    image = np.full((480, 640, 3), 128, dtype=np.uint8)
    cv2.rectangle(image, (100, 230), (540, 479), shirt_rgb, thickness=-1)
    cv2.ellipse(image, (320, 132), (62, 60), 0, 0, 360, skin_rgb, thickness=-1)
    cv2.ellipse(image, (320, 100), (64, 34), 0, 180, 360, (40, 30, 25), thickness=-1)  # hair
    return image


def test_signature_is_stable_under_noise_and_differs_for_other_clothes() -> None:
    blue = person((30, 60, 200))
    rng = np.random.default_rng(1)
    noisy = np.clip(blue.astype(np.int16) + rng.normal(0, 8, blue.shape).astype(np.int16), 0, 255).astype(np.uint8)
    base = appearance_signature(blue, FACE_BOX)
    assert signature_distance(base, appearance_signature(noisy, FACE_BOX)) < 0.15
    assert signature_distance(base, appearance_signature(person((200, 40, 40)), FACE_BOX)) > 0.38


def test_signature_distance_bounds_and_missing_regions() -> None:
    image = person((30, 60, 200))
    signature = appearance_signature(image, FACE_BOX)
    assert signature_distance(signature, signature) == pytest.approx(0.0, abs=1e-6)
    # a face at the bottom edge has no torso in the frame: only the face region is compared
    low = appearance_signature(image, Box(0.4, 0.9, 0.2, 0.1))
    assert np.count_nonzero(low[len(low) // 2 :]) == 0
    assert 0.0 <= signature_distance(signature, low) <= 1.0


# ---------------------------------------------------------------- frames


def test_decode_frame_accepts_encoded_images() -> None:
    bgr = np.zeros((48, 64, 3), dtype=np.uint8)
    bgr[:, :, 0] = 255  # blue in OpenCV's BGR order
    ok, png = cv2.imencode(".png", bgr)
    assert ok
    rgb = decode_frame(png.tobytes(), max_bytes=1_000_000)
    assert rgb.shape == (48, 64, 3) and tuple(rgb[0, 0]) == (0, 0, 255)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"not an image at all", "not a decodable image"), (b"\xff\xd8\xff" + b"0" * 50, "decodable")],
)
def test_decode_frame_rejects_bad_bytes(data: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        decode_frame(data, max_bytes=1_000_000)


def test_decode_frame_refuses_oversized_payloads() -> None:
    with pytest.raises(FrameError, match="exceeds"):
        decode_frame(b"x" * 2048, max_bytes=1024)


def test_to_rgb_handles_grey_alpha_and_16_bit() -> None:
    assert to_rgb(np.zeros((32, 32), dtype=np.uint8)).shape == (32, 32, 3)
    bgra = np.zeros((32, 32, 4), dtype=np.uint8)
    bgra[..., 2] = 200  # red in BGRA
    assert tuple(to_rgb(bgra, order="bgr")[0, 0]) == (200, 0, 0)
    assert tuple(to_rgb(bgra[..., [2, 1, 0, 3]], order="rgb")[0, 0]) == (200, 0, 0)
    deep = np.full((32, 32, 3), 65535, dtype=np.uint16)
    assert to_rgb(deep).dtype == np.uint8 and int(to_rgb(deep).max()) == 255


@pytest.mark.parametrize(
    "bad",
    [np.zeros((32, 32, 3), dtype=np.float32), np.zeros((32, 32, 2), dtype=np.uint8), np.zeros((8, 8, 3), np.uint8)],
)
def test_to_rgb_rejects_unusable_arrays(bad: np.ndarray) -> None:
    with pytest.raises(FrameError):
        to_rgb(bad)


def test_to_rgb_rejects_non_arrays() -> None:
    with pytest.raises(FrameError, match="numpy"):
        to_rgb([[1, 2], [3, 4]])  # type: ignore[arg-type]


def test_limit_size_and_letterbox_keep_the_aspect_ratio() -> None:
    wide = np.zeros((1000, 2000, 3), dtype=np.uint8)
    assert limit_size(wide, 1280).shape == (640, 1280, 3)
    assert limit_size(wide, 4000) is wide
    tall = np.full((800, 400, 3), 255, dtype=np.uint8)
    framed = letterbox(tall, 640, 480)
    assert framed.shape == (480, 640, 3)
    columns = np.flatnonzero(framed[240, :, 0])
    assert columns.size == 240 and columns[0] == 200  # 400x800 -> 240x480, centred
    assert int(framed[:, :200].max()) == 0


# ---------------------------------------------------------------- merging detections


def test_merge_keeps_the_whole_face_of_overlapping_boxes() -> None:
    whole = Face(Box(0.2, 0.2, 0.2, 0.2), 0.9)
    duplicate = Face(Box(0.21, 0.21, 0.19, 0.19), 0.8)
    half = Face(Box(0.3, 0.2, 0.1, 0.2), 0.95)  # half the face, cut by a tile edge
    other = Face(Box(0.7, 0.2, 0.15, 0.15), 0.7)
    kept = merge_overlapping([whole, duplicate, other])
    assert kept == [whole, other]
    assert merge_overlapping([half, whole]) == [whole]  # the partial box scores higher but is smaller
    assert merge_overlapping([]) == []
