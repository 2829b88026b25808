"""A WebRTC call between the kiosk page and the expert console, in two real Chromium contexts with fake camera
and microphone, served by two `lobby serve` replicas that share PostgreSQL and Redis (the kiosk on one, the
expert on the other, so every signalling message crosses the event bus). Media must flow both ways
(inbound-rtp bytes > 0 on each side), the bot stays quiet while the expert serves, the expert points at a
field of the kiosk's screen, and hang-up ends the call. The second run gets TURN credentials from
/api/v1/rtc/ice-servers for a real coturn and forces media through it (relay only)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, serving
from tests.e2e.staff_helpers import sign_in
from tests.integration import turn_probe
from tests.integration.replicas import REDIS_URL, new_namespace

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TURN_SECRET = "turn-secret-for-the-call-test"


def two_replicas(
    tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path, database_url: str, extra: dict[str, str]
) -> Iterator[tuple[LiveServer, LiveServer]]:
    env = {
        "LOBBY_DATABASE_URL": database_url,
        "LOBBY_REDIS_URL": REDIS_URL,
        "LOBBY_BUS_NAMESPACE": new_namespace(),
        **extra,
    }
    with ExitStack() as stack:
        first = stack.enter_context(serving(tmp_path_factory.mktemp("replica-a"), built_knowledge, env))
        second = stack.enter_context(serving(tmp_path_factory.mktemp("replica-b"), built_knowledge, env))
        yield first, second


@pytest.fixture
def direct_replicas(
    tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path, postgres_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    yield from two_replicas(tmp_path_factory, built_knowledge, postgres_url, {})


@pytest.fixture
def relayed_replicas(
    tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path, postgres_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    if shutil.which("turnserver") is None:
        pytest.fail("coturn's turnserver is missing: apt-get install coturn (.ci/run installs it)")
    workdir = tmp_path_factory.mktemp("coturn")
    with turn_probe.coturn(TURN_SECRET, workdir, extra_args=["--allow-loopback-peers"]) as (host, port):
        extra = {
            "LOBBY_RTC__TURN_URLS": f"turn:{host}:{port}?transport=udp",
            "LOBBY_RTC__TURN_SECRET": TURN_SECRET,
            "LOBBY_RTC__ICE_TRANSPORT_POLICY": "relay",
        }
        yield from two_replicas(tmp_path_factory, built_knowledge, postgres_url, extra)


def open_kiosk(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport={"width": 1080, "height": 1920}).new_page()
    page.goto(f"{url}/kiosk")
    page.wait_for_selector("#connection[data-state='open'], #consent:not([hidden])", timeout=30000)
    if page.is_visible("#consent-accept"):
        page.click("#consent-accept")
    return page


def accept_the_request(browser: Any, server: LiveServer) -> Any:
    """The expert console signed in on `server`, with the customer's request for a person accepted."""
    expert = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    sign_in(expert, f"{server.url}/expert", "expert1")
    item = "#queue li.handoff:has-text('requested')"
    expert.wait_for_selector(f"{item} .accept", timeout=20000)
    expert.click(f"{item} .accept")
    expert.wait_for_selector("#call:not([hidden])", timeout=15000)
    return expert


def media(page: Any, handle: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(f"() => window.{handle}.media()")
    return result


def wait_for_media(page: Any, handle: str, timeout: float = 40.0) -> dict[str, Any]:
    """Until audio and video bytes have arrived on this side (the first packets take a moment)."""
    deadline = time.monotonic() + timeout
    seen = media(page, handle)
    while not (seen["audio"] > 0 and seen["video"] > 0) and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = media(page, handle)
    return seen


def call_between(
    kiosk_server: LiveServer, expert_server: LiveServer, browser: Any, screenshot: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The whole call; returns what each side received (kiosk, expert)."""
    kiosk = open_kiosk(browser, kiosk_server.url)
    kiosk.fill("#text", "我要转账")
    kiosk.click("#send")
    kiosk.wait_for_selector("#journey:not([hidden])", timeout=30000)
    kiosk.click("#devices-toggle")  # the demo's card reader: Zhang Wei's ID card
    kiosk.select_option("#device-customer", "zhang_wei")
    kiosk.click("#device-id")
    kiosk.click("#devices-toggle")
    kiosk.wait_for_selector("#cards article.card input", timeout=30000)  # the transfer form asks for the payee
    kiosk.fill("#text", "我要找人工客服")
    kiosk.click("#send")
    kiosk.wait_for_function("() => window.lobbyState.received.filter((t) => t === 'reply').length >= 2", timeout=30000)

    expert = accept_the_request(browser, expert_server)
    kiosk.wait_for_selector("#expert-tile:not([hidden])", timeout=15000)
    assert "人工专家已接入" in kiosk.inner_text("#expert-name")

    expert.click("#call-start")
    expert.wait_for_function("() => window.lobbyConsoleCall.state === 'connected'", timeout=40000)
    kiosk.wait_for_function("() => window.lobbyCall.state === 'connected'", timeout=40000)
    at_expert = wait_for_media(expert, "lobbyConsoleCall")
    at_kiosk = wait_for_media(kiosk, "lobbyCall")
    assert at_expert["audio"] > 0 and at_expert["video"] > 0, at_expert
    assert at_kiosk["audio"] > 0 and at_kiosk["video"] > 0, at_kiosk

    # the bot is quiet: what the customer types goes to the expert's live transcript, not to a journey
    replies_before = kiosk.evaluate("() => window.lobbyState.received.filter((t) => t === 'reply').length")
    answers_before = kiosk.locator("#history .turn-assistant").count()
    kiosk.fill("#text", "我不太会填这个表")
    kiosk.click("#send")
    expert.wait_for_selector("#transcript .turn.customer:has-text('我不太会填这个表')", timeout=15000)
    kiosk.wait_for_function(
        f"() => window.lobbyState.received.filter((t) => t === 'reply').length > {replies_before}", timeout=15000
    )
    assert kiosk.locator("#history .turn-assistant").count() == answers_before  # no bot answer on screen

    # screen guidance: the expert sees the kiosk's card as parts and points at one with a written mark
    expert.wait_for_selector("#screen .screen-part", timeout=15000)
    expert.fill("#guide-text", "请在这里填写收款人姓名")
    expert.locator("#screen .screen-part .mark").first.click()
    kiosk.wait_for_selector("#cards .guide-highlight", timeout=15000)
    kiosk.wait_for_selector("#cards .guide-mark:has-text('请在这里填写收款人姓名')", timeout=15000)
    screenshot(kiosk, "kiosk-in-call")
    screenshot(expert, "expert-in-call")

    expert.click("#call-end")
    kiosk.wait_for_function("() => window.lobbyCall.state === 'idle'", timeout=15000)
    assert expert.evaluate("() => window.lobbyConsoleCall.state") == "ended"
    return at_kiosk, at_expert


def test_kiosk_and_expert_on_two_replicas_talk_over_webrtc(
    direct_replicas: tuple[LiveServer, LiveServer], browser: Any, screenshot: Any
) -> None:
    kiosk_server, expert_server = direct_replicas
    call_between(kiosk_server, expert_server, browser, screenshot)


def test_the_call_goes_through_turn_with_credentials_from_the_endpoint(
    relayed_replicas: tuple[LiveServer, LiveServer], browser: Any, screenshot: Any
) -> None:
    kiosk_server, expert_server = relayed_replicas
    at_kiosk, at_expert = call_between(kiosk_server, expert_server, browser, screenshot)
    assert at_kiosk["route"] == "relay" and at_expert["route"] == "relay", (at_kiosk, at_expert)


def test_a_kiosk_without_camera_or_microphone_still_sees_and_hears_the_expert(
    live_server: LiveServer, launch_browser: Any, browser: Any, screenshot: Any
) -> None:
    """No media devices on the kiosk (getUserMedia refused): the call still connects, receive-only, and the
    customer is told to type their replies."""
    bare = launch_browser([])  # headless Chromium without fake devices: no camera, no microphone
    kiosk = open_kiosk(bare, live_server.url)
    kiosk.fill("#text", "我要找人工客服")
    kiosk.click("#send")
    kiosk.wait_for_function("() => window.lobbyState.received.includes('reply')", timeout=30000)
    expert = accept_the_request(browser, live_server)
    expert.click("#call-start")
    kiosk.wait_for_function("() => window.lobbyCall.state === 'connected'", timeout=40000)
    at_kiosk = wait_for_media(kiosk, "lobbyCall")
    assert at_kiosk["audio"] > 0 and at_kiosk["video"] > 0, at_kiosk
    assert kiosk.evaluate("() => window.lobbyCall.mode") == "chat"
    assert "请打字回复" in kiosk.inner_text("#expert-status")
    expert.wait_for_selector("#call-kiosk-mode:has-text('no camera or microphone')", timeout=15000)
    screenshot(kiosk, "kiosk-without-devices")
    expert.click("#finish")
    kiosk.wait_for_selector("#expert-tile", state="hidden", timeout=15000)
    assert kiosk.evaluate("() => window.lobbyCall.state") == "idle"
