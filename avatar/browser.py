"""The kiosk page in headless Chromium, as the browser tests and `lobby bench avatar` drive it.

Why one module: the tests and the benchmark must launch the same browser the same way (a flag added for
one and not the other would make their figures disagree), and they script the same server message.
Here: where Debian's Chromium is, the flags it is launched with, and a scripted `speech` message of the
shape the server sends (assistant/kiosk/voice.py) built from given audio and viseme cues.
"""

from __future__ import annotations

import base64
import io
import os
from typing import Any

DEBIAN_CHROMIUM = "/usr/bin/chromium"
# The executable: LOBBY_CHROMIUM, else the Debian package's.
CHROMIUM = os.environ.get("LOBBY_CHROMIUM", DEBIAN_CHROMIUM)
# Headless on this machine (no sandbox, no GPU). Without the background-networking flags Chromium keeps
# dialling Google on this closed network.
HEADLESS_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium's own test-pattern camera and beeping microphone, permission granted without a prompt.
FAKE_MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# The reply's audio may play before anyone touched the page (as on the kiosk).
AUTOPLAY = "--autoplay-policy=no-user-gesture-required"


def speech_message(
    reply_id: str, seq: int, audio: Any, rate: int, duration_ms: int, visemes: list[dict[str, Any]], text: str
) -> dict[str, Any]:
    """A `speech` message: `audio` (float samples at `rate`) as a 16-bit wav in base64, with its cues."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format="WAV", subtype="PCM_16")
    return {
        "type": "speech",
        "reply_id": reply_id,
        "seq": seq,
        "mime": "audio/wav",
        "audio": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "duration_ms": duration_ms,
        "visemes": visemes,
        "text": text,
    }
