"""The per-kiosk event state machine: a stream of observations (2-5 per second) in, session events out.

Pure Python and clock-free (the caller passes each frame's time), so it is tested with synthetic
observations. One tracker per kiosk; it is not thread-safe and needs no lock when each kiosk's frames
are handled in order. It keeps only the current visit's small state, never frames.

Events:
- customer_arrived: once per visit, after `arrive_frames` consecutive frames with a face.
- customer_left: `left_after_s` after the last frame with a face (also from `tick()` when frames stop).
- extra_face_close_behind: while a sensitive screen is shown, a second face at least `behind_min_ratio`
  of the customer's face height for `behind_frames` frames; once per episode.
- gaze: where the customer is (face centre) and where the head points; rate limited, only on change.
  x/y are camera-image coordinates of an unmirrored frame (x > 0.5: the camera's right, which is the
  avatar's own right and the screen's left as the customer sees it); yaw > 0 means the face points
  to the image's right. A page that mirrors its camera preview must still send unmirrored frames.
- phone_at_ear: while a transfer is in progress, a hand at the ear for `phone_frames` frames; once per
  episode.
- person_changed: the appearance signature differs from the visit's reference for
  `person_change_frames` frames; the newcomer becomes the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from avatar.vision.options import VisionOptions
from avatar.vision.signature import signature_distance
from avatar.vision.types import FrameObservation, VisionContext, VisionEvent

GAZE_MIN_ANGLE_CHANGE = 8.0
REFERENCE_DRIFT = 0.1  # share of a clearly matching frame blended into the visit's reference look


@dataclass
class _Visit:
    started: float
    last_face: float
    first_looks: list[np.ndarray] = field(default_factory=list)
    reference: np.ndarray | None = None
    differing_frames: int = 0
    behind_frames: int = 0
    behind_warned: bool = False
    ear_frames: int = 0
    ear_warned: bool = False
    last_gaze_t: float | None = None
    last_gaze: tuple[float, float, float | None, float | None] | None = None


class KioskVisionTracker:
    """Turns one kiosk's observations into session events."""

    def __init__(self, options: VisionOptions | None = None, left_after_s: float = 8.0) -> None:
        self.options = options or VisionOptions()
        self.left_after_s = left_after_s
        self._face_streak = 0
        self._visit: _Visit | None = None

    @property
    def present(self) -> bool:
        """A visit is in progress (arrived, not yet left)."""
        return self._visit is not None

    def update(self, obs: FrameObservation, t: float, context: VisionContext | None = None) -> list[VisionEvent]:
        """Feed one observation taken at time `t` (seconds); returns the events it causes, in order."""
        context = context or VisionContext()
        customer = obs.customer
        if customer is None:
            self._face_streak = 0
            return self.tick(t)
        self._face_streak += 1
        events: list[VisionEvent] = []
        visit = self._visit
        if visit is None:
            if self._face_streak < self.options.arrive_frames:
                return events
            visit = self._visit = _Visit(started=t, last_face=t)
            events.append(VisionEvent("customer_arrived", t, {"faces": len(obs.faces), "box": customer.box.to_dict()}))
        visit.last_face = t
        events.extend(self._person_change(visit, obs, t))
        events.extend(self._close_behind(visit, obs, t, context))
        events.extend(self._phone_at_ear(visit, obs, t, context))
        events.extend(self._gaze(visit, obs, t))
        return events

    def tick(self, t: float) -> list[VisionEvent]:
        """Check the leave timeout without a frame (call it when the camera stops sending)."""
        visit = self._visit
        if visit is None or t - visit.last_face < self.left_after_s:
            return []
        self._visit = None
        self._face_streak = 0
        return [VisionEvent("customer_left", t, {"visit_s": round(visit.last_face - visit.started, 2)})]

    def _person_change(self, visit: _Visit, obs: FrameObservation, t: float) -> list[VisionEvent]:
        """Compare with the visit's reference look: the mean of its first frames, then drifting slowly
        with frames that clearly match (so gradual lighting changes do not read as a new person)."""
        if obs.signature is None:
            return []
        if visit.reference is None:
            visit.first_looks.append(obs.signature)
            if len(visit.first_looks) >= self.options.signature_frames:
                visit.reference = np.mean(visit.first_looks, axis=0)
                visit.first_looks = []
            return []
        distance = signature_distance(visit.reference, obs.signature)
        threshold = self.options.person_change_distance
        if distance < threshold:
            visit.differing_frames = 0
            if distance < threshold / 2:
                visit.reference = (1 - REFERENCE_DRIFT) * visit.reference + REFERENCE_DRIFT * obs.signature
            return []
        visit.differing_frames += 1
        if visit.differing_frames < self.options.person_change_frames:
            return []
        visit.reference = None
        visit.first_looks = [obs.signature]
        visit.differing_frames = 0
        return [VisionEvent("person_changed", t, {"distance": round(distance, 3)})]

    def _close_behind(
        self, visit: _Visit, obs: FrameObservation, t: float, context: VisionContext
    ) -> list[VisionEvent]:
        customer = obs.customer
        assert customer is not None
        threshold = customer.size * self.options.behind_min_ratio
        others = [face for i, face in enumerate(obs.faces) if i != obs.primary and face.size >= threshold]
        if not others or not context.sensitive_screen:
            visit.behind_frames = 0
            visit.behind_warned = False
            return []
        visit.behind_frames += 1
        if visit.behind_warned or visit.behind_frames < self.options.behind_frames:
            return []
        visit.behind_warned = True
        data = {"count": len(others), "boxes": [face.box.to_dict() for face in others]}
        return [VisionEvent("extra_face_close_behind", t, data)]

    def _phone_at_ear(
        self, visit: _Visit, obs: FrameObservation, t: float, context: VisionContext
    ) -> list[VisionEvent]:
        if obs.hand_at_ear is None and context.transfer_in_progress:
            return []  # not checked on this frame: the episode neither grows nor ends
        if not (context.transfer_in_progress and obs.hand_at_ear):
            visit.ear_frames = 0
            visit.ear_warned = False
            return []
        visit.ear_frames += 1
        if visit.ear_warned or visit.ear_frames < self.options.phone_frames:
            return []
        visit.ear_warned = True
        return [VisionEvent("phone_at_ear", t, {"frames": visit.ear_frames})]

    def _gaze(self, visit: _Visit, obs: FrameObservation, t: float) -> list[VisionEvent]:
        customer = obs.customer
        assert customer is not None
        yaw = None if obs.head is None else obs.head.yaw
        pitch = None if obs.head is None else obs.head.pitch
        now = (customer.box.cx, customer.box.cy, yaw, pitch)
        if visit.last_gaze_t is not None and t - visit.last_gaze_t < self.options.gaze_interval_s:
            return []
        if visit.last_gaze is not None and not self._gaze_moved(visit.last_gaze, now):
            return []
        visit.last_gaze_t, visit.last_gaze = t, now
        data: dict[str, object] = {"x": round(now[0], 3), "y": round(now[1], 3)}
        if obs.head is not None:
            data.update(obs.head.to_dict())
            data["looking"] = abs(obs.head.yaw) <= self.options.looking_max_yaw
        return [VisionEvent("gaze", t, data)]

    def _gaze_moved(
        self,
        before: tuple[float, float, float | None, float | None],
        now: tuple[float, float, float | None, float | None],
    ) -> bool:
        if max(abs(now[0] - before[0]), abs(now[1] - before[1])) >= self.options.gaze_min_change:
            return True
        for old, new in ((before[2], now[2]), (before[3], now[3])):
            if (old is None) != (new is None):
                return True
            if old is not None and new is not None and abs(new - old) >= GAZE_MIN_ANGLE_CHANGE:
                return True
        return False


def describe_image(obs: FrameObservation, t: float = 0.0) -> list[VisionEvent]:
    """Events a single still image supports (for `lobby vision IMAGE`): presence, several faces, phone."""
    customer = obs.customer
    if customer is None:
        return []
    data: dict[str, object] = {"box": customer.box.to_dict()}
    if obs.head is not None:
        data.update(obs.head.to_dict())
    events = [VisionEvent("customer_present", t, data)]
    if len(obs.faces) > 1:
        events.append(VisionEvent("multiple_faces", t, {"count": len(obs.faces)}))
    if obs.hand_at_ear:
        events.append(VisionEvent("phone_at_ear", t, {}))
    return events
