"""While a colleague serves a kiosk customer live: the bot is quiet (no reply, no journey), risk still listens,
the colleague sees what the customer says and what the screen shows (masked), and their call signalling and
screen guidance (highlight, mark, a pushed document from customer knowledge) reach the kiosk. Whole app over
ASGI with the shipped knowledge; kiosk and console over their real WebSockets."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth_headers
from tests.integration.kiosk_client import Kiosk

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CARD_NUMBER = "6222021234567890128"


def kiosk_headers(app: TestClient) -> dict[str, str]:
    return auth_headers(app, "kiosk")


def say(app: TestClient, sid: str, text: str, **extra: Any) -> dict[str, Any]:
    response = app.post(f"/api/v1/sessions/{sid}/turns", json={"text": text, **extra}, headers=kiosk_headers(app))
    assert response.status_code == 200, response.text
    return dict(response.json())


def ask_for_a_person(app: TestClient) -> tuple[str, str]:
    response = app.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"}, headers=kiosk_headers(app))
    sid = str(response.json()["session_id"])
    turn = say(app, sid, "我要找人工客服")
    assert turn["handoff"], turn
    return sid, str(turn["handoff"]["id"])


def accept(app: TestClient, hid: str) -> dict[str, str]:
    expert = auth_headers(app, "expert")
    response = app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert)
    assert response.status_code == 200, response.text
    return expert


def test_the_bot_is_quiet_while_an_expert_serves_and_speaks_again_after(app_client: TestClient) -> None:
    sid, hid = ask_for_a_person(app_client)
    before = say(app_client, sid, "我想转账给我儿子")  # queued, not yet taken: the bot still answers
    assert before["intent"] != "to_expert" and before["reply"]["text"]
    expert = accept(app_client, hid)

    quiet = say(app_client, sid, "我想开一张借记卡")
    assert quiet["intent"] == "to_expert"
    assert quiet["reply"]["text"] == "" and not quiet["reply"]["cards"]
    scam = say(app_client, sid, "公安局的人在电话里说我涉嫌洗钱，让我把钱转到安全账户")
    assert scam["reply"]["text"] == ""
    assert any(f.get("action") in ("warn", "hold", "block") for f in scam["risk"]), scam["risk"]

    view = app_client.get(f"/api/v1/sessions/{sid}", headers=kiosk_headers(app_client)).json()
    tail = view["transcript"][-2:]
    assert [t["speaker"] for t in tail] == ["customer", "customer"]  # recorded, never answered by the bot
    assert view["journey"] == before["journey"]  # no journey moved or started while the expert served

    assert app_client.post(f"/api/v1/handoffs/{hid}/finish", headers=expert).status_code == 200
    back = say(app_client, sid, "我想开一张借记卡")
    assert back["intent"] != "to_expert" and back["reply"]["text"]


def test_a_resent_quiet_turn_is_recorded_once(app_client: TestClient) -> None:
    sid, hid = ask_for_a_person(app_client)
    accept(app_client, hid)
    first = say(app_client, sid, "我的卡好像被锁了", turn_id="quiet-1")
    again = say(app_client, sid, "我的卡好像被锁了", turn_id="quiet-1")
    assert first == again
    view = app_client.get(f"/api/v1/sessions/{sid}", headers=kiosk_headers(app_client)).json()
    assert sum(t["text"] == "我的卡好像被锁了" for t in view["transcript"]) == 1


def next_of(ws: Any, kind: str, limit: int = 30) -> dict[str, Any]:
    for _ in range(limit):
        message = dict(ws.receive_json())
        if message.get("type") == kind:
            return message
    raise AssertionError(f"no {kind!r} message in {limit} messages")


def test_console_and_kiosk_sockets_carry_transcript_screen_guidance_and_signalling(app_client: TestClient) -> None:
    token = app_client.app.state.demo_kiosk_token  # type: ignore[attr-defined]
    kiosk = Kiosk(app_client, token)
    try:
        kiosk.send({"type": "hello", "language": "zh"})
        sid = kiosk.wait_for(lambda m: m.get("type") == "session")["session_id"]
        mark = kiosk.mark()
        kiosk.send({"type": "text", "text": "我要找人工客服"})
        handoff = kiosk.wait_for(lambda m: m.get("type") == "reply" and m["turn"].get("handoff"), after=mark)
        expert = accept(app_client, handoff["turn"]["handoff"]["id"])
        taken = kiosk.wait_for(lambda m: m.get("type") == "handoff", after=mark)
        assert taken["status"] == "accepted" and taken["expert"]

        with app_client.websocket_connect("/api/v1/staff/ws", headers=expert) as ws:
            assert ws.receive_json()["type"] == "hello"
            ws.send_json({"type": "watch", "session_id": sid})
            assert next_of(ws, "watching")["session_id"] == sid

            # what the screen shows reaches the console, personal data masked
            part = {"id": "c0-row0", "kind": "row", "label": "收款账号", "value": CARD_NUMBER}
            kiosk.send({"type": "screen", "cards": [{"id": "c0", "type": "form", "title": "转账", "parts": [part]}]})
            screen = next_of(ws, "screen")
            shown = screen["cards"][0]["parts"][0]
            assert shown["id"] == "c0-row0" and CARD_NUMBER not in str(screen) and shown["value"].endswith("0128")

            # what the customer says goes to the console, with the risk it raised, and the bot stays quiet
            mark = kiosk.mark()
            kiosk.send({"type": "text", "text": "电话里的警官让我把钱转到安全账户"})
            said = next_of(ws, "customer_message")
            assert said["text"] == "电话里的警官让我把钱转到安全账户" and said["risk"]
            reply = kiosk.wait_for(lambda m: m.get("type") == "reply", after=mark)
            assert reply["turn"]["intent"] == "to_expert" and reply["turn"]["reply"]["text"] == ""
            assert not kiosk.of_type("speech", after=mark)

            # screen guidance: point at the field, a bad action is refused, a document from customer knowledge
            mark = kiosk.mark()
            ws.send_json({"type": "guide", "session_id": sid, "action": "highlight", "target": "c0-row0"})
            guide = kiosk.wait_for(lambda m: m.get("type") == "guide", after=mark)
            assert guide["action"] == "highlight" and guide["target"] == "c0-row0" and guide["name"]
            ws.send_json({"type": "guide", "session_id": sid, "action": "paint"})
            assert next_of(ws, "error")["code"] == "bad_guide"
            mark = kiosk.mark()
            ws.send_json({"type": "guide", "session_id": sid, "action": "document", "query": "大额转账 需要 什么"})
            sent = next_of(ws, "guide_sent")
            pushed = kiosk.wait_for(lambda m: m.get("type") == "guide" and m["action"] == "document", after=mark)
            assert pushed["title"] and pushed["text"] and pushed["doc_id"] == sent["doc_id"]
            assert "query" not in pushed  # the kiosk gets the approved passage, not the colleague's search

            # call signalling both ways
            mark = kiosk.mark()
            ws.send_json({"type": "rtc", "session_id": sid, "kind": "offer", "call_id": "c1", "sdp": "v=0"})
            offer = kiosk.wait_for(lambda m: m.get("type") == "rtc", after=mark)
            assert offer["kind"] == "offer" and offer["call_id"] == "c1" and offer["from"]
            kiosk.send({"type": "rtc", "kind": "answer", "call_id": "c1", "sdp": "v=0", "mode": "video"})
            answer = next_of(ws, "rtc")
            assert answer["kind"] == "answer" and answer["session_id"] == sid and answer["mode"] == "video"
    finally:
        kiosk.close()


def test_a_colleague_who_does_not_serve_the_visit_cannot_guide_it(app_client: TestClient) -> None:
    sid, _hid = ask_for_a_person(app_client)  # queued, nobody has taken it
    with app_client.websocket_connect("/api/v1/staff/ws", headers=auth_headers(app_client, "expert")) as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_json({"type": "guide", "session_id": sid, "action": "highlight", "target": "c0"})
        assert next_of(ws, "error")["code"] == "forbidden"
