"""The phone's pure parts: which journeys may be prepared at home (checked against the journey files),
the customer tokens (a staff token never passes), masking on screen, and the what-to-bring excerpts."""

from __future__ import annotations

import time

import jwt
import pytest

from assistant.auth.tokens import AccessTokens
from assistant.journeys import load_flows
from assistant.mobile.documents import WhatToBring, excerpt
from assistant.mobile.forms import mask_name, tail
from assistant.mobile.options import check_preparable, mobile_options
from assistant.mobile.tokens import CustomerTokens, InvalidCustomerToken
from knowledge.config import KnowledgeOptions

pytestmark = pytest.mark.unit

SECRET = "unit-test-secret"


def test_the_shipped_preparable_journeys_identify_by_qr():
    options = mobile_options()
    flows = load_flows()
    check_preparable(options, flows)
    assert "transfer" in options.prepare
    with pytest.raises(ValueError, match="cannot identify by QR"):
        check_preparable(options.__class__(**{**options.__dict__, "prepare": ("card_loss",)}), flows)
    with pytest.raises(ValueError, match="unknown journey"):
        check_preparable(options.__class__(**{**options.__dict__, "prepare": ("no_such_flow",)}), flows)


def test_a_customer_token_names_its_customer_and_nothing_else_passes():
    tokens = CustomerTokens(SECRET, ttl_s=60)
    assert tokens.customer(tokens.issue("C1001")) == "C1001"
    staff = AccessTokens(SECRET).issue("teller1", "teller", 60)
    with pytest.raises(InvalidCustomerToken):
        tokens.customer(staff)  # signed for another purpose
    with pytest.raises(InvalidCustomerToken):
        CustomerTokens("another-secret", 60).customer(tokens.issue("C1001"))
    expired = CustomerTokens(SECRET, ttl_s=-60).issue("C1001")
    with pytest.raises(InvalidCustomerToken):
        tokens.customer(expired)
    forged = jwt.encode(
        {
            "iss": "lobby-mobile",
            "sub": "C1002",
            "typ": "customer",
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
        },
        "a-guessed-key-at-least-thirty-two-bytes",
        algorithm="HS256",
    )
    with pytest.raises(InvalidCustomerToken):
        tokens.customer(forged)


def test_personal_data_is_masked_on_screen():
    assert mask_name("刘洋") == "刘*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert tail("6222 0202 0011 2233 445") == "****3445"
    assert tail("123") == "****"


def test_what_to_bring_quotes_the_lines_about_the_business():
    text = "## 按业务准备\n- 开户：身份证。\n- 个人养老金账户：身份证和本人一类借记卡。\n- 外币兑换：护照。"
    assert excerpt(text, "一类借记卡 个人养老金账户") == "- 个人养老金账户：身份证和本人一类借记卡。"
    assert excerpt(text, "nothing matches") == "- 开户：身份证。\n- 个人养老金账户：身份证和本人一类借记卡。"
    bring = WhatToBring(mobile_options().documents, KnowledgeOptions())
    cash = bring.for_business("cash")
    assert [d["doc_id"] for d in cash["zh"]] == ["large-cash-booking", "what-to-bring"]
    assert "大额取现" in cash["zh"][1]["excerpt"] and "银行卡" in cash["zh"][1]["excerpt"]
    assert cash["en"][0]["doc_id"] == "large-cash-booking-en"  # the English version where the content has one
    assert bring.for_business("no_such_business") == bring.for_business("general")


def test_spoken_refusals_read_as_written_on_the_phone():
    spoken = {
        "zh": "转出账户的余额为8,500.00元，不足以转出15,000.00元。请说一个不超过余额的金额。",
        "en": "The balance is 8,500.00 yuan. Please say an amount within the balance.",
    }
    written = mobile_options().as_written(spoken)
    assert written["zh"] == "转出账户的余额为8,500.00元，不足以转出15,000.00元。请填写一个不超过余额的金额。"
    assert written["en"] == "The balance is 8,500.00 yuan. Please enter an amount within the balance."
