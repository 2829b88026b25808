"""Issue 21, the customer's phone in Chromium's mobile emulation (375x812, touch), against a real `lobby serve`:
sign in with the code from the bank's SMS outbox, book a slot, prepare a transfer at home, scan its QR code at
the kiosk (the QR event through the kiosk's WebSocket, as the kiosk page sends it), confirm there, and see
the receipt arrive on the phone without reloading. Screenshots: test-artifacts/e2e/test_<name>-<step>.png.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.e2e.conftest import LiveServer
from tests.e2e.staff_helpers import sign_in, top_up
from tests.integration.mobile_helpers import LI_XIUYING, ZHANG_WEI, camera_still

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
)


def http(server: LiveServer, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.url}{path}", data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read() or b"null")


def kiosk_token(server: LiveServer) -> str:
    with urllib.request.urlopen(f"{server.url}/kiosk", timeout=30) as response:  # noqa: S310 (loopback)
        page = response.read().decode()
    found = re.search(r'<meta name="lobby-device-token" content="([^"]+)"', page)
    assert found, "the demo kiosk page carries its device token outside production"
    return found.group(1)


def texted_code(server: LiveServer, phone: str) -> str:
    messages = http(server, "GET", f"/api/v1/mobile/demo/sms?phone={phone}")
    found = re.search(r"验证码为(\d{6})", messages[0]["text"])
    assert found, messages
    return found.group(1)


class KioskSocket:
    """The kiosk's side over its WebSocket (docs/kiosk-protocol.md), with the demo kiosk's device token: the
    same `event` messages the kiosk page sends when its QR reader, camera or PIN pad reports."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.socket.send(json.dumps({"type": "hello", "language": "zh"}))
        assert self.next("session")["session_id"]

    @staticmethod
    def url(server: LiveServer) -> str:
        return server.url.replace("http://", "ws://") + f"/api/v1/kiosk/ws?token={kiosk_token(server)}"

    def next(self, kind: str) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(self.socket.recv(timeout=60))
            if message.get("type") == "error":
                raise AssertionError(message)
            if message.get("type") == kind:
                return message

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        self.socket.send(json.dumps(message))
        turn: dict[str, Any] = self.next("reply")["turn"]
        return turn

    def event(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.send({"type": "event", "event": {"type": kind, "data": data}})

    def say(self, text: str) -> dict[str, Any]:
        return self.send({"type": "text", "text": text})

    def verify(self, turn: dict[str, Any], pin: str) -> dict[str, Any]:
        for _ in range(4):
            cards = {c["type"] for c in turn["reply"]["cards"]}
            if "face_capture" in cards:
                turn = self.event("face_captured", {"image": camera_still()})
            elif "pin_pad" in cards:
                turn = self.event("pin_entered", {"pin": pin})
            else:
                break
        return turn


@pytest.fixture
def phone(launch_browser: Any) -> Any:
    browser = launch_browser()
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=MOBILE_UA, locale="zh-CN"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # a refused form is an expected 422 answer; anything else the console reports as an error is a fault
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "status of 422" not in msg.text else None,
    )
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_book_prepare_at_home_finish_at_the_kiosk_and_see_the_receipt(
    live_server: LiveServer, phone: Any, screenshot: Any
) -> None:
    # the live server is shared: an earlier test may have topped his account up past the 40,000 refused below
    top_up(live_server, ZHANG_WEI["account"], 20_000)
    page = phone
    page.goto(f"{live_server.url}/m")
    page.wait_for_selector("#view-signin:not([hidden])")
    assert page.locator("h1:visible").inner_text() == "手机号登录"
    screenshot(page, "1-sign-in")

    # sign in with the code the bank texted
    page.fill("#phone", ZHANG_WEI["phone"])
    page.tap("#send-code")
    page.wait_for_selector("#signin-note:not([hidden])")
    page.fill("#code", texted_code(live_server, ZHANG_WEI["phone"]))
    screenshot(page, "2-code-entered")
    page.tap("#sign-in")
    page.wait_for_selector("#view-home:not([hidden])")
    assert page.locator("#hello").inner_text() == "张*，您好"  # the name masked on screen
    for box in page.locator("button:visible").all():  # large touch targets
        assert box.bounding_box()["height"] >= 44, box.inner_text()

    # book tomorrow 10:30 for a transfer, with the documents to bring (cited)
    page.tap("#go-book")
    page.get_by_role("button", name="转账汇款").tap()
    page.wait_for_selector("#slots .slot")
    page.locator("#days .choice").nth(1).tap()  # tomorrow
    page.locator('#slots .slot[data-time="10:30"]').tap()
    assert "身份证" in page.locator("#documents").inner_text()
    assert "来源：" in page.locator("#documents").inner_text()
    screenshot(page, "3-book-slot")
    page.tap("#book-submit")
    page.wait_for_selector("#home-message:not([hidden])")
    assert "预约成功" in page.locator("#home-message").inner_text()
    booking = page.locator("#bookings article").first
    assert "10:30" in booking.inner_text() and "待到店" in booking.inner_text()
    screenshot(page, "4-booked")

    # prepare a transfer at home: the journey's own form, checked as the kiosk checks it
    page.tap("#go-prepare")
    page.get_by_role("button", name="转账汇款").tap()
    page.wait_for_selector("#prepare-form:not([hidden])")
    page.locator('label.option:has(input[name="from_account"])').first.tap()
    page.fill("#f-payee_name", "刘洋")
    page.fill("#f-payee_account", "6222020200112233445")
    page.fill('input[name="payee_bank__other"]', "工商银行")
    page.fill("#f-amount", "40000")
    page.locator('label.option:has(input[name="delayed"][value="false"])').tap()
    page.locator("#prepare-form button[type=submit]").tap()
    page.wait_for_selector(".field.invalid")
    assert "余额" in page.locator('[data-field="amount"] .error').inner_text()  # the kiosk's funds check
    screenshot(page, "5-form-refused")
    page.fill("#f-amount", "3000")
    page.locator("#prepare-form button[type=submit]").tap()
    page.wait_for_selector("#view-code:not([hidden])")
    token = page.locator(".token b").inner_text()
    assert token.startswith("PF")
    assert "刘*" in page.locator("#code-card").inner_text()  # the payee's name masked on screen
    screenshot(page, "6-qr-code")

    # at the branch: the kiosk scans the code and has the form; the customer only confirms and is verified
    with connect(KioskSocket.url(live_server), open_timeout=30, max_size=2**24) as socket:
        kiosk = KioskSocket(socket)
        turn = kiosk.event("qr_scanned", {"qr_token": token})
        assert turn["journey"]["step"] == "confirm", turn["reply"]["text"]
        assert "3,000.00" in turn["reply"]["text"]
        page.locator("[data-back]:visible").tap()
        page.wait_for_selector("#forms .form-loaded")  # pushed live: no reload
        screenshot(page, "7-opened-at-branch")
        done = kiosk.verify(kiosk.say("确认"), ZHANG_WEI["pin"])
        assert done["journey"]["status"] == "completed", done["reply"]["text"]

    # the receipt arrives on the open page
    page.wait_for_selector("#forms .form-completed .receipt", timeout=15000)
    receipt = page.locator("#forms .form-completed .receipt").inner_text()
    assert "交易成功" in receipt and "3,000.00" in receipt and "刘*" in receipt
    assert "办理完成" in page.locator("#home-message").inner_text()
    screenshot(page, "8-receipt")
    page.tap("#lang")
    assert "Receipt" in page.locator("#forms .form-completed .receipt").inner_text()
    assert "completed at the branch" in page.locator("#home-message").inner_text()
    screenshot(page, "9-receipt-english")

    # cancel the booking from the phone: the slot is given back
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#bookings article").first.get_by_role("button", name="Cancel").tap()
    page.wait_for_selector("#bookings .booking-cancelled")
    assert "Booking cancelled" in page.locator("#home-message").inner_text()
    screenshot(page, "10-booking-cancelled")
    assert not page.errors, page.errors  # type: ignore[attr-defined]


def test_a_teller_opens_a_form_prepared_on_the_phone_by_its_code(
    live_server: LiveServer, browser: Any, screenshot: Any
) -> None:
    phone_number = LI_XIUYING["phone"]
    http(live_server, "POST", "/api/v1/mobile/code", {"phone": phone_number})
    code = texted_code(live_server, phone_number)
    signed = http(live_server, "POST", "/api/v1/mobile/sign-in", {"phone": phone_number, "code": code})
    values = {"kind": "withdrawal", "account": LI_XIUYING["account"], "amount": "6000"}
    form = http(live_server, "POST", "/api/v1/mobile/forms/scan_counter", {"values": values}, signed["token"])
    page = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    sign_in(page, f"{live_server.url}/teller", "teller1")
    page.fill("#prepared-token", form["token"].lower())  # a scanner or a typed code, either case
    page.locator("#prepared-scan button[type=submit]").click()
    page.wait_for_selector("#prepared dd")
    shown = page.locator("#prepared").inner_text()
    assert "李*" in shown and "取款" in shown and "6,000.00元" in shown and "账户（尾号2002）" in shown
    assert "李秀英" not in shown
    screenshot(page, "teller-prepared-form")
