"""The after-visit compliance pass on real stores (SQLite, and PostgreSQL when available): each rule on
a recorded visit, the findings query API the supervisor console reads, the daily report, the sweeper
for visits that ended idle, and the `lobby compliance report` command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.audit import AuditLog
from assistant.cli import app
from assistant.compliance import ComplianceReviewer, ComplianceStore
from assistant.store import Database
from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import NewTurn, SessionStore

pytestmark = pytest.mark.integration

DISCLOSED = "请确认购买示范稳健R2理财，该产品风险等级为R2。理财非存款，产品有风险，投资须谨慎。本产品不保证本金和收益。"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'lobby.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    database.upgrade()
    yield database
    database.dispose()


def visit(db: Database, turns: list[NewTurn], end: bool = True, day: dt.date | None = None) -> str:
    sessions = SessionStore(db)
    row = sessions.create("kiosk", "BJ001", "KIOSK-BJ001-01", "zh", {"language": "zh"})
    sessions.record(row.id, turns)
    if end:
        at = dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC) if day else None
        sessions.end(row.id, at)
    return row.id


def rules_of(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(str(f["rule"]) for f in findings)


def test_a_clean_visit_has_no_findings_but_is_marked_reviewed(db: Database) -> None:
    sid = visit(
        db,
        [
            NewTurn("customer", "[consent]", source="device", intent="event:consent", slots={"recording": True}),
            NewTurn("customer", "我要查余额", source="speech"),
            NewTurn("assistant", "您的余额是36800.00元。"),
        ],
    )
    reviewer = ComplianceReviewer(db)
    assert reviewer.review_session(sid) == []
    assert reviewer.store.reviewed(sid)
    assert reviewer.store.findings(session_id=sid) == []
    assert reviewer.store.unreviewed_ended() == []


def test_forbidden_promises_by_assistant_or_expert_not_customer_or_quoted(db: Database) -> None:
    sid = visit(
        db,
        [
            NewTurn("customer", "这个理财保本吗？"),
            NewTurn("assistant", "任何宣称“保本”“稳赚不赔”的理财都不可信。"),
            NewTurn("expert", "放心，这款产品稳赚不赔，零风险。", intent="expert_message"),
            NewTurn("assistant", "This fund offers guaranteed returns."),
        ],
    )
    ComplianceReviewer(db).review_session(sid)
    findings = ComplianceStore(db).findings(session_id=sid)
    assert rules_of(findings) == ["forbidden_promise", "forbidden_promise"]
    assert {f["turn_seq"] for f in findings} == {3, 4}
    assert all(f["severity"] == "high" for f in findings)


def test_wealth_sale_needs_both_disclosures_before_it(db: Database) -> None:
    turns = [
        NewTurn("customer", "我想买理财"),
        NewTurn("assistant", "请确认购买示范稳健R2理财。"),
        NewTurn("customer", "确认"),
    ]
    sid = visit(db, turns, end=False)
    HandoffStore(db).create(sid, "wealth_order_accepted", "wealth", 0, {})
    SessionStore(db).record(sid, [NewTurn("assistant", "已将您的购买申请转给理财专员。")])
    SessionStore(db).end(sid)
    findings = [f.__dict__ for f in ComplianceReviewer(db).review_session(sid)]
    assert [(f["rule"], f["detail"]["disclosure"]) for f in findings] == [("disclosure_missing", "not_guaranteed")]

    disclosed = visit(db, [NewTurn("customer", "我想买理财"), NewTurn("assistant", DISCLOSED)], end=False)
    HandoffStore(db).create(disclosed, "wealth_order_accepted", "wealth", 0, {})
    SessionStore(db).end(disclosed)
    assert ComplianceReviewer(db).review_session(disclosed) == []


def test_recording_and_marketing_need_consent_first(db: Database) -> None:
    sid = visit(
        db,
        [
            NewTurn("customer", "查余额", source="speech"),
            NewTurn("customer", "[consent]", source="device", intent="event:consent", slots={"recording": True}),
            NewTurn("assistant", "根据您的情况，以下产品可供参考：示范稳盈R1货币基金。"),
        ],
    )
    findings = ComplianceReviewer(db).review_session(sid)
    assert [(f.rule, f.turn_seq) for f in findings] == [
        ("recording_without_consent", 1),
        ("marketing_without_consent", 3),
    ]

    consented = visit(
        db,
        [
            NewTurn("customer", "[consent]", intent="event:consent", slots={"recording": True, "marketing": True}),
            NewTurn("customer", "[vision:phone_at_ear]", source="device", intent="event:vision"),
            NewTurn("assistant", "根据您的情况，以下产品可供参考：示范稳盈R1货币基金。"),
        ],
    )
    assert ComplianceReviewer(db).review_session(consented) == []


def test_authorisations_need_an_authorised_audited_decision(db: Database) -> None:
    pending = {"status": "requires_authorization"}
    calls = [
        {"operation": "transfer", "ok": True, "result": {**pending, "authorization_id": f"A-{n}"}} for n in (1, 2, 3)
    ]
    sid = visit(
        db,
        [
            NewTurn("assistant", "已提交授权。", backend_calls=calls),
            NewTurn("staff", "[authorization_decided: A-1 approved by teller1]", source="device"),
            NewTurn("staff", "[authorization_decided: A-2 approved by admin1]", source="device"),
            NewTurn("staff", "[authorization_decided: A-3 approved by expert1]", source="device"),
        ],
    )
    audit = AuditLog(db)
    audit.record("teller1", "teller", "authorization_decide", "A-1", {"session_id": sid})
    audit.record("admin1", "admin", "authorization_decide", "A-2", {"session_id": sid})
    findings = ComplianceReviewer(db).review_session(sid)
    assert sorted((f.rule, f.detail["authorization_id"]) for f in findings) == [
        ("authorization_by_unauthorised_role", "A-2"),
        ("authorization_not_audited", "A-3"),
    ]


def test_findings_api_daily_report_and_rerun_replaces(db: Database) -> None:
    day = dt.date(2031, 3, 14)  # a day no other test's visit ends on (the PostgreSQL database is shared)
    bad = visit(db, [NewTurn("assistant", "这款产品保本。")], day=day)
    clean = visit(db, [NewTurn("assistant", "您好。")], day=day)
    open_visit = visit(db, [NewTurn("assistant", "这款产品保本。")], end=False)
    reviewer = ComplianceReviewer(db)
    assert reviewer.sweep() >= 2  # at least the two ended visits; never the open one
    assert reviewer.sweep() == 0
    store = reviewer.store
    assert store.reviewed(bad) and store.reviewed(clean) and not store.reviewed(open_visit)
    assert [f["session_id"] for f in store.findings(date=day)] == [bad]
    assert store.findings(date=day - dt.timedelta(days=1)) == []
    report = store.report(day)
    assert report["sessions_reviewed"] == 2 and report["findings"] == 1
    assert report["by_rule"] == {"forbidden_promise": 1} and report["by_severity"] == {"high": 1}
    reviewer.review_session(bad)  # a rerun replaces, it does not add
    assert len(store.findings(session_id=bad)) == 1


def test_after_end_never_raises() -> None:
    reviewer = ComplianceReviewer(Database("sqlite:///:memory:"))
    reviewer.after_end("no-such-session")  # no tables, no session: logged, not raised


def test_cli_report_reviews_then_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LOBBY_DATABASE_URL", url)
    monkeypatch.setenv("LOBBY_VAR_DIR", str(tmp_path))
    db = Database(url)
    db.upgrade()
    sid = visit(db, [NewTurn("expert", "零风险，稳赚。", intent="expert_message")])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    result = CliRunner().invoke(app, ["compliance", "report", "--date", today, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reviewed_now"] == 1 and data["findings"] == 1
    assert data["items"][0]["session_id"] == sid and data["items"][0]["rule"] == "forbidden_promise"
    bad_date = CliRunner().invoke(app, ["compliance", "report", "--date", "24/11/2026"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
