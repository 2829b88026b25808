"""The per-kiosk vision event state machine, fed with synthetic observations (no models)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from avatar.vision.options import VisionOptions
from avatar.vision.signature import REGION_SIZE
from avatar.vision.tracker import KioskVisionTracker, describe_image
from avatar.vision.types import Box, Face, FrameObservation, HeadPose, VisionContext, VisionEvent, pick_primary

pytestmark = pytest.mark.unit

SENSITIVE = VisionContext(sensitive_screen=True)
TRANSFER = VisionContext(transfer_in_progress=True)


def look(bin_index: int) -> np.ndarray:
    """A signature with all mass in one bin of each region: different bins = different people."""
    signature = np.zeros(2 * REGION_SIZE, dtype=np.float32)
    signature[bin_index] = 1.0
    signature[REGION_SIZE + bin_index] = 1.0
    return signature


def face(cx: float = 0.5, cy: float = 0.45, h: float = 0.3, score: float = 0.9) -> Face:
    return Face(Box(cx - h / 2, cy - h / 2, h, h), score)


def obs(
    *faces: Face,
    head: HeadPose | None = None,
    ear: bool | None = None,
    signature: np.ndarray | None = None,
) -> FrameObservation:
    ordered = tuple(sorted(faces, key=lambda f: f.size, reverse=True))
    return FrameObservation(
        width=640,
        height=480,
        faces=ordered,
        primary=pick_primary(ordered),
        head=head,
        hand_at_ear=ear,
        signature=look(0) if signature is None and ordered else signature,
    )


def types(events: list[VisionEvent]) -> list[str]:
    return [event.type for event in events]


def feed(
    tracker: KioskVisionTracker,
    frames: list[FrameObservation],
    start: float = 0.0,
    step: float = 0.25,
    context: VisionContext | None = None,
) -> list[VisionEvent]:
    events: list[VisionEvent] = []
    for i, frame in enumerate(frames):
        events += tracker.update(frame, start + i * step, context)
    return events


def arrived_tracker(**options: object) -> KioskVisionTracker:
    tracker = KioskVisionTracker(VisionOptions(**options), left_after_s=8.0)
    feed(tracker, [obs(face())] * 3)
    assert tracker.present
    return tracker


def test_customer_arrives_once_after_debounce_frames() -> None:
    tracker = KioskVisionTracker(VisionOptions(arrive_frames=3))
    events = feed(tracker, [obs(face()), obs(face())])
    assert "customer_arrived" not in types(events)
    events = feed(tracker, [obs(face())] * 10, start=0.5)
    assert types(events).count("customer_arrived") == 1
    arrived = next(e for e in events if e.type == "customer_arrived")
    assert arrived.t == 0.5 and arrived.data["faces"] == 1


def test_a_single_glimpse_is_not_a_visit() -> None:
    tracker = KioskVisionTracker(VisionOptions(arrive_frames=3))
    events = feed(tracker, [obs(face()), obs(), obs(face()), obs(), obs(face()), obs(face())])
    assert events == [] and not tracker.present


def test_customer_left_after_timeout_and_not_before() -> None:
    tracker = arrived_tracker()
    assert tracker.update(obs(), 5.0) == []  # 4.5 s without a face: still here
    events = tracker.update(obs(), 8.5)
    assert types(events) == ["customer_left"]
    assert events[0].data["visit_s"] == 0.0  # arrived at 0.5 s, last seen at 0.5 s
    assert not tracker.present
    assert tracker.update(obs(), 20.0) == []  # left once only


def test_brief_absence_keeps_the_visit() -> None:
    tracker = arrived_tracker()
    events = feed(tracker, [obs()] * 8 + [obs(face())] * 3, start=1.0, step=0.5)  # 4 s gap
    assert "customer_left" not in types(events) and "customer_arrived" not in types(events)


def test_tick_ends_a_visit_when_frames_stop() -> None:
    tracker = arrived_tracker()
    assert tracker.tick(3.0) == []
    assert types(tracker.tick(8.6)) == ["customer_left"]


def test_new_visit_greets_again_after_leaving() -> None:
    tracker = arrived_tracker()
    tracker.tick(100.0)
    events = feed(tracker, [obs(face())] * 3, start=101.0)
    assert types(events).count("customer_arrived") == 1


def test_close_behind_needs_a_sensitive_screen() -> None:
    tracker = arrived_tracker()
    frames = [obs(face(h=0.3), face(cx=0.8, cy=0.3, h=0.2))] * 4
    assert "extra_face_close_behind" not in types(feed(tracker, frames, start=1.0))
    events = feed(tracker, frames, start=2.0, context=SENSITIVE)
    assert types(events).count("extra_face_close_behind") == 1
    warned = next(e for e in events if e.type == "extra_face_close_behind")
    assert warned.data["count"] == 1 and warned.data["boxes"][0]["h"] == pytest.approx(0.2)


def test_a_small_face_far_behind_is_not_close() -> None:
    tracker = arrived_tracker(behind_min_ratio=0.45)
    frames = [obs(face(h=0.3), face(cx=0.85, cy=0.2, h=0.1))] * 4  # 1/3 of the customer's size
    assert "extra_face_close_behind" not in types(feed(tracker, frames, start=1.0, context=SENSITIVE))


def test_close_behind_warns_again_after_the_face_went_away() -> None:
    tracker = arrived_tracker(behind_frames=2)
    two = obs(face(h=0.3), face(cx=0.8, cy=0.3, h=0.2))
    events = feed(tracker, [two, two, obs(face()), two, two], start=1.0, context=SENSITIVE)
    assert types(events).count("extra_face_close_behind") == 2


def test_close_behind_is_debounced() -> None:
    tracker = arrived_tracker(behind_frames=3)
    two = obs(face(h=0.3), face(cx=0.8, cy=0.3, h=0.2))
    events = feed(tracker, [two, two, obs(face()), two, two, obs(face())], start=1.0, context=SENSITIVE)
    assert "extra_face_close_behind" not in types(events)


def test_phone_at_ear_only_during_a_transfer_and_once() -> None:
    tracker = arrived_tracker(phone_frames=2)
    at_ear = obs(face(), ear=True)
    assert "phone_at_ear" not in types(feed(tracker, [at_ear] * 3, start=1.0))
    events = feed(tracker, [at_ear] * 5, start=2.0, context=TRANSFER)
    assert types(events).count("phone_at_ear") == 1


def test_phone_at_ear_needs_consecutive_frames_and_skips_unchecked_ones() -> None:
    tracker = arrived_tracker(phone_frames=2)
    events = feed(
        tracker, [obs(face(), ear=True), obs(face(), ear=False), obs(face(), ear=True)], 1.0, context=TRANSFER
    )
    assert "phone_at_ear" not in types(events)
    # a frame where the check did not run (ear=None) neither breaks nor extends the streak
    events = feed(tracker, [obs(face(), ear=None), obs(face(), ear=True)], 2.0, context=TRANSFER)
    assert types(events).count("phone_at_ear") == 1


def test_gaze_updates_are_rate_limited_and_only_on_change() -> None:
    tracker = arrived_tracker(gaze_interval_s=1.0, gaze_min_change=0.05)
    still = [obs(face(cx=0.5), head=HeadPose(0, 0))] * 20
    events = feed(tracker, still, start=1.0, step=0.25)
    assert types(events).count("gaze") == 1  # the head angles appear once, then nothing changes
    moving = [obs(face(cx=0.3 + 0.02 * i), head=HeadPose(30.0, 0)) for i in range(20)]
    gazes = [e for e in feed(tracker, moving, start=10.0, step=0.25) if e.type == "gaze"]
    assert 2 <= len(gazes) <= 5
    assert all(b.t - a.t >= 1.0 for a, b in itertools.pairwise(gazes))
    assert gazes[0].data["yaw"] == 30.0 and gazes[0].data["looking"] is False


def test_first_gaze_comes_with_arrival() -> None:
    tracker = KioskVisionTracker(VisionOptions(arrive_frames=2))
    events = feed(tracker, [obs(face(cx=0.4), head=HeadPose(5.0, -3.0))] * 2)
    assert types(events) == ["customer_arrived", "gaze"]
    assert events[1].data == {"x": 0.4, "y": 0.45, "yaw": 5.0, "pitch": -3.0, "looking": True}


def test_person_change_is_detected_after_consecutive_frames() -> None:
    tracker = arrived_tracker(person_change_frames=3, signature_frames=3)
    feed(tracker, [obs(face(), signature=look(0))] * 3, start=1.0)
    events = feed(tracker, [obs(face(), signature=look(7))] * 2, start=2.0)
    assert "person_changed" not in types(events)
    events = feed(tracker, [obs(face(), signature=look(7))] * 2, start=3.0)
    assert types(events).count("person_changed") == 1
    assert next(e for e in events if e.type == "person_changed").data["distance"] == pytest.approx(1.0)
    # the newcomer becomes the reference: no repeated events
    assert "person_changed" not in types(feed(tracker, [obs(face(), signature=look(7))] * 10, start=4.0))


def test_a_glitch_frame_is_not_a_person_change() -> None:
    tracker = arrived_tracker(person_change_frames=3)
    frames = [obs(face(), signature=look(0))] * 4 + [obs(face(), signature=look(7))] * 2
    frames += [obs(face(), signature=look(0))] + [obs(face(), signature=look(7))] * 2
    assert "person_changed" not in types(feed(tracker, frames, start=1.0))


def test_reference_follows_slow_drift() -> None:
    tracker = arrived_tracker(person_change_frames=2, person_change_distance=0.38)
    base, target = look(0), look(5)
    frames = []
    for i in range(60):  # blend 0 -> 1 over 60 frames: each step is tiny
        share = i / 59
        frames.append(obs(face(), signature=(1 - share) * base + share * target))
    assert "person_changed" not in types(feed(tracker, frames, start=1.0))


def test_describe_image_reports_presence_count_and_phone() -> None:
    assert describe_image(obs()) == []
    single = describe_image(obs(face(), head=HeadPose(10.0, 2.0)))
    assert types(single) == ["customer_present"] and single[0].data["yaw"] == 10.0
    several = describe_image(obs(face(), face(cx=0.2, h=0.1), ear=True))
    assert types(several) == ["customer_present", "multiple_faces", "phone_at_ear"]
    assert several[1].data == {"count": 2}


def test_the_primary_face_is_the_large_central_one() -> None:
    central, edge_large, small = face(cx=0.5, h=0.3), face(cx=0.95, cy=0.1, h=0.34), face(cx=0.4, h=0.1)
    faces = (edge_large, central, small)
    assert pick_primary(faces) == 1
    assert pick_primary(()) is None
    assert pick_primary((small,)) == 0


def test_events_serialise_to_small_dicts() -> None:
    event = VisionEvent("gaze", 1.23456, {"x": 0.5})
    assert event.to_dict() == {"type": "gaze", "t": 1.235, "data": {"x": 0.5}}
