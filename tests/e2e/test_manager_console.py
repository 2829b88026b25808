"""The branch manager's console in real Chromium against `lobby serve` (embedded defaults: the sandbox bank's
devices over HTTP): signed in as manager1 it shows the branch; a kiosk's visit starting a journey and a receipt
printer jamming both appear without reloading the page (the staff socket's `branch` channel), the manager takes
a dispenser out of service from the page, and screenshots at 1600x1000 and 1920x1080 are kept; an instruction
sent from the page appears on the teller's console."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer
from tests.e2e.staff_helpers import call, kiosk_token, new_session, say, sign_in

pytestmark = pytest.mark.e2e
KIOSK = "KIOSK-BJ001-01"
PRINTER = "PRN-BJ001-1"
DISPENSER = "DSP-BJ001-1"


def set_device(server: LiveServer, device: str, status: str) -> None:
    """A device fault at the sandbox bank (its own SQLite file), as its device routes then report it."""
    with sqlite3.connect(server.var_dir / "sandbox.db") as db:
        assert db.execute("UPDATE sb_devices SET status = ? WHERE id = ?", (status, device)).rowcount == 1


def test_manager_sees_a_visit_and_a_device_fault_live(live_server, browser, screenshot):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    expect.set_options(timeout=40_000)
    sign_in(page, f"{live_server.url}/manager", "manager1")
    kiosk = page.locator(f'.mg-kiosk[data-kiosk="{KIOSK}"]')
    expect(kiosk).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    expect(page.locator("#queue-chart canvas")).to_have_count(1)  # ECharts drew the queue
    expect(page.locator(f'#devices tr[data-device="{PRINTER}"]')).to_have_attribute("data-level", "ok")

    token = kiosk_token(live_server)
    earlier = new_session(live_server, token)  # a visit still waiting for a colleague: an open handoff
    asked = say(live_server, token, earlier, "我要找人工客服")
    assert asked["handoff"], asked
    handoff_id = asked["handoff"]["id"]
    expect(page.locator(f'#handoffs li[data-handoff="{handoff_id}"]')).to_be_visible()
    sid = new_session(live_server, token)
    turn = say(live_server, token, sid, "我要转账")
    assert turn["journey"], turn
    try:
        expect(kiosk).to_have_attribute("data-state", "serving")
        expect(kiosk).to_contain_text(turn["journey"]["name"])
        screenshot(page, "visit")

        set_device(live_server, PRINTER, "jammed")
        row = page.locator(f'#devices tr[data-device="{PRINTER}"]')
        expect(row).to_have_attribute("data-level", "critical")
        alert = page.locator(f'#alerts li[data-subject="{PRINTER}"]')
        expect(alert).to_contain_text("卡纸")
        expect(alert).to_have_attribute("data-level", "critical")
        screenshot(page, "device-fault")

        page.locator(f'#devices tr[data-device="{DISPENSER}"] button[data-action="service"]').click()
        page.fill("#action-reason", "补充卡片 restocking cards")
        page.click("#action-confirm")
        dispenser = page.locator(f'#devices tr[data-device="{DISPENSER}"]')
        expect(dispenser).to_contain_text("out-of-service")
        expect(dispenser).to_contain_text("restocking cards")

        page.set_viewport_size({"width": 1920, "height": 1080})
        page.wait_for_timeout(300)  # let the charts follow the new width before the picture
        screenshot(page, "wide")
    finally:
        set_device(live_server, PRINTER, "online")
        for visit in (earlier, sid):
            call(live_server, "POST", f"/api/v1/sessions/{visit}/end", token, {})
    expect(kiosk).not_to_have_attribute("data-state", "serving")
    context.close()


def test_an_instruction_from_the_manager_appears_on_the_tellers_console(live_server, browser, screenshot):
    teller_context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    teller = teller_context.new_page()
    teller.set_default_timeout(60_000)
    expect.set_options(timeout=40_000)
    sign_in(teller, f"{live_server.url}/teller", "teller1")
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, f"{live_server.url}/manager", "manager1")
    page.locator('#staff li[data-staff="teller1"] button').click()
    expect(page.locator("#action-to")).to_have_value("teller1")
    page.fill("#action-text", "请到大堂协助 1 号终端的客户")
    page.click("#action-confirm")
    expect(page.locator("#flash")).to_contain_text("teller1")
    notice = teller.locator("#instructions .instruction")
    expect(notice).to_contain_text("请到大堂协助 1 号终端的客户")
    expect(notice).to_contain_text("王磊")  # from the manager, by name
    screenshot(teller, "teller")
    notice.locator("button").click()
    expect(notice).to_have_count(0)
    context.close()
    teller_context.close()
