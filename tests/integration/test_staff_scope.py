"""Staff reach only the customers their work needs: a teller never speaks in a kiosk's session and reads
only the customer it called, an expert reads a customer only through a handoff it holds, and every
refusal is in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH

pytestmark = pytest.mark.integration
SUMMARY = {
    "reason": "requested",
    "intent": "transfer",
    "customer": {"name": "张*", "customer_id": "C1001"},
    "transcript": [{"speaker": "customer", "text": "我要转账给李*英"}],
    "risk": [],
    "journey": None,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        env="test",
        var_dir=tmp_path_factory.mktemp("scope-var"),
        models_dir=Path(PREPARED_MODELS),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH.model_copy(update={"principal_cache_s": 0}),
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings)) as client:
        state = client.app.state  # type: ignore[attr-defined]
        state.users.add("teller2", "teller", "not-a-hash", "柜员二", "BJ001", ["general"])
        state.users.add("expert2", "expert", "not-a-hash", "专家二", "BJ001", ["general"])
        state.users.add("expert_w", "expert", "not-a-hash", "专家财富", "BJ001", ["wealth"])
        yield client


def as_user(app: TestClient, username: str) -> dict[str, str]:
    account = app.app.state.users.get(username)  # type: ignore[attr-defined]
    token = app.app.state.auth.tokens.issue(account.username, account.role, 600)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def kiosk(app: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.app.state.demo_kiosk_token}"}  # type: ignore[attr-defined]


def kiosk_visit(app: TestClient) -> str:
    response = app.post("/api/v1/sessions", json={"channel": "kiosk"}, headers=kiosk(app))
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


def denials(app: TestClient, actor: str, subject: str) -> list:
    records = app.app.state.audit.list(action="access_denied")  # type: ignore[attr-defined]
    return [r for r in records if r.actor == actor and r.subject == subject]


def test_a_teller_never_speaks_in_a_kiosks_session_and_the_attempt_is_audited(app: TestClient):
    sid = kiosk_visit(app)
    teller = as_user(app, "teller1")
    turn = app.post(f"/api/v1/sessions/{sid}/turns", json={"text": "我要转账五万元"}, headers=teller)
    assert turn.status_code == 403 and turn.json() == {"detail": "this session is not one you serve"}
    event = {"type": "id_card_read", "data": {"id_number": "110105198103150319"}}
    assert app.post(f"/api/v1/sessions/{sid}/events", json=event, headers=teller).status_code == 403
    assert app.post(f"/api/v1/sessions/{sid}/end", headers=teller).status_code == 403
    assert app.get(f"/api/v1/sessions/{sid}", headers=teller).status_code == 403  # not the customer it called
    assert len(app.app.state.sessions.turns(sid)) == 1  # type: ignore[attr-defined] # the greeting alone
    records = denials(app, "teller1", sid)
    assert len(records) == 4 and {r.role for r in records} == {"teller"}
    assert {r.details["path"] for r in records} >= {f"/api/v1/sessions/{sid}/turns", f"/api/v1/sessions/{sid}"}
    assert app.app.state.audit.verify().ok  # type: ignore[attr-defined]


def test_a_tellers_counter_conversation_is_its_own(app: TestClient):
    teller1, teller2 = as_user(app, "teller1"), as_user(app, "teller2")
    # asking for a kiosk channel does not make a teller's conversation a kiosk's
    created = app.post("/api/v1/sessions", json={"channel": "kiosk"}, headers=teller1)
    assert created.status_code == 201
    sid = created.json()["session_id"]
    assert app.get(f"/api/v1/sessions/{sid}", headers=teller1).json()["channel"] == "teller"
    assert app.post(f"/api/v1/sessions/{sid}/turns", json={"text": "你好"}, headers=teller2).status_code == 403
    assert app.get(f"/api/v1/sessions/{sid}", headers=teller2).status_code == 403
    assert app.post(f"/api/v1/sessions/{sid}/end", headers=teller1).status_code == 200
    assert denials(app, "teller2", sid)


def test_a_teller_reads_the_customer_it_called_but_still_cannot_speak_for_them(app: TestClient):
    sid = kiosk_visit(app)
    teller = as_user(app, "teller1")
    assert app.get(f"/api/v1/sessions/{sid}", headers=teller).status_code == 403
    sessions = app.app.state.sessions  # type: ignore[attr-defined]
    row = sessions.get(sid)
    called = {
        "ticket": "A001",
        "counter": "1",
        "called_by": "teller1",
        "called_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    sessions.save_state(sid, {**row.state, "counter": called}, expected_version=row.version)
    assert app.get(f"/api/v1/sessions/{sid}", headers=teller).status_code == 200
    assert app.get(f"/api/v1/sessions/{sid}", headers=as_user(app, "teller2")).status_code == 403
    assert app.post(f"/api/v1/sessions/{sid}/turns", json={"text": "你好"}, headers=teller).status_code == 403


def test_an_expert_reads_a_customer_only_through_a_handoff_it_holds(app: TestClient):
    sid = kiosk_visit(app)
    handoffs = app.app.state.handoffs  # type: ignore[attr-defined]
    hid = handoffs.create(sid, "requested", "loans", 0, SUMMARY, branch_id="BJ001").id
    expert, other = as_user(app, "expert1"), as_user(app, "expert2")

    assert app.get(f"/api/v1/sessions/{sid}", headers=expert).status_code == 403
    preview = app.get(f"/api/v1/handoffs/{hid}", headers=expert)  # queued, and expert1 serves loans
    assert preview.status_code == 200
    body = preview.json()
    assert body["preview"] is True and body["handoff"]["id"] == hid
    assert body["summary"] == {"reason": "requested", "intent": "transfer", "journey": None, "risk": []}
    assert not {"transcript", "profile", "customer", "session"} & set(body)
    wrong_skill = app.get(f"/api/v1/handoffs/{hid}", headers=as_user(app, "expert_w"))
    assert wrong_skill.status_code == 403  # loans is not their skill: not even a preview

    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
    held = app.get(f"/api/v1/handoffs/{hid}", headers=expert).json()
    assert held["session"]["id"] == sid and "transcript" in held and "preview" not in held
    assert app.get(f"/api/v1/sessions/{sid}", headers=expert).status_code == 200
    assert app.get(f"/api/v1/handoffs/{hid}", headers=other).status_code == 403  # taken by expert1
    assert app.get(f"/api/v1/sessions/{sid}", headers=other).status_code == 403
    assert app.get(f"/api/v1/sessions/{sid}", headers=as_user(app, "supervisor1")).status_code == 200

    assert app.post(f"/api/v1/handoffs/{hid}/release", headers=expert).status_code == 200
    assert app.get(f"/api/v1/sessions/{sid}", headers=expert).status_code == 403  # released: no longer theirs
    assert denials(app, "expert1", sid) and denials(app, "expert2", hid) and denials(app, "expert_w", hid)
