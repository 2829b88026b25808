"""The expert's handoff API over ASGI with the whole app: queue by skill, context (masked), accept (one
winner, 409 for the other), messages and decisions reaching the kiosk's bus channel, finish, presence,
roles, and the audit records."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS
from tests.integration.journey_driver import answer_verification

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ZHANG_WEI_ID = "110105198103150319"
ZHANG_WEI_PIN = "270519"  # the sandbox cast's PIN of A1001 (integrations/sandbox/cast.yaml)
LI_XIUYING_ACCOUNT = "1101050001002002"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    var_dir = tmp_path_factory.mktemp("handoffs-var")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        var_dir=var_dir,
        models_dir=models_dir,
        knowledge=KnowledgeOptions(auto_ingest=False),
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        state = client.app.state
        for name, role, skills in (
            ("exp_a", "expert", ["general", "loans", "remote_verification"]),
            ("exp_b", "expert", ["general"]),
            ("exp_w", "expert", ["wealth"]),
            ("tel_a", "teller", ["general"]),
            ("sup_a", "supervisor", []),
        ):
            state.users.add(name, role, "not-a-hash", f"显示名 {name}", "BJ001", skills)
        yield client


def staff(app: TestClient, username: str) -> dict[str, str]:
    account = app.app.state.users.get(username)
    token = app.app.state.auth.tokens.issue(account.username, account.role, 600)
    return {"Authorization": f"Bearer {token}"}


def kiosk(app: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.app.state.demo_kiosk_token}"}


def new_session(app: TestClient) -> str:
    response = app.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"}, headers=kiosk(app))
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


def say(app: TestClient, session_id: str, text: str) -> dict:
    response = app.post(f"/api/v1/sessions/{session_id}/turns", json={"text": text}, headers=kiosk(app))
    assert response.status_code == 200, response.text
    return response.json()


def post_event(app: TestClient, session_id: str, kind: str, data: dict) -> dict:
    response = app.post(f"/api/v1/sessions/{session_id}/events", json={"type": kind, "data": data}, headers=kiosk(app))
    assert response.status_code == 200, response.text
    return response.json()


def identify(app: TestClient, session_id: str, id_number: str) -> None:
    response = app.post(
        f"/api/v1/sessions/{session_id}/events",
        json={"type": "id_card_read", "data": {"id_number": id_number}},
        headers=kiosk(app),
    )
    assert response.status_code == 200, response.text


def handoff_for(app: TestClient, skill: str = "general", say_id: bool = True) -> tuple[str, str]:
    """A session where the customer said an ID number and asked for a person -> (session, handoff)."""
    sid = new_session(app)
    if say_id:
        say(app, sid, f"我的身份证号是{ZHANG_WEI_ID}")
    turn = say(app, sid, "我要找人工客服")
    assert turn["handoff"], turn
    hid = turn["handoff"]["id"]
    if skill != "general":
        app.app.state.handoffs.redirect(hid, skill, 0, {})
    return sid, hid


def test_queue_is_filtered_by_skill_and_role(app: TestClient):
    _sid, loans = handoff_for(app, "loans", say_id=False)
    seen_by_a = [h["id"] for h in app.get("/api/v1/handoffs", headers=staff(app, "exp_a")).json()["handoffs"]]
    seen_by_w = [h["id"] for h in app.get("/api/v1/handoffs", headers=staff(app, "exp_w")).json()["handoffs"]]
    assert loans in seen_by_a and loans not in seen_by_w
    only_loans = app.get("/api/v1/handoffs?skill=loans", headers=staff(app, "exp_a")).json()["handoffs"]
    assert {h["skill"] for h in only_loans} == {"loans"}
    assert app.get("/api/v1/handoffs", headers=kiosk(app)).status_code == 403
    assert app.get("/api/v1/handoffs").status_code == 401
    assert app.post(f"/api/v1/handoffs/{loans}/accept", headers=staff(app, "exp_w")).status_code == 403
    assert app.post(f"/api/v1/handoffs/{loans}/accept", headers=staff(app, "sup_a")).status_code == 403


def test_context_masks_the_id_number_the_customer_said(app: TestClient):
    sid, hid = handoff_for(app)
    expert = staff(app, "exp_b")
    preview = app.get(f"/api/v1/handoffs/{hid}", headers=expert).json()  # queued: no customer data yet
    assert preview["preview"] is True and "transcript" not in preview and "transcript" not in preview["summary"]
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
    body = app.get(f"/api/v1/handoffs/{hid}", headers=expert).json()
    assert body["handoff"]["id"] == hid and body["session"]["id"] == sid
    text = " ".join(t["text"] for t in body["transcript"])
    assert "110***********0319" in text  # first 3 + last 4
    assert ZHANG_WEI_ID not in str(body)
    assert body["summary"]["reason"] == "requested"


def test_two_experts_accept_at_once_exactly_one_wins_and_the_other_gets_409(app: TestClient):
    _sid, hid = handoff_for(app, say_id=False)
    headers = [staff(app, "exp_a"), staff(app, "exp_b")]
    barrier = threading.Barrier(2)
    codes: list[int] = [0, 0]

    def accept(i: int) -> None:
        barrier.wait()
        codes[i] = app.post(f"/api/v1/handoffs/{hid}/accept", headers=headers[i]).status_code

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    winner = ["exp_a", "exp_b"][codes.index(200)]
    assert app.app.state.handoffs.get(hid).assigned_to == winner
    records = [r for r in app.app.state.audit.list() if r.action == "handoff_accept" and r.subject == hid]
    assert len(records) == 1 and records[0].actor == winner


def test_messages_reach_the_kiosk_channel_and_the_transcript_then_finish(app: TestClient):
    sid, hid = handoff_for(app, say_id=False)
    expert = staff(app, "exp_b")
    with app.websocket_connect("/api/v1/staff/ws", headers=expert) as ws:
        assert ws.receive_json()["type"] == "hello"
        assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
        while (msg := ws.receive_json())["type"] != "handoff_accepted":
            pass
        assert msg["handoff"]["id"] == hid and msg["handoff"]["assigned_to"] == "exp_b"
    other = app.post(f"/api/v1/handoffs/{hid}/messages", json={"text": "x"}, headers=staff(app, "exp_a"))
    assert other.status_code == 403
    bus = app.app.state.events
    kiosk_line = app.portal.call(bus.subscribe, f"session:{sid}")  # what the kiosk's socket forwards
    sent = app.post(
        f"/api/v1/handoffs/{hid}/messages", json={"text": "您好，我是远程专家", "speak": True}, headers=expert
    )
    assert sent.status_code == 200, sent.text
    pushed = app.portal.call(kiosk_line.get, 2)
    assert pushed == {"type": "expert_message", "text": "您好，我是远程专家", "from": "显示名 exp_b", "speak": True}
    view = app.get(f"/api/v1/sessions/{sid}", headers=kiosk(app)).json()
    assert view["transcript"][-1]["speaker"] == "expert" and view["transcript"][-1]["text"] == "您好，我是远程专家"
    done = app.post(f"/api/v1/handoffs/{hid}/finish", headers=expert)
    assert done.status_code == 200 and done.json()["status"] == "finished"
    assert app.portal.call(kiosk_line.get, 2) == {"type": "handoff", "status": "finished", "expert": "显示名 exp_b"}
    app.portal.call(bus.unsubscribe, kiosk_line)
    assert app.post(f"/api/v1/handoffs/{hid}/finish", headers=expert).status_code == 409


def test_presence_is_set_and_listed(app: TestClient):
    expert = staff(app, "exp_a")
    assert app.put("/api/v1/handoffs/presence", json={"presence": "online"}, headers=expert).status_code == 200
    assert app.put("/api/v1/handoffs/presence", json={"presence": "asleep"}, headers=expert).status_code == 422
    listed = app.get("/api/v1/handoffs/presence", headers=staff(app, "sup_a")).json()["staff"]
    assert {"username": "exp_a", "presence": "online"}.items() <= next(
        s for s in listed if s["username"] == "exp_a"
    ).items()


def _to_authorisation(app: TestClient) -> tuple[str, str, str]:
    """Zhang Wei (topped up in the sandbox) transfers 60,000 yuan: above 50,000 the bank wants an
    authorisation; the dispatcher opens a handoff for it by itself -> (session, authorisation, handoff)."""
    from integrations.sandbox import tables as t

    with app.app.state.bank.sandbox_app.state.sandbox.session() as s:
        s.get(t.Account, "A1001").balance_fen = 50_000_000
    sid = new_session(app)
    identify(app, sid, ZHANG_WEI_ID)
    for text in ("我要转账", "收款人李秀英", LI_XIUYING_ACCOUNT, "示范银行", "六万元", "不用"):
        turn = say(app, sid, text)
    for _ in range(3):  # the confirmation (and any fraud warning to acknowledge), then face and PIN
        if turn["journey"]["status"] == "waiting_authorization":
            break
        turn = say(app, sid, "确认" if turn["journey"]["step"] == "confirm" else "是的，继续")
        turn = answer_verification(partial(post_event, app, sid), turn, ZHANG_WEI_PIN)
    assert turn["journey"]["status"] == "waiting_authorization", turn
    auth_id = next(c for c in turn["reply"]["cards"] if c["type"] == "authorization")["data"]["authorization_id"]
    deadline = time.monotonic() + 10
    while (handoff := app.app.state.handoffs.open_for_session(sid)) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert handoff is not None and handoff.reason == "authorization" and handoff.skill == "remote_verification"
    return sid, str(auth_id), handoff.id


def test_an_approved_authorisation_continues_the_kiosk_journey_and_is_audited(app: TestClient):
    sid, auth_id, hid = _to_authorisation(app)
    expert = staff(app, "exp_a")
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
    ctx = app.get(f"/api/v1/handoffs/{hid}", headers=expert).json()  # the whole context once it is theirs
    assert ctx["authorization"] == {"id": auth_id, "status": "pending"}
    assert ctx["journey"]["status"] == "waiting_authorization"
    assert ctx["profile"]["customer_id"] == "C1001"
    assert ZHANG_WEI_ID not in str(ctx) and "6217991001001001018" not in str(ctx)
    wrong = app.post(f"/api/v1/handoffs/{hid}/authorizations/AUTH-NOPE", json={"decision": "approve"}, headers=expert)
    assert wrong.status_code == 409
    response = app.post(
        f"/api/v1/handoffs/{hid}/authorizations/{auth_id}", json={"decision": "approve", "note": "核实"}, headers=expert
    )
    assert response.status_code == 200, response.text
    assert response.json()["turn"]["journey"]["status"] == "completed"
    view = app.get(f"/api/v1/sessions/{sid}", headers=kiosk(app)).json()
    assert view["journey"]["status"] == "completed"
    assert any(t["speaker"] == "staff" and "approved" in t["text"] for t in view["transcript"])
    records = [r for r in app.app.state.audit.list() if r.action == "authorization_decide" and r.subject == auth_id]
    assert len(records) == 1 and records[0].actor == "exp_a" and records[0].details["decision"] == "approve"
    again = app.post(f"/api/v1/handoffs/{hid}/authorizations/{auth_id}", json={"decision": "approve"}, headers=expert)
    assert again.status_code == 409  # nothing is waiting any more


def test_a_rejected_authorisation_stops_the_journey(app: TestClient):
    _sid, auth_id, hid = _to_authorisation(app)
    expert = staff(app, "exp_a")
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
    response = app.post(f"/api/v1/handoffs/{hid}/authorizations/{auth_id}", json={"decision": "reject"}, headers=expert)
    assert response.status_code == 200, response.text
    assert response.json()["turn"]["journey"]["status"] == "rejected"
    assert "未获授权" in response.json()["turn"]["reply"]["text"]


def test_the_staff_socket_relays_the_watched_kiosk_and_survives_bad_frames(app: TestClient):
    sid, hid = handoff_for(app, say_id=False)
    expert = staff(app, "exp_b")
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
    with app.websocket_connect("/api/v1/staff/ws", headers=expert) as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_text("not json")
        assert ws.receive_json()["code"] == "bad_json"
        ws.send_json({"type": "watch", "session_id": "someone-elses"})
        assert ws.receive_json()["code"] == "forbidden"
        ws.send_json({"type": "watch", "session_id": sid})
        assert ws.receive_json() == {"type": "watching", "session_id": sid}
        app.portal.call(app.app.state.events.publish, f"kiosk:{sid}:up", {"type": "customer_message", "text": "在吗"})
        while (msg := ws.receive_json())["type"] != "customer_message":
            pass
        assert msg == {"type": "customer_message", "text": "在吗", "session_id": sid}
        ws.send_json({"type": "ping"})
        while ws.receive_json()["type"] != "pong":
            pass
    with pytest.raises(WebSocketDisconnect) as refused, app.websocket_connect("/api/v1/staff/ws", headers=kiosk(app)):
        pass
    assert refused.value.code == 4403
