"""The NLU data files: valid, complete (15+ exemplars per intent per language) and honest (the
held-out set shares no text with the exemplars)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.nlu.data import (
    DATA_DIR,
    NluDataError,
    files_hash,
    load_currencies,
    load_intents,
    load_products,
    load_rules,
    load_test_cases,
)
from assistant.nlu.text import normalize

pytestmark = pytest.mark.unit

REQUIRED = {
    "deposit", "withdrawal", "transfer", "card_loss", "card_replacement", "account_opening", "balance_enquiry",
    "statement_printing", "time_deposit", "wealth_products", "loan_enquiry", "foreign_exchange", "booking_checkin",
    "queue_ticket", "pension_account", "mobile_banking_help", "branch_info", "fees_limits", "fraud_report",
    "greeting", "thanks", "goodbye", "human_agent", "complaint", "chitchat", "confirm", "deny", "go_back",
    "start_over", "out_of_scope",
}  # fmt: skip


def test_every_required_intent_has_15_exemplars_per_language() -> None:
    specs = {s.name: s for s in load_intents()}
    assert set(specs) >= REQUIRED
    for name, spec in specs.items():
        assert len(set(spec.examples.zh)) >= 15, name
        assert len(set(spec.examples.en)) >= 15, name
        assert spec.description, name


def test_no_exemplar_is_claimed_by_two_intents() -> None:
    owner: dict[str, str] = {}
    for spec in load_intents():
        for text in spec.examples.zh + spec.examples.en:
            key = normalize(text).lower()
            assert owner.setdefault(key, spec.name) == spec.name, f"{text!r}: {owner[key]} and {spec.name}"


def test_heldout_sets_are_disjoint_from_exemplars() -> None:
    exemplars = {normalize(t).lower() for s in load_intents() for t in s.examples.zh + s.examples.en}
    names = {s.name for s in load_intents()}
    cases = load_test_cases(DATA_DIR / "intents_test.yaml")
    assert {c.intent for c in cases} == names
    assert len(cases) >= 300
    asr = load_test_cases(DATA_DIR / "intents_test_asr.yaml")
    assert {c.intent for c in asr} <= names
    for case in cases + asr:
        assert normalize(case.text).lower() not in exemplars, case.text


def test_rules_refer_to_known_intents() -> None:
    rules = load_rules(known=[s.name for s in load_intents()])
    assert rules.rules and rules.keywords


def test_products_and_currencies_match_the_bank_facts() -> None:
    risk = {p.name: p.risk_level for p in load_products() if p.kind == "wealth"}
    assert risk == {
        "示范稳盈R1货币基金": "R1",
        "示范安享90天理财": "R2",
        "示范债券精选": "R3",
        "示范均衡混合": "R4",
        "示范科技成长股票": "R5",
    }
    assert set(load_currencies()) == {"CNY", "USD", "EUR", "JPY", "HKD", "GBP"}


def test_a_broken_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "intents").mkdir()
    (tmp_path / "intents" / "x.yaml").write_text("intents:\n  - name: Bad-Name\n    examples: {zh: [a]}\n")
    with pytest.raises(NluDataError, match=r"x\.yaml: intents\.0\.name"):
        load_intents(tmp_path)
    (tmp_path / "intents" / "x.yaml").write_text("intents: [\n")
    with pytest.raises(NluDataError, match=r"x\.yaml"):
        load_intents(tmp_path)


def test_an_intent_defined_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "intents").mkdir()
    body = "intents:\n  - name: a\n    examples: {zh: [x], en: [y]}\n"
    (tmp_path / "intents" / "1.yaml").write_text(body)
    (tmp_path / "intents" / "2.yaml").write_text(body)
    with pytest.raises(NluDataError, match="defined twice"):
        load_intents(tmp_path)


def test_rules_for_unknown_intents_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules:\n  - intent: nope\n    patterns: ['x']\n")
    with pytest.raises(NluDataError, match="unknown intent 'nope'"):
        load_rules(tmp_path, known=["a"])


def test_files_hash_changes_with_content(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("one")
    first = files_hash([f], salt="m")
    assert files_hash([f], salt="m") == first
    assert files_hash([f], salt="other") != first
    f.write_text("two")
    assert files_hash([f], salt="m") != first
