"""The supervisor console in real Chromium against `lobby serve`: sign in, find a session in which the customer
said an ID number, read the transcript with the number masked (first 3 + last 4), unmask it with a reason,
export the session and check the downloaded files are masked, and see the dashboard charts."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from integrations.pii import id_check_digit

pytestmark = pytest.mark.e2e

ID17 = "44030419880315002"
ID_NUMBER = ID17 + id_check_digit(ID17)
MASKED_ID = ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]


def _kiosk_token(base: str) -> str | None:
    """The demo kiosk's device token, as the /kiosk page is served with it outside production."""
    try:
        with urllib.request.urlopen(f"{base}/kiosk", timeout=10) as response:  # noqa: S310 (loopback)
            page = response.read().decode("utf-8")
    except OSError:
        return None
    found = re.search(r'name="lobby-device-token"\s+content="([^"]+)"', page)
    return found.group(1) if found else None


def _post(base: str, path: str, body: dict, token: str | None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base}{path}", json.dumps(body).encode(), headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


@pytest.fixture(scope="module")
def id_session(live_server) -> str:
    """A kiosk visit, made through the real session API, in which the customer says their ID number."""
    token = _kiosk_token(live_server.url)
    sid = _post(live_server.url, "/api/v1/sessions", {"channel": "kiosk", "branch_id": "BJ001"}, token)["session_id"]
    _post(live_server.url, f"/api/v1/sessions/{sid}/turns", {"text": f"我的身份证号码是{ID_NUMBER}，银行卡丢了"}, token)
    _post(live_server.url, f"/api/v1/sessions/{sid}/end", {}, token)
    return sid


def test_supervisor_reviews_a_masked_transcript_and_exports_it(live_server, browser, id_session, screenshot):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)  # a shared, loaded machine: API calls may take seconds
    expect.set_options(timeout=30_000)
    page.goto(f"{live_server.url}/supervisor")
    page.fill("#username", "supervisor1")
    page.fill("#password", "wrong-password")
    page.click("#staff-sign-in button[type=submit]")
    expect(page.locator("#sign-in-error")).not_to_be_empty()
    page.fill("#password", "demo-pass-2026")
    page.click("#staff-sign-in button[type=submit]")
    page.wait_for_selector("#workspace:not([hidden])")

    page.fill("#q", "身份证")
    page.click("#search")
    row = page.locator(f"tr[data-session-id='{id_session}']")
    row.wait_for()
    assert MASKED_ID in row.inner_text()
    assert "PII" in row.inner_text()
    assert ID_NUMBER not in page.content()

    row.click()
    page.wait_for_selector("#detail:not([hidden])")
    said = page.locator("#transcript li.sv-customer", has_text=MASKED_ID).first
    said.wait_for()
    assert ID_NUMBER not in page.content()
    screenshot(page, "masked-transcript")

    # Unmasking asks for a reason first; with one, the raw number appears (and is audited on the server).
    said.locator("button.sv-unmask").click()
    page.click("#unmask-confirm")
    assert "原因" in page.inner_text("#unmask-error") or page.locator("#unmask-reason:invalid").count() == 1
    page.fill("#unmask-reason", "客户投诉复核 complaint review")
    page.click("#unmask-confirm")
    expect(page.locator("#transcript")).to_contain_text(ID_NUMBER)

    for fmt in ("jsonl", "csv"):
        with page.expect_download() as download:
            page.click(f"a[data-export='{fmt}']")
        path = Path(download.value.path())
        exported = path.read_text(encoding="utf-8-sig")
        assert id_session in exported
        assert MASKED_ID in exported, exported[:500]
        assert ID_NUMBER not in exported
        if fmt == "jsonl":
            record = json.loads(exported.splitlines()[0])
            assert record["session_id"] == id_session and record["has_personal_data"] is True

    page.click("#tabs button[data-tab='dashboard']")
    volume = page.locator("#dashboard [data-chart='Volume by hour']")
    expect(volume.locator("canvas")).to_have_count(1)  # drawn by ECharts
    drawn = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector(\"#dashboard [data-chart='Volume by hour']\"))"
        ".getOption().series[0].data"
    )
    assert len(drawn) == 24  # one bar per hour of the day
    assert sum(drawn) >= 1  # this visit is counted in its hour
    assert page.locator("#dashboard .sv-chart-card").count() >= 8
    screenshot(page, "dashboard")
    context.close()
