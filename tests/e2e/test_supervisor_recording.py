"""The recording player of the supervisor console in real Chromium against `lobby serve`: a consented
kiosk visit over the real WebSocket leaves a recording; the supervisor opens the visit, sees its
segments with the masked turn texts, plays one, and the transcript follows the audio."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

from tests.e2e.staff_helpers import kiosk_token, sign_in

pytestmark = pytest.mark.e2e


def consented_visit(server, text: str) -> str:  # type: ignore[no-untyped-def]
    """hello, consent to recording, one typed question; waits for its speech to end, then hangs up."""
    url = server.url.replace("http://", "ws://") + f"/api/v1/kiosk/ws?token={kiosk_token(server)}"
    with connect(url, open_timeout=30) as ws:

        def until(match):  # type: ignore[no-untyped-def]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                message = json.loads(ws.recv(timeout=120))
                if match(message):
                    return message
            raise AssertionError("no such message")

        ws.send(json.dumps({"type": "hello", "language": "zh"}))
        sid = until(lambda m: m["type"] == "session")["session_id"]
        ws.send(json.dumps({"type": "event", "event": {"type": "consent", "data": {"recording": True}}}))
        until(lambda m: m["type"] == "reply" and m["turn"]["intent"] == "event:consent")
        ws.send(json.dumps({"type": "text", "text": text}))
        rid = until(lambda m: m["type"] == "reply" and m["turn"]["reply"]["text"])["reply_id"]
        until(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid)
    return str(sid)


def test_supervisor_plays_a_visit_with_the_transcript_following(live_server, browser, screenshot):  # type: ignore[no-untyped-def]
    sid = consented_visit(live_server, "营业时间是几点")
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(60_000)
    expect.set_options(timeout=30_000)
    sign_in(page, f"{live_server.url}/supervisor", "supervisor1")
    segments_url = f"{live_server.url}/api/v1/supervisor/sessions/{sid}/recording/segments"
    deadline = time.monotonic() + 60
    while page.request.get(segments_url).status == 404 and time.monotonic() < deadline:
        time.sleep(0.5)  # stored when the socket's connection winds down on the server
    body = page.request.get(segments_url).json()
    answer = next(s for s in body["segments"] if s["speaker"] == "assistant")

    page.click("#search")
    page.locator(f"tr[data-session-id='{sid}']").click()
    page.wait_for_selector("#recording-box:not([hidden])")
    item = page.locator(f"#recording-segments li[data-seq='{answer['seq']}']")
    expect(item).to_contain_text(answer["text"][:6])
    item.locator("button").click()
    page.wait_for_function("() => document.getElementById('recording-audio').currentTime > 0.3")
    expect(page.locator(f"#transcript li[data-seq='{answer['seq']}']")).to_have_class(re.compile(r"\bsv-playing\b"))
    screenshot(page, "recording-playing")
