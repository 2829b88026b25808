"""Referrals and follow-ups from a journey result are kept in the session state, bounded."""

from __future__ import annotations

import pytest

from assistant.conversation.journeys import KEPT_ITEMS, apply
from assistant.journeys import AdvanceResult

pytestmark = pytest.mark.unit


def result(status: str, referrals=(), follow_ups=()) -> AdvanceResult:
    return AdvanceResult(
        state={"journey": "time_deposit", "status": status},
        journey={"name": "time_deposit", "step": None, "status": status},
        referrals=list(referrals),
        follow_ups=list(follow_ups),
    )


def test_referrals_outlive_the_finished_journey():
    state: dict = {}
    referral = {"customer_id": "C1001", "products": ["anxiang_90"]}
    apply(result("completed", referrals=[referral]), state)
    assert "journey" not in state  # the finished journey's engine state is dropped ...
    assert state["referrals"][0]["products"] == ["anxiang_90"]  # ... its referral is not
    assert state["referrals"][0]["journey"] == "time_deposit" and state["referrals"][0]["created_at"]
    apply(result("completed", follow_ups=[{"action": "call_back", "due": "2026-12-01"}]), state)
    assert len(state["referrals"]) == 1 and state["follow_ups"][0]["action"] == "call_back"


def test_a_result_without_any_leaves_the_state_alone():
    state: dict = {}
    apply(result("active"), state)
    assert "referrals" not in state and "follow_ups" not in state


def test_at_most_the_latest_items_are_kept():
    state: dict = {}
    for i in range(KEPT_ITEMS + 5):
        apply(result("completed", referrals=[{"n": i}]), state)
    assert len(state["referrals"]) == KEPT_ITEMS
    assert state["referrals"][-1]["n"] == KEPT_ITEMS + 4
