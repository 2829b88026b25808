"""Issue 16, the kiosk page as a customer in a bank lobby meets it, in real Chromium at the three kiosk sizes
(1080x1920 portrait, 1920x1080 and 1280x800 landscape), against the scripted socket of kiosk_media.FakeKiosk.

Screenshots of every main state go to test-artifacts/e2e/<test>[<size>]-<state>.png (the e2e convention).
"""

# ruff: noqa: F811  (page_url: the module fixture imported from test_kiosk_page, used as a parameter)
from __future__ import annotations

import re
from typing import Any

import pytest

from avatar.browser import AUTOPLAY
from tests.e2e.kiosk_media import FakeKiosk, console_errors, turn
from tests.e2e.test_kiosk_page import page_url  # noqa: F401 (the page served alone, a module fixture)

pytestmark = pytest.mark.e2e

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080), "small": (1280, 800)}

RATE_TEXT = "三年期定期存款年利率为1.35%（2026年6月1日起执行），详情请咨询95566。"
AMOUNT_CONFIRM = {
    "type": "confirmation",
    "title": "请核对转账信息",
    "data": {
        "fields": [
            {"label": {"zh": "收款人", "en": "Payee"}, "value": "李秀英"},
            {"label": {"zh": "金额", "en": "Amount"}, "value": "80000.00"},
        ],
        "disclosures": ["转账成功后无法撤回。"],
    },
}
CITATION = {
    "doc_id": "deposit-rates",
    "title": "存款利率表",
    "snippet": "三年期 1.35%（2026年6月1日起）",
    "section": "定期",
}
TRANSFER_CONFIRM = {"name": "transfer", "step": "confirm", "status": "active"}

# WCAG contrast of every visible text against the background it sits on (4.5:1, 3:1 for large text).
CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length || el.closest('[hidden], svg, canvas, #devices') || el.disabled) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const fg = lum(rgb(style.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = el.textContent.trim().slice(0, 20);
    if (ratio < need) bad.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""

IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth && r.height > 0; }"""


def open_kiosk(browser: Any, url: str, fake: FakeKiosk, size: str, **context: Any) -> tuple[Any, list[str]]:
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}, **context).new_page()
    errors = console_errors(page)
    fake.attach(page)
    page.goto(url)
    fake.wait_for(lambda: fake.of_type("hello"))
    page.wait_for_selector("#consent:not([hidden])")
    return page, errors


def push_greeting(fake: FakeKiosk, session_id: str = "S-1", language: str = "zh") -> None:
    text = "您好，欢迎光临示范银行！请问有什么可以帮您？" if language == "zh" else "Hello, welcome! How can I help?"
    quick = ["查询余额", "挂失银行卡", "转账汇款"] if language == "zh" else ["Check my balance", "Make a transfer"]
    greeting = {"text": text, "language": language, "citations": [], "cards": [], "suggestions": quick}
    fake.push({"type": "session", "session_id": session_id, "resumed": False, "greeting": greeting})


def rate_reply(msg: dict[str, Any]) -> list[dict[str, Any]]:
    if msg.get("type") == "touch" or msg.get("text") != "我要转账":
        return [{"type": "reply", "reply_id": "R9", "turn": turn(RATE_TEXT, citations=[CITATION])}]
    t = turn(
        "请核对转账信息，确认请说确认。",
        cards=[AMOUNT_CONFIRM],
        journey=TRANSFER_CONFIRM,
        suggestions=["确认", "返回上一步", "取消"],
    )
    return [{"type": "reply", "reply_id": "R1", "turn": t}, {"type": "speech_unavailable", "reply_id": "R1"}]


def history_text(page: Any) -> str:
    return str(page.locator("#history").inner_text())


@pytest.mark.parametrize("size", list(SIZES))
def test_conversation_panel_layout_and_card_in_view(
    launch_browser: Any,
    page_url: str,
    screenshot: Any,
    size: str,
) -> None:
    """Replies stay as written text beside the spoken subtitle; the card to act on is in view; amounts are
    formatted; citations open their passage; the consent answer keeps the greeting and quick actions."""
    fake = FakeKiosk(on_text=rate_reply)
    page, errors = open_kiosk(launch_browser([AUTOPLAY]), page_url, fake, size)
    push_greeting(fake)
    page.wait_for_selector(".suggestion >> text=查询余额")
    assert "欢迎光临" in history_text(page)
    screenshot(page, "greeting-consent")
    page.click("#consent-accept")
    fake.push({"type": "reply", "reply_id": "R0", "turn": turn("好的。")})  # the consent's short answer
    page.wait_for_function("() => document.getElementById('history').children.length === 2")
    assert page.locator(".suggestion").count() == 3  # the quick actions stay
    assert "欢迎光临" in history_text(page)

    page.fill("#text", "利率是多少")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-citations")
    assert RATE_TEXT in history_text(page)  # the whole reply, as written (digits, %, the hotline)
    assert "利率是多少" in history_text(page)
    page.click(".cite")
    page.wait_for_selector("#citation:not([hidden])")
    assert "1.35%" in page.locator("#citation-text").inner_text()
    screenshot(page, "citation")
    page.click("#citation-close")

    page.fill("#text", "我要转账")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-confirmation")
    page.wait_for_timeout(300)
    # The speech engine failed: the written reply is on screen all the same.
    assert "请核对转账信息" in history_text(page)
    assert "80,000.00元" in page.locator(".card-confirmation").inner_text()
    assert page.evaluate(IN_VIEW, ".card-confirmation .big.primary")  # the card to act on is in view
    labels = [b.strip() for b in page.locator(".card-confirmation button").all_inner_texts()]
    assert labels == ["确认", "返回修改", "取消"]
    assert page.locator(".suggestion").count() == 0  # one set of actions per card
    screenshot(page, "confirmation")

    stage = page.locator(".stage").bounding_box()
    panel = page.locator(".panel").bounding_box()
    width, height = SIZES[size]
    if size == "portrait":  # the avatar on top, the conversation below, no half-empty screen
        assert stage["y"] + stage["height"] <= panel["y"] + 1
        assert panel["width"] > 0.9 * width - 60 and panel["height"] > 0.45 * height
    else:
        assert stage["x"] + stage["width"] <= panel["x"] + 1
    assert page.evaluate(CONTRAST) == []
    assert errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_elderly_scales_everything_and_high_contrast_recolours(
    launch_browser: Any,
    page_url: str,
    screenshot: Any,
    size: str,
) -> None:
    fake = FakeKiosk(on_text=rate_reply)
    page, errors = open_kiosk(launch_browser([AUTOPLAY]), page_url, fake, size)
    page.fill("#text", "我要转账")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-confirmation")
    page.evaluate("() => document.getElementById('sub-customer').textContent = '我要转账'")
    parts = {
        "subtitle": "#sub-customer",
        "history": "#history .turn",
        "button": ".card-confirmation .big.primary",
        "consent": "#consent .check",
        "progress": ".journey-steps .step",
        "input": "#text",
        "send": "#send",
    }
    size_of = "(sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize)"
    before = {k: page.evaluate(size_of, sel) for k, sel in parts.items()}
    page.click("#elderly-toggle")
    after = {k: page.evaluate(size_of, sel) for k, sel in parts.items()}
    for key in parts:
        assert after[key] >= 1.25 * before[key], (key, before[key], after[key])
    assert page.evaluate(IN_VIEW, ".card-confirmation .big.primary")
    screenshot(page, "elderly")
    page.click("#contrast-toggle")
    page.wait_for_timeout(300)
    assert page.evaluate(CONTRAST) == []  # WCAG AA for every text, no yellow on white
    screenshot(page, "elderly-high-contrast")
    page.click("#elderly-toggle")
    assert page.evaluate(CONTRAST) == []
    screenshot(page, "high-contrast")
    assert errors == []


CARD_LOSS_REPLACE = {"name": "card_loss", "step": "replacement", "status": "active"}
TRANSFER_DETAILS = {"name": "transfer", "step": "details", "status": "active"}


@pytest.mark.parametrize("size", list(SIZES))
def test_touch_first_yes_no_keypad_and_no_back_after_irreversible_step(
    launch_browser: Any,
    page_url: str,
    screenshot: Any,
    size: str,
) -> None:
    replies = {
        "挂失": turn(
            "已为您正式挂失，该卡已停止使用。是否现在补办新卡？",
            cards=[{"type": "form", "title": "补办新卡", "data": {"fields": {"card": "C2001"}, "asking": "replace"}}],
            journey=CARD_LOSS_REPLACE,
            suggestions=["返回上一步", "取消"],
        ),
        "转账": turn(
            "请问转账金额是多少？",
            cards=[{"type": "form", "title": "转账信息", "data": {"fields": {}, "asking": "amount"}}],
            journey=TRANSFER_DETAILS,
            suggestions=["返回上一步", "取消"],
        ),
        "延时": turn("是否选择延时到账（24小时后到账，便于发现被骗时及时止付）？", suggestions=["是", "否"]),
    }

    def answer(msg: dict[str, Any]) -> list[dict[str, Any]]:
        key = next((k for k in replies if k in str(msg.get("text", ""))), None)
        return [{"type": "reply", "reply_id": "R", "turn": replies[key]}] if key else []

    fake = FakeKiosk(on_text=answer)
    page, errors = open_kiosk(launch_browser([AUTOPLAY]), page_url, fake, size)
    page.click("#consent-decline")
    page.fill("#text", "挂失")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-form .yesno")
    text = page.locator("#cards").inner_text()
    assert "C2001" not in text and "已选择" in text  # no internal card id
    buttons = page.locator("#cards button, #suggestions button").all_inner_texts()
    assert "返回修改" not in buttons and "返回上一步" not in buttons  # the loss report cannot be undone
    assert buttons.count("取消") == 1
    screenshot(page, "yes-no-after-irreversible")
    page.click(".yesno .yes")
    touch = fake.wait_for(lambda: fake.of_type("touch"))[-1]
    assert touch["value"] == "yes" and touch["text"] == "是"

    page.fill("#text", "延时")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-yesno")
    assert page.locator(".suggestion").count() == 0  # 是/否 are not offered twice
    page.click(".card-yesno .no")
    assert fake.wait_for(lambda: len(fake.of_type("touch")) == 2) and fake.of_type("touch")[-1]["value"] == "no"

    page.fill("#text", "转账")
    page.press("#text", "Enter")
    page.wait_for_selector(".keypad")
    for key in ["8", "0", "0", "0", "0"]:
        page.click(f".keypad .key >> text='{key}'")
    assert page.input_value(".ask-input") == "80000"
    page.click(".keypad .key >> text='⌫'")
    page.click(".keypad .key >> text='5'")
    assert page.evaluate(IN_VIEW, ".keypad")
    screenshot(page, "keypad")
    page.click(".card-form .ask .big.primary")
    assert fake.wait_for(lambda: fake.of_type("text"))[-1]["text"] == "80005"
    buttons = page.locator("#cards button, #suggestions button").all_inner_texts()
    assert buttons.count("返回修改") + buttons.count("返回上一步") == 1  # back is possible here, offered once
    assert errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_visit_lifecycle_idle_attract_and_nothing_survives(
    launch_browser: Any,
    page_url: str,
    screenshot: Any,
    size: str,
) -> None:
    fake = FakeKiosk(on_text=rate_reply)
    page, errors = open_kiosk(launch_browser([AUTOPLAY]), page_url, fake, size)
    push_greeting(fake)
    page.click("#consent-recording")
    page.click("#consent-accept")
    page.click("#lang-toggle")
    page.click("#lang-toggle")
    page.click("#elderly-toggle")
    page.fill("#text", "我要转账")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-confirmation")
    page.fill("#text", "半句没发出去的话")
    # No touch, voice or reply for a while: "还在吗？"; "我还在" carries on.
    page.evaluate("() => window.lobbyKiosk.visit.setTimes(800, 60000)")
    page.wait_for_selector("#idle-prompt:not([hidden])")
    screenshot(page, "still-there")
    page.click("#idle-stay")
    assert page.locator("#idle-prompt").is_hidden() and page.locator(".card-confirmation").is_visible()
    # Asked again and not answered: the visit ends, the server is told, the attract screen shows.
    page.evaluate("() => window.lobbyKiosk.visit.setTimes(500, 1500)")
    page.wait_for_selector("#idle-prompt:not([hidden])")
    page.wait_for_selector("#attract:not([hidden])", timeout=5000)
    fake.wait_for(lambda: fake.ended == ["S-1"])
    first_tip = page.locator("#attract-tip").inner_text()
    assert first_tip and page.locator(".avatar-svg").is_visible()
    frames = page.evaluate("window.lobbyMetrics.avatarFrames")
    page.wait_for_timeout(400)
    assert page.evaluate("window.lobbyMetrics.avatarFrames") > frames  # the avatar idles
    screenshot(page, "attract")
    # Nothing of the previous customer survives.
    state = page.evaluate(
        """() => ({history: document.getElementById('history').children.length,
        cards: document.getElementById('cards').children.length, text: document.getElementById('text').value,
        recording: document.getElementById('consent-recording').checked, lang: document.documentElement.lang,
        elderly: document.documentElement.classList.contains('elderly'),
        session: sessionStorage.getItem('lobby-session'),
        journey: document.getElementById('journey').hidden})"""
    )
    assert state == {
        "history": 0,
        "cards": 0,
        "text": "",
        "recording": False,
        "lang": "zh-CN",
        "elderly": False,
        "session": None,
        "journey": True,
    }
    # The next customer touches the screen: a new session, consent asked again (once), unticked.
    page.click("#attract")
    fake.wait_for(lambda: len(fake.of_type("hello")) == 2)
    assert "session_id" not in fake.of_type("hello")[1]
    page.wait_for_selector("#consent:not([hidden])")
    assert not page.is_checked("#consent-recording")
    page.click("#consent-decline")
    push_greeting(fake, "S-3")  # a fresh session within the same visit: consent is not asked again
    page.wait_for_timeout(200)
    assert page.locator("#consent").is_hidden()
    # The server ends the session (idle sweep, staff): the page follows.
    page.fill("#text", "利率")
    page.press("#text", "Enter")
    page.wait_for_selector(".card-citations")
    fake.push({"type": "session_ended", "reason": "ended"})
    page.wait_for_selector("#attract:not([hidden])")
    assert page.locator("#history").is_hidden() and page.locator("#cards").inner_html() == ""
    # And the end-visit button.
    page.click("#attract")
    fake.wait_for(lambda: len(fake.of_type("hello")) == 3)
    page.wait_for_selector("#consent:not([hidden])")
    page.click("#end-visit")
    page.wait_for_selector("#attract:not([hidden])")
    assert fake.ended[-1] == "S-3"
    assert errors == []


def test_english_visit_is_english_only(launch_browser: Any, page_url: str, screenshot: Any) -> None:
    def answer(msg: dict[str, Any]) -> list[dict[str, Any]]:
        card = {
            "type": "confirmation",
            "title": "Please check the transfer",
            "data": {"fields": [{"label": {"zh": "金额", "en": "Amount"}, "value": "80000.00"}], "disclosures": []},
        }
        t = turn("Please check the details and confirm.", cards=[card], journey=TRANSFER_CONFIRM, language="en")
        return [{"type": "reply", "reply_id": "E1", "turn": t}]

    fake = FakeKiosk(on_text=answer)
    for size in SIZES:
        page, errors = open_kiosk(launch_browser([AUTOPLAY]), page_url, fake, size)
        push_greeting(fake, f"S-{fake.sessions}")
        page.wait_for_selector(".suggestion >> text=查询余额")
        page.click("#lang-toggle")
        assert fake.wait_for(lambda: fake.of_type("settings"))[-1]["language"] == "en"
        # Nothing said yet: the greeting and quick actions switch to English with the page.
        page.wait_for_selector(".suggestion >> text=Check my balance")
        assert "welcome to Demo Bank" in history_text(page)
        screenshot(page, f"english-greeting-{size}")
        page.click("#consent-decline")
        page.fill("#text", "I want to make a transfer")
        page.press("#text", "Enter")
        page.wait_for_selector(".card-confirmation")
        assert "80,000.00 yuan" in page.locator(".card-confirmation").inner_text()
        assert page.locator(".journey-title").inner_text().startswith("Progress · Transfer")
        visible = page.locator(".layout").inner_text() + page.locator(".composer").inner_text()
        assert not re.search(r"[\u4e00-\u9fff]", visible), visible  # one language at a time
        screenshot(page, f"english-confirmation-{size}")
        assert errors == []
