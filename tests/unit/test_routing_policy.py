"""The routing table: shipped file valid, every row reachable, and the guarantees a reviewer relies on,
checked over every combination of facts (not a few hand-picked turns)."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from assistant.conversation.policy import ACTIONS, Facts, RoutingError, load_routing, shipped_routing
from assistant.conversation.router import JOURNEY_ACTIONS, TurnRouter
from assistant.nlu.catalogue import shipped_catalogue

pytestmark = pytest.mark.unit

ACTS = ["request", "question", "complaint", "chitchat", "confirm", "deny", "go_back", "start_over", "correction"]
BUSINESSES = [
    "transfer",
    "balance_enquiry",
    "account_closing",
    "human_agent",
    "complaint",
    "none",
    "unclear",
    "out_of_scope",
]
FLAGS = [
    "in_journey",
    "cancel",
    "fills_awaited",
    "other_journey",
    "confident",
    "has_slots",
    "question_cue",
    "sure",
    "act_sure",
    "offer_pending",
    "not_the_journey",
    "could_answer",
]


def every_facts() -> list[Facts]:
    catalogue = shipped_catalogue()
    out = []
    for act, business in itertools.product(ACTS, BUSINESSES):
        for values in itertools.product([False, True], repeat=len(FLAGS)):
            flags = dict(zip(FLAGS, values, strict=True))
            if flags["cancel"] and not flags["in_journey"]:
                continue  # cancelling is only noticed inside a journey
            if flags["offer_pending"] and flags["in_journey"]:
                continue  # an offer is only made outside a journey
            out.append(
                Facts(
                    act=act,
                    business=business,
                    kind=catalogue.kind(business),
                    answered_by_journey=catalogue.businesses[business].answered_by_journey,
                    **flags,
                )
            )
    return out


ALL = every_facts()
DECIDED = [(f, *shipped_routing().decide(f)) for f in ALL]


def test_every_action_has_a_handler() -> None:
    for action in ACTIONS:
        assert action in JOURNEY_ACTIONS or callable(getattr(TurnRouter, f"_do_{action}", None)), action


def test_every_row_of_the_shipped_table_is_reachable() -> None:
    used = {row for _, _, row in DECIDED}
    assert used == set(range(len(shipped_routing().rules)))


def test_a_business_the_kiosk_cannot_do_never_starts_or_switches_a_journey() -> None:
    for facts, action, _ in DECIDED:
        if facts.kind == "knowledge":
            assert action not in ("start_journey", "journey_switch"), facts


def test_a_question_outside_a_journey_starts_one_only_when_its_answer_is_the_customers_own_data() -> None:
    for facts, action, _ in DECIDED:
        if facts.act == "question" and not facts.in_journey and action == "start_journey":
            assert facts.answered_by_journey, facts


def test_asking_for_a_person_always_hands_off_and_a_complaint_too() -> None:
    for facts, action, _ in DECIDED:
        own_choice = facts.in_journey and facts.fills_awaited and facts.could_answer and not facts.cancel
        if facts.business == "human_agent" and own_choice and not facts.act_sure:
            assert action == "journey_reply"  # "个人业务" tapped, read as "a person" at p 0.19
        elif facts.business == "human_agent":
            assert action == "handoff_requested"
        elif facts.in_journey and facts.could_answer and not facts.act_sure and not facts.cancel:
            assert action == "journey_reply"  # an unsure complaint that answers the journey's question
        elif facts.act == "complaint" or facts.business == "complaint":
            assert action == "handoff_complaint"


def test_inside_a_journey_yes_no_and_cancel_act_on_the_journey() -> None:
    for facts, action, _ in DECIDED:
        if not facts.in_journey or facts.business in ("human_agent", "complaint") or facts.act == "complaint":
            continue
        if facts.could_answer and not facts.act_sure and not facts.cancel:
            assert action == "journey_reply"  # the journey reads an unsure yes or no itself
            continue
        if facts.cancel:
            assert action == "journey_cancel"
        elif facts.act == "confirm":
            assert action == "journey_yes"
        elif facts.act == "deny":
            assert action == "journey_no"
        assert not action.startswith(("start_", "answer_and", "refuse", "small_talk")), (facts, action)


def test_a_turn_that_answers_the_journeys_question_goes_to_the_journey() -> None:
    answers = ("request", "question", "chitchat", "correction")
    for facts, action, _ in DECIDED:
        person = facts.business in ("human_agent", "complaint")
        if facts.in_journey and facts.fills_awaited and facts.act in answers and not person and not facts.cancel:
            assert action == "journey_reply", facts


def test_nothing_is_started_or_answered_as_a_business_when_the_business_is_not_sure() -> None:
    for facts, action, _ in DECIDED:
        if not facts.sure:
            assert action not in ("start_journey", "answer_and_offer", "answer_business"), facts


def test_a_request_starts_a_journey_only_when_surely_a_request_or_carrying_slot_values() -> None:
    """Except where the journey is itself the answer (balance, statement): it only shows data."""
    for facts, action, _ in DECIDED:
        if action == "start_journey" and facts.act == "request" and not facts.answered_by_journey:
            assert facts.act_sure or facts.has_slots, facts


def test_an_unsure_request_for_a_journey_is_answered_and_offered() -> None:
    facts = Facts(act="request", business="transfer", kind="journey", act_sure=False)
    assert shipped_routing().decide(facts)[0] == "answer_and_offer"


def test_an_offer_is_taken_by_a_yes_or_a_bare_request_and_declined_by_a_no() -> None:
    for facts, action, _ in DECIDED:
        if action in ("accept_offer", "decline_offer"):
            assert facts.offer_pending and not facts.in_journey, facts
    ask = {"kind": "none", "offer_pending": True}
    assert shipped_routing().decide(Facts(act="confirm", business="none", **ask))[0] == "accept_offer"
    assert shipped_routing().decide(Facts(act="request", business="unclear", **ask))[0] == "accept_offer"
    assert shipped_routing().decide(Facts(act="deny", business="none", **ask))[0] == "decline_offer"
    assert shipped_routing().decide(Facts(act="confirm", business="none", kind="none"))[0] == "idle_control"


def test_an_answer_to_the_journeys_question_goes_to_the_journey_unless_the_act_is_sure() -> None:
    unsure = Facts(act="complaint", business="complaint", kind="handoff", in_journey=True, could_answer=True)
    assert shipped_routing().decide(dataclasses.replace(unsure, act_sure=False))[0] == "journey_reply"
    assert shipped_routing().decide(unsure)[0] == "handoff_complaint"  # said surely (or by a rule): a person
    for facts, action, _ in DECIDED:
        unsure_answer = facts.could_answer and not facts.act_sure and not facts.cancel
        if facts.in_journey and unsure_answer and facts.business != "human_agent":
            assert action == "journey_reply", facts


def test_wording_the_journey_does_not_serve_never_starts_offers_or_switches_to_it() -> None:
    for facts, action, _ in DECIDED:
        if facts.not_the_journey and facts.kind == "journey":
            assert action not in ("start_journey", "answer_and_offer", "journey_switch"), facts
    facts = Facts(act="request", business="transfer", kind="journey", not_the_journey=True)
    assert shipped_routing().decide(facts)[0] == "answer_business"


def test_a_follow_up_read_within_the_topic_never_starts_a_journey_on_its_own() -> None:
    facts = Facts(act="question", business="statement_printing", kind="journey", answered_by_journey=True)
    assert shipped_routing().decide(facts)[0] == "start_journey"  # "打印流水" named: its data is the answer
    assert shipped_routing().decide(dataclasses.replace(facts, follow_up=True))[0] == "answer_and_offer"


def test_switching_journeys_needs_a_sure_request_without_slot_values() -> None:
    for facts, action, _ in DECIDED:
        if action == "journey_switch":
            assert facts.act == "request" and facts.confident and not facts.has_slots and facts.other_journey


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "rules:\n  - {when: {mood: [happy]}, action: small_talk}\n  - {when: {}, action: small_talk}\n",
            "unknown facts",
        ),
        ("rules:\n  - {when: {}, action: dance}\n", "unknown action"),
        ("rules:\n  - {when: {act: [request]}, action: small_talk}\n", "catch-all"),
        ("rules: [\n", "routing.yaml"),
    ],
)
def test_a_bad_routing_file_is_refused_with_the_problem_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RoutingError, match=problem):
        load_routing(path)
