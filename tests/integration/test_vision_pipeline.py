"""The camera pipeline with the real mediapipe models on a real face photograph and on frames built
from it: detection, head direction, hand-at-ear check, bad frames, threads, and the event tracker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from avatar.vision.analyzer import VisionAnalyzer, get_analyzer
from avatar.vision.frames import FrameError
from avatar.vision.options import VisionOptions
from avatar.vision.session import KioskVisionFeed
from avatar.vision.tracker import KioskVisionTracker, describe_image
from avatar.vision.types import VisionContext
from tests.integration.vision_images import hue_shifted, kiosk_frame, portrait_bgr, squeeze_half

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def analyzer() -> Iterator[VisionAnalyzer]:
    instance = VisionAnalyzer(VisionOptions())
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return portrait_bgr()


def test_finds_the_face_in_a_real_portrait(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    obs = analyzer.analyze(portrait)
    assert len(obs.faces) == 1 and obs.primary == 0
    face = obs.faces[0]
    assert face.score > 0.7
    assert 0.4 < face.box.cx < 0.65 and 0.3 < face.box.cy < 0.5  # her face, not the uniform
    assert 0.2 < face.size < 0.5
    assert obs.head is not None and abs(obs.head.yaw) < 15 and abs(obs.head.pitch) < 20
    assert obs.signature is not None and obs.signature.sum() > 0
    assert obs.hand_at_ear is None  # not asked for


@pytest.mark.parametrize("kind", ["black", "grey", "noise"])
def test_frames_without_a_face(analyzer: VisionAnalyzer, kind: str) -> None:
    if kind == "noise":
        frame = np.random.default_rng(7).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    else:
        frame = np.full((480, 640, 3), 0 if kind == "black" else 128, dtype=np.uint8)
    obs = analyzer.analyze(frame, hands=True)
    assert obs.faces == () and obs.primary is None and obs.head is None and obs.signature is None
    assert describe_image(obs) == []


def test_jpeg_bytes_rgb_and_bgr_inputs_agree(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    reference = analyzer.analyze(portrait).faces[0].box
    ok, jpeg = cv2.imencode(".jpg", portrait, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    from_bytes = analyzer.analyze(jpeg.tobytes()).faces[0].box
    from_rgb = analyzer.analyze(cv2.cvtColor(portrait, cv2.COLOR_BGR2RGB), order="rgb").faces[0].box
    for box in (from_bytes, from_rgb):
        assert box.cx == pytest.approx(reference.cx, abs=0.02)
        assert box.h == pytest.approx(reference.h, abs=0.02)


def test_head_direction_follows_a_turned_face(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    centre_x = int(analyzer.analyze(portrait).faces[0].box.cx * portrait.shape[1])
    towards_right = analyzer.analyze(squeeze_half(portrait, centre_x, "right")).head
    towards_left = analyzer.analyze(squeeze_half(portrait, centre_x, "left")).head
    assert towards_right is not None and towards_left is not None
    assert towards_right.yaw > 5 and towards_left.yaw < -5


def test_two_faces_in_a_kiosk_frame(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    obs = analyzer.analyze(kiosk_frame(portrait, behind_scale=0.45))
    assert len(obs.faces) == 2
    customer = obs.customer
    assert customer is not None and 0.4 < customer.box.cx < 0.6  # the central one, not the one behind
    assert [event.type for event in describe_image(obs)] == ["customer_present", "multiple_faces"]


def test_no_hand_at_the_ear_in_the_portrait(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    obs = analyzer.analyze(portrait, hands=True)
    assert obs.hand_at_ear is False


def test_malformed_frames_are_refused(analyzer: VisionAnalyzer) -> None:
    with pytest.raises(FrameError):
        analyzer.analyze(b"\xff\xd8\xff\xe0 truncated jpeg")
    with pytest.raises(FrameError):
        analyzer.analyze(np.zeros((5, 5, 3), dtype=np.uint8))
    with pytest.raises(FrameError, match="exceeds"):
        VisionAnalyzer(VisionOptions(max_frame_bytes=1024)).analyze(b"\x00" * 4096)


def test_one_analyzer_serves_several_threads(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    frames = [portrait, kiosk_frame(portrait, behind_scale=0.45), np.zeros((480, 640, 3), np.uint8)] * 6
    expected = [len(analyzer.analyze(frame).faces) for frame in frames[:3]] * 6
    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda frame: len(analyzer.analyze(frame).faces), frames))
    assert counts == expected == [1, 2, 0] * 6


def test_shared_analyzer_is_created_once() -> None:
    options = VisionOptions(model="short")
    first = get_analyzer(options)
    assert get_analyzer(VisionOptions(model="short")) is first
    assert get_analyzer(VisionOptions(model="full")) is not first


def test_short_range_model_and_tiles(portrait: np.ndarray) -> None:
    for options in (VisionOptions(model="short"), VisionOptions(tiles=True)):
        instance = VisionAnalyzer(options)
        try:
            assert len(instance.analyze(portrait, head=False).faces) == 1  # tiles must not duplicate it
        finally:
            instance.close()


def test_a_visit_from_real_frames(analyzer: VisionAnalyzer, portrait: np.ndarray) -> None:
    """Empty kiosk -> customer arrives -> someone close behind at a PIN screen -> another person takes
    over -> nobody for longer than left_after_s."""
    tracker = KioskVisionTracker(VisionOptions(), left_after_s=3.0)
    empty = np.full((480, 640, 3), 90, dtype=np.uint8)
    alone, crowded = kiosk_frame(portrait), kiosk_frame(portrait, behind_scale=0.45)
    other = kiosk_frame(hue_shifted(portrait))
    script: list[tuple[np.ndarray, VisionContext]] = [(empty, VisionContext())] * 2
    script += [(alone, VisionContext())] * 5
    script += [(crowded, VisionContext(sensitive_screen=True))] * 3
    script += [(other, VisionContext())] * 4
    script += [(empty, VisionContext())] * 14
    events = []
    for index, (frame, context) in enumerate(script):
        events += tracker.update(analyzer.analyze(frame), index * 0.25, context)
    kinds = [event.type for event in events]
    assert kinds.count("customer_arrived") == 1 and kinds.index("customer_arrived") == 0
    assert kinds.count("extra_face_close_behind") == 1
    assert kinds.count("person_changed") == 1
    assert kinds[-1] == "customer_left"
    assert "gaze" in kinds
    order = [k for k in kinds if k != "gaze"]
    assert order == ["customer_arrived", "extra_face_close_behind", "person_changed", "customer_left"]


async def test_feed_analyses_off_the_loop_and_survives_bad_frames(
    analyzer: VisionAnalyzer, portrait: np.ndarray, caplog: pytest.LogCaptureFixture
) -> None:
    feed = KioskVisionFeed(analyzer, left_after_s=2.0, kiosk="k1")
    ok, jpeg = cv2.imencode(".jpg", kiosk_frame(portrait))
    assert ok
    events = []
    for index in range(3):
        events += await feed.submit(jpeg.tobytes(), index * 0.25)
    assert [event.type for event in events][:1] == ["customer_arrived"]
    with caplog.at_level("WARNING", logger="avatar.vision.session"):
        assert await feed.submit(b"garbage", 1.0) == []
    assert feed.stats.rejected == 1 and "not a decodable image" in feed.stats.last_error
    assert any(record.message == "vision frame dropped" for record in caplog.records)
    # a second frame while one is in analysis is dropped, not queued
    both = await asyncio.gather(feed.submit(jpeg.tobytes(), 1.25), feed.submit(jpeg.tobytes(), 1.3))
    assert feed.stats.dropped_busy == 1 and both[1] == []
    # the pose model runs only while a transfer is in progress
    await feed.submit(jpeg.tobytes(), 1.5, VisionContext(transfer_in_progress=True))
    assert feed.last is not None and feed.last.hand_at_ear is False
    await feed.submit(jpeg.tobytes(), 1.75)
    assert feed.last.hand_at_ear is None
    assert [event.type for event in feed.tick(10.0)] == ["customer_left"]
