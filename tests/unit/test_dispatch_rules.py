"""Dispatch rules without a database: priorities, who may serve what, serving order with aging."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.conversation.dispatch import (
    ELDERLY_BONUS,
    Dispatcher,
    DispatchOptions,
    base_priority,
    can_serve,
    handoff_view,
)
from assistant.store.tables import HandoffRow, UserRow

pytestmark = pytest.mark.unit
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def handoff(skill="general", priority=0, waited_s=0.0, reason="requested", branch="BJ001", summary=None) -> HandoffRow:
    return HandoffRow(
        id=f"h-{skill}-{priority}-{waited_s}",
        session_id="s1",
        branch_id=branch,
        reason=reason,
        skill=skill,
        priority=priority,
        status="queued",
        summary=summary or {},
        created_at=NOW - dt.timedelta(seconds=waited_s),
    )


def user(role="expert", skills=(), branch="BJ001") -> UserRow:
    return UserRow(username=f"{role}-x", role=role, skills=list(skills), branch_id=branch, presence="online")


def test_risk_outranks_complaint_outranks_a_request_and_elderly_adds_a_bonus():
    assert base_priority("risk") > base_priority("complaint") > base_priority("requested") == 0
    assert base_priority("risk_hold", "risk_review") == base_priority("risk")
    assert base_priority("requested", customer={"elderly": True}) == ELDERLY_BONUS
    assert base_priority("flow", risk=[{"type": "risk_screen", "decision": "warn"}]) == base_priority("risk")
    assert base_priority("flow", risk=[{"type": "risk_screen", "decision": "allow"}]) == 0


def test_experts_serve_their_skills_and_general_tellers_only_their_branch_fallback():
    loans = handoff("loans")
    assert can_serve(user(skills=["loans"]), "expert", None, loans)
    assert not can_serve(user(skills=["wealth"]), "expert", None, loans)
    assert can_serve(user(skills=[]), "expert", None, handoff("general"))
    assert not can_serve(user("teller"), "teller", "BJ001", handoff("general"))
    assert can_serve(user("teller"), "teller", "BJ001", handoff("teller"))
    assert not can_serve(user("teller"), "teller", "SH002", handoff("teller"))
    assert can_serve(None, "admin", None, loans)
    assert not can_serve(user("supervisor"), "supervisor", None, handoff("general"))


def test_waiting_time_ages_priority_so_nobody_starves():
    dispatcher = Dispatcher(None, None, None, DispatchOptions(aging_s=60))  # type: ignore[arg-type]
    urgent_new = handoff(priority=3, waited_s=10)
    old = handoff(priority=0, waited_s=600)  # 10 minutes: +10 points
    ordinary = handoff(priority=0, waited_s=30)
    assert dispatcher.ordered([ordinary, urgent_new, old], NOW) == [old, urgent_new, ordinary]


def test_same_score_is_first_come_first_served():
    dispatcher = Dispatcher(None, None, None, DispatchOptions(aging_s=1e9))  # type: ignore[arg-type]
    first, second = handoff(waited_s=20), handoff(waited_s=10)
    assert dispatcher.ordered([second, first], NOW) == [first, second]


def test_view_flags_elderly_and_risk_and_reports_the_wait():
    row = handoff("risk_review", 13, 90, "risk_hold", summary={"customer": {"elderly": True, "name": "李秀英"}})
    view = handoff_view(row, NOW, aging_s=60)
    assert view["elderly"] and view["risk"]
    assert view["wait_s"] == 90.0 and view["score"] == 14.5
    assert view["customer_name"] == "李秀英" and view["status"] == "queued"


def test_only_warn_hold_or_block_decisions_flag_a_handoff_as_risky():
    allowed = handoff(summary={"risk": [{"type": "risk_decision", "action": "allow"}]})
    warned = handoff(summary={"risk": [{"type": "risk_decision", "action": "allow"}, {"type": "x", "action": "warn"}]})
    assert not handoff_view(allowed, NOW)["risk"]
    assert handoff_view(warned, NOW)["risk"]


def test_the_demo_expert_can_take_every_skill_a_journey_hands_off():
    from assistant.auth.seed import DEMO_STAFF

    expert = next(user(skills=skills) for _, role, _, skills in DEMO_STAFF if role == "expert")
    for skill in ("general", "remote_verification", "risk_review", "loans", "wealth"):
        assert can_serve(expert, "expert", None, handoff(skill)), skill
