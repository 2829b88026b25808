"""The seeded cast and the sandbox's money rules, without a server."""

from __future__ import annotations

import datetime as dt

import pytest

from integrations.pii import is_luhn_valid, is_mobile, is_valid_id_number
from integrations.sandbox import money
from integrations.sandbox.seed import cast_summary
from integrations.sandbox.views import add_months

pytestmark = pytest.mark.unit

CAST_KEYS = {"zhang_wei", "li_xiuying", "wang_qiang", "chen_jing", "emily_clark", "fraud_payee"}


def test_cast_has_the_six_keys_with_identifiers():
    cast = cast_summary(dt.date(2026, 11, 24))
    assert set(cast) == CAST_KEYS
    for key in CAST_KEYS - {"fraud_payee"}:
        person = cast[key]
        assert person["customer_id"] and person["qr_token"] and is_mobile(person["phone"])
    assert cast["fraud_payee"]["account_number"] and "fraud_accounts" in cast["fraud_payee"]["lists"]


def test_identity_numbers_pass_real_checksums():
    cast = cast_summary()
    for key, person in cast.items():
        if person.get("id_number"):
            assert is_valid_id_number(person["id_number"]), key
        for card in person.get("cards", []):
            assert is_luhn_valid(card["number"]), (key, card)
    assert cast["emily_clark"]["id_type"] == "passport" and cast["emily_clark"]["passport_number"]


def test_situations_match_the_issue():
    today = dt.date(2026, 11, 24)
    cast = cast_summary(today)
    assert cast["zhang_wei"]["age"] == 45
    assert {c["kind"] for c in cast["zhang_wei"]["cards"]} == {"debit", "credit"}
    assert cast["li_xiuying"]["age"] == 72 and cast["li_xiuying"]["risk_tolerance"] == "C1"
    assert {"aml_sanctions", "anti_fraud"} <= set(cast["wang_qiang"]["lists"])
    assert cast["chen_jing"]["age"] == 31
    assert cast["chen_jing"]["bookings"][0]["date"] == today.isoformat()
    assert cast["chen_jing"]["bookings"][0]["business_type"] == "pension_account_opening"
    assert cast["chen_jing"]["applications"][0]["missing_documents"] == ["income_certificate"]
    assert cast["emily_clark"]["language"] == "en"


@pytest.mark.parametrize(
    ("amount_yuan", "same_bank", "channel", "fee_yuan"),
    [
        (1000, True, "counter", 0),
        (1000, False, "kiosk", 0),
        (1000, False, "mobile", 0),
        (1000, False, "counter", 2),  # 0.2 -> minimum 2
        (50_000, False, "counter", 10),  # 0.02%
        (500_000, False, "counter", 25),  # 100 -> maximum 25
    ],
)
def test_transfer_fees_follow_the_facts(amount_yuan: int, same_bank: bool, channel: str, fee_yuan: int):
    assert money.transfer_fee_fen(amount_yuan * 100, same_bank, channel) == fee_yuan * 100


def test_routes_and_bank_names():
    assert money.transfer_route(50_000_00, same_bank=False) == "ibps_realtime"
    assert money.transfer_route(50_000_01, same_bank=False) == "hvps"
    assert money.is_same_bank(None) and money.is_same_bank("示范银行") and not money.is_same_bank("远洋商业银行")


def test_add_months_clamps_month_ends():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 6, 18), 36) == dt.date(2028, 6, 18)
