"""The kiosk end to end in real Chromium against a real `lobby serve` (offline ASR, TTS and vision).

Fake media devices carry real input: the camera is a y4m video where the Grace Hopper portrait appears
after two seconds of empty background; the microphone is a wav composed at test time from the ASR test
clips. Its first utterance is the request; then a second utterance repeats every few seconds with the
microphone open (hands-free), so whenever the avatar speaks, a repetition arrives during playback and
must stop it (barge-in) and be heard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from avatar.browser import AUTOPLAY, FAKE_MEDIA_ARGS
from tests.e2e.kiosk_media import console_errors, portrait_video, utterances_wav

# The first test also pays for the server start (models, knowledge base) on a busy machine.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def kiosk(browser: Any, live_server: Any, **context: Any) -> tuple[Any, list[str]]:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, **context).new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/kiosk")
    page.wait_for_function("() => window.lobbyState && window.lobbyState.sessionId", timeout=30_000)
    return page, errors


def state(page: Any, key: str) -> Any:
    return page.evaluate(f"() => window.lobbyState.{key}")


def metric(page: Any, path: str) -> Any:
    return page.evaluate(f"() => window.lobbyMetrics.{path}")


def test_face_greets_voice_is_answered_with_lip_sync_and_barge_in_stops_it(
    launch_browser: Any, live_server: Any, screenshot: Any, tmp_path: Path
) -> None:
    video = portrait_video(tmp_path / "customer.y4m", empty_s=2.0, face_s=120.0)
    repeats: list[str | float] = []
    for _ in range(12):
        repeats += ["zh_balance.wav", 2.0]
    wav = utterances_wav(tmp_path / "customer.wav", [0.8, "zh_transfer.wav", 3.0, *repeats])
    media = [f"--use-file-for-fake-video-capture={video}", f"--use-file-for-fake-audio-capture={wav}%noloop"]
    page, errors = kiosk(launch_browser([*FAKE_MEDIA_ARGS, AUTOPLAY, *media]), live_server)
    assert page.locator("#avatar svg").count() == 1

    # The customer steps in front of the camera: the server sees a face and the avatar greets once.
    page.wait_for_function("() => window.lobbyState.vision.includes('arrived')", timeout=30_000)
    page.wait_for_function("() => document.getElementById('sub-assistant').textContent.length > 0")
    screenshot(page, "greeted")
    page.click("#consent-accept")

    # Hands-free microphone: the request is transcribed, answered on screen, then spoken with lip-sync.
    page.click("#mic")
    page.wait_for_function("() => window.lobbyState.finals.length >= 1", timeout=90_000)
    # Word accuracy is the recogniser's own tests' job (same clips); here: the words arrive as a final.
    assert state(page, "finals")[0].strip()
    # Offline TTS on a busy 2-core machine can take a while for its first sentence.
    page.wait_for_function("() => window.lobbyMetrics.playback.started >= 1", timeout=150_000)
    # The greeting's own speech can start playback before the answer arrives on a loaded machine: wait
    # for the answer's cards (e.g. its citations) rather than reading them at that instant.
    page.wait_for_function("() => document.querySelectorAll('#cards .card').length >= 1", timeout=60_000)
    assert page.locator("#cards .card").count() >= 1
    assert "reply" in state(page, "received") and "speech" in state(page, "received")
    screenshot(page, "speaking")

    # The customer talks over the avatar (the next repetition in the wav): playback stops, the words are heard.
    page.wait_for_function(
        "() => window.lobbyMetrics.bargeIn.local + window.lobbyMetrics.bargeIn.server >= 1", timeout=60_000
    )
    assert metric(page, "playback")["stopped"] >= 1
    assert page.evaluate("() => window.lobbyKiosk.player.playing") is False or metric(page, "playback")["started"] > 1
    lipsync = metric(page, "lipsync")
    assert lipsync["samples"] > 0 and lipsync["mean_ms"] <= 80, lipsync
    page.wait_for_function("() => window.lobbyState.finals.length >= 2", timeout=90_000)
    assert state(page, "finals")[1].strip()
    screenshot(page, "barged-in")
    assert [e for e in errors if "WebSocket" not in e] == []


def test_typing_without_devices_and_resume_after_a_dropped_socket(
    launch_browser: Any, live_server: Any, screenshot: Any
) -> None:
    page, errors = kiosk(launch_browser([AUTOPLAY]), live_server, permissions=[])
    session = state(page, "sessionId")
    page.click("#consent-decline")
    page.fill("#text", "我要转账")
    page.press("#text", "Enter")
    page.wait_for_function(
        "() => document.getElementById('sub-assistant').textContent.includes('身份证')", timeout=60_000
    )
    assert page.locator("#journey").is_visible()
    screenshot(page, "typed-no-devices")
    assert state(page, "micAvailable") is None and state(page, "cameraAvailable") is False

    page.evaluate("() => window.lobbyKiosk.socket.ws.close()")  # the network drops the socket
    page.wait_for_function("() => window.lobbyState.resumed >= 1", timeout=30_000)
    assert state(page, "sessionId") == session
    page.click("#devices-toggle")
    page.select_option("#device-customer", "zhang_wei")
    page.click("#device-id")  # the journey goes on in the same session after the reconnect
    page.wait_for_function(
        "() => document.getElementById('sub-assistant').textContent.includes('转出账户')"
        " || document.querySelectorAll('#cards .card').length > 0",
        timeout=60_000,
    )
    screenshot(page, "resumed-identified")
    assert state(page, "sessionId") == session
    assert [e for e in errors if "WebSocket" not in e] == []
