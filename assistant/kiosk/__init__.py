"""The kiosk's server side: one WebSocket per kiosk carrying text, touch, device events, microphone
audio, camera frames and playback reports in, and captions, replies, speech with lip-sync cues,
barge-in and vision events out (docs/kiosk-protocol.md).

- `services`: what connections share (recognizer, TTS chain, camera analyser), built once per process
- `connection`: one kiosk's session bridge; `protocol`: message validation
- `listener` (mic -> streaming ASR), `echo` (barge-in vs the avatar's own voice), `voice` (replies ->
  speech messages), `vision_link` (frames -> events)
"""

from assistant.kiosk.services import KioskServices, build_kiosk_services, open_kiosk_services

__all__ = ["KioskServices", "build_kiosk_services", "open_kiosk_services"]
