"""The supervisor API over ASGI with the real app: sessions made through the session API, then reviewed,
unmasked (audited), annotated, exported (masked, audited) and summed up on the dashboard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.store.tables import ComplianceFindingRow
from integrations.pii import id_check_digit
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH, auth_headers

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ID17 = "32010619850412003"
ID_NUMBER = ID17 + id_check_digit(ID17)
MASKED_ID = ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
PASSWORD = "demo-pass-2026"
TODAY = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()


def signed_in(client: TestClient, username: str) -> dict[str, str]:
    """A bearer token through the real sign-in route (the demo staff seeded outside production)."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def visit(client: TestClient, *texts: str, channel: str = "kiosk", branch: str = "BJ001", end: bool = True) -> str:
    """A kiosk visit (or a teller's counter conversation) through the real session API."""
    headers = auth_headers(client, channel)
    response = client.post("/api/v1/sessions", json={"channel": channel, "branch_id": branch}, headers=headers)
    assert response.status_code == 201, response.text
    sid = response.json()["session_id"]
    for text in texts:
        turn = client.post(f"/api/v1/sessions/{sid}/turns", json={"text": text}, headers=headers)
        assert turn.status_code == 200, turn.text
    if end:
        assert client.post(f"/api/v1/sessions/{sid}/end", headers=headers).status_code == 200
    return sid


@pytest.fixture(scope="module")
def sup(app_client: TestClient) -> dict[str, str]:
    return signed_in(app_client, "supervisor1")


@pytest.fixture(scope="module")
def id_visit(app_client: TestClient) -> str:
    return visit(app_client, f"我的身份证号是{ID_NUMBER}", "我要找人工客服")


def test_routes_refuse_no_token_and_the_wrong_role(app_client, id_visit):
    teller = auth_headers(app_client, "teller")
    for method, path in [
        ("GET", "/api/v1/supervisor/sessions"),
        ("GET", f"/api/v1/supervisor/sessions/{id_visit}"),
        ("GET", "/api/v1/supervisor/dashboard"),
        ("GET", "/api/v1/supervisor/export"),
        ("GET", "/api/v1/supervisor/facets"),
    ]:
        assert app_client.request(method, path).status_code == 401, path
        assert app_client.request(method, path, headers=teller).status_code == 403, path
    admin = auth_headers(app_client, "admin")
    assert app_client.get("/api/v1/supervisor/sessions", headers=admin).status_code == 200


def test_list_finds_the_visit_masked_with_its_handoff(app_client, sup, id_visit):
    other = visit(app_client, "你们几点开门", channel="teller", branch="SH002")
    page = app_client.get("/api/v1/supervisor/sessions", params={"q": "身份证"}, headers=sup).json()
    found = {s["session_id"]: s for s in page["items"]}
    assert id_visit in found and other not in found
    summary = found[id_visit]
    assert summary["has_personal_data"] and MASKED_ID in summary["preview"] and ID_NUMBER not in json.dumps(page)
    assert summary["outcome"] == "handed_off" and summary["handoff"]["status"] == "queued"
    assert summary["status"] == "ended"

    def ids(**params) -> set[str]:
        response = app_client.get("/api/v1/supervisor/sessions", params=params, headers=sup)
        assert response.status_code == 200, response.text
        return {s["session_id"] for s in response.json()["items"]}

    assert id_visit in ids(handoff="true") and other not in ids(handoff="true")
    assert other in ids(branch_id="SH002") and id_visit not in ids(branch_id="SH002")
    assert other in ids(channel="teller") and id_visit in ids(channel="kiosk") and other not in ids(channel="kiosk")
    assert id_visit in ids(outcome="handed_off", date_from=TODAY.isoformat(), date_to=TODAY.isoformat())
    assert not ids(date_to=(TODAY - dt.timedelta(days=2)).isoformat())
    assert id_visit not in ids(risk="block")


def test_searching_by_an_id_number_is_refused(app_client, sup):
    response = app_client.get("/api/v1/supervisor/sessions", params={"q": ID_NUMBER}, headers=sup)
    assert response.status_code == 422
    assert ID_NUMBER not in response.text


def test_transcript_is_masked_and_unmasking_needs_a_reason_and_is_audited(app_client, sup, id_visit):
    detail = app_client.get(f"/api/v1/supervisor/sessions/{id_visit}", headers=sup).json()
    said = next(t for t in detail["transcript"] if t["speaker"] == "customer" and t["masked"])
    assert MASKED_ID in said["text"] and ID_NUMBER not in json.dumps(detail)
    assert detail["timeline"][0]["label"] == "session_started"
    assert "handoff_requested" in [e["label"] for e in detail["timeline"]]
    url = f"/api/v1/supervisor/sessions/{id_visit}/unmask"
    assert app_client.post(url, json={"turn_seq": said["seq"]}, headers=sup).status_code == 422
    assert app_client.post(url, json={"turn_seq": said["seq"], "reason": "  "}, headers=sup).status_code == 422
    assert app_client.post(url, json={"turn_seq": 999, "reason": "complaint review"}, headers=sup).status_code == 404
    response = app_client.post(url, json={"turn_seq": said["seq"], "reason": "complaint review #42"}, headers=sup)
    assert response.status_code == 200, response.text
    assert ID_NUMBER in response.json()["value"]
    audit = app_client.app.state.audit  # type: ignore[attr-defined]
    newest = audit.list(action="unmask")[0]
    assert newest.subject == id_visit and newest.actor == "supervisor1"
    assert newest.details["reason"] == "complaint review #42"
    assert newest.details["turn_seq"] == said["seq"]
    assert audit.verify().ok


def test_annotations_score_turns_and_only_the_author_deletes(app_client, sup, id_visit):
    url = f"/api/v1/supervisor/sessions/{id_visit}/annotations"
    assert app_client.post(url, json={"turn_seq": 2, "quality": 6}, headers=sup).status_code == 422
    assert app_client.post(url, json={"turn_seq": 2}, headers=sup).status_code == 422
    assert app_client.post(url, json={"turn_seq": 999, "note": "x"}, headers=sup).status_code == 404
    made = app_client.post(
        url, json={"turn_seq": 2, "label": "pii", "note": "ID read aloud", "quality": 2}, headers=sup
    )
    assert made.status_code == 201, made.text
    app_client.post(url, json={"turn_seq": 3, "quality": 4}, headers=sup)
    detail = app_client.get(f"/api/v1/supervisor/sessions/{id_visit}", headers=sup).json()
    assert detail["summary"]["quality_avg"] == 3.0 and detail["summary"]["annotations"] >= 2
    on_turn = next(t for t in detail["transcript"] if t["seq"] == 2)["annotations"]
    assert on_turn[0]["author"] == "supervisor1" and on_turn[0]["label"] == "pii"
    admin = auth_headers(app_client, "admin")
    admins = app_client.post(url, json={"turn_seq": 2, "note": "admin's note"}, headers=admin).json()
    # a supervisor may not delete someone else's annotation; the author may, and an admin may delete any
    assert app_client.delete(f"/api/v1/supervisor/annotations/{admins['id']}", headers=sup).status_code == 403
    assert app_client.delete(f"/api/v1/supervisor/annotations/{admins['id']}", headers=admin).status_code == 204
    note_id = made.json()["id"]
    assert app_client.delete(f"/api/v1/supervisor/annotations/{note_id}", headers=admin).status_code == 204
    assert app_client.delete(f"/api/v1/supervisor/annotations/{note_id}", headers=sup).status_code == 404


def test_compliance_findings_show_in_the_detail_and_timeline(app_client, sup, id_visit):
    db = app_client.app.state.db  # type: ignore[attr-defined]
    with db.session() as s:
        s.add(
            ComplianceFindingRow(
                session_id=id_visit,
                turn_seq=2,
                rule="pii_spoken_aloud",
                severity="warn",
                detail={"id_number": ID_NUMBER},
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    detail = app_client.get(f"/api/v1/supervisor/sessions/{id_visit}", headers=sup).json()
    assert "pii_spoken_aloud" in [f["rule"] for f in detail["findings"]]  # besides the compliance pass's own
    assert ID_NUMBER not in json.dumps(detail)
    assert any(e["kind"] == "finding" and e["seq"] == 2 for e in detail["timeline"])
    assert detail["summary"]["findings"] == len(detail["findings"])


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_is_masked_and_audited(app_client, sup, id_visit, fmt):
    response = app_client.get("/api/v1/supervisor/export", params={"format": fmt, "session_id": id_visit}, headers=sup)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    body = response.text
    assert ID_NUMBER not in body and MASKED_ID in body
    if fmt == "jsonl":
        records = [json.loads(line) for line in body.splitlines()]
        assert [r["session_id"] for r in records] == [id_visit]
        assert records[0]["transcript"][0]["seq"] == 1
    else:
        rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
        assert {r["session_id"] for r in rows} == {id_visit} and len(rows) >= 4
    audit = app_client.app.state.audit  # type: ignore[attr-defined]
    last = audit.list(action="export")[0]
    assert last.actor == "supervisor1" and last.details["format"] == fmt and last.details["sessions"] == 1


def test_dashboard_sums_up_the_filtered_sessions(app_client, sup, id_visit):
    board = app_client.get("/api/v1/supervisor/dashboard", params={"date_from": TODAY.isoformat()}, headers=sup)
    assert board.status_code == 200, board.text
    data = board.json()
    assert data["sessions"] >= 2 and sum(data["volume_by_hour"]) == data["sessions"]
    assert data["handoff_waits"]["handoffs"] >= 1 and data["handoff_waits"]["waiting"] >= 1
    assert 0 <= data["containment"]["rate"] < 1
    assert {"key": "handed_off", "count": 1} in data["outcomes"] or any(
        o["key"] == "handed_off" for o in data["outcomes"]
    )
    facets = app_client.get("/api/v1/supervisor/facets", headers=sup).json()
    assert "BJ001" in facets["branches"] and "handed_off" in facets["outcomes"]


@pytest.mark.postgres
def test_review_and_export_on_postgresql(postgres_url, tmp_path: Path):
    settings = Settings(
        env="test",
        var_dir=tmp_path / "var",
        models_dir=Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS)),
        database_url=postgres_url,
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH,
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings)) as client:
        sid = visit(client, f"身份证{ID_NUMBER}")
        headers = auth_headers(client, "supervisor")
        page = client.get("/api/v1/supervisor/sessions", params={"q": "身份证"}, headers=headers).json()
        assert [s["session_id"] for s in page["items"]] == [sid]
        detail = client.get(f"/api/v1/supervisor/sessions/{sid}", headers=headers).json()
        assert MASKED_ID in json.dumps(detail, ensure_ascii=False) and ID_NUMBER not in json.dumps(detail)
        exported = client.get("/api/v1/supervisor/export", params={"session_id": sid}, headers=headers).text
        assert MASKED_ID in exported and ID_NUMBER not in exported
        assert client.app.state.audit.verify().ok  # type: ignore[attr-defined]


def test_cli_export_of_a_day_is_masked_and_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from assistant.audit import AuditLog
    from assistant.cli import app as cli
    from assistant.store import Database
    from assistant.store.sessions import NewTurn, SessionStore

    monkeypatch.setenv("LOBBY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LOBBY_DATABASE_URL", raising=False)
    db = Database(Settings(_env_file=None).effective_database_url)  # type: ignore[call-arg]
    db.upgrade()
    store = SessionStore(db)
    sid = store.create("kiosk", "BJ001").id
    store.append_turn(sid, NewTurn(speaker="customer", text=f"身份证{ID_NUMBER}", intent="card_loss"))
    out = tmp_path / "day.jsonl"
    result = CliRunner().invoke(cli, ["transcripts", "export", "--date", TODAY.isoformat(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert json.loads(text)["session_id"] == sid and MASKED_ID in text and ID_NUMBER not in text
    entry = AuditLog(db).list(action="export")[0]
    assert entry.actor.startswith("cli:") and entry.details["sessions"] == 1
    bad = CliRunner().invoke(cli, ["transcripts", "export", "--date", "2026-13-01"])
    assert bad.exit_code == 2
    db.dispose()
