"""What the kiosk screen shows: labels for codes, formatted amounts, masked numbers, one language,
citations labelled once and in the reply's language (assistant/conversation/customer_text.py)."""

from __future__ import annotations

import pytest

from assistant.conversation.citations import DocumentCitations, Passages, in_language
from assistant.conversation.customer_text import (
    finish_reply,
    group_amounts,
    money,
    present_card,
    present_reply,
    same_language,
)
from assistant.conversation.schemas import Card, Citation, Reply

pytestmark = pytest.mark.unit

PROFILE = {
    "name": "张伟",
    "name_en": "Zhang Wei",
    "accounts": [{"id": "A1002", "number": "1101050001002002", "kind": "savings"}],
    "cards": [{"id": "K1001", "number": "6217991001001001018", "kind": "debit"}],
}


def test_amounts_get_thousands_separators_and_the_currency() -> None:
    assert money("80000.00", "zh") == "80,000.00元"
    assert money("80000.00", "en") == "80,000.00 yuan"
    assert money("1000.00", "zh", "EUR") == "1,000.00 EUR"
    assert (
        group_amounts("余额为36800.00元，年利率1.35%，2027-06-07到期")
        == "余额为36,800.00元，年利率1.35%，2027-06-07到期"
    )
    assert group_amounts("已是12,000.00元") == "已是12,000.00元"


def test_a_form_shows_labels_masked_numbers_and_amounts_not_codes() -> None:
    card = Card(
        type="form",
        title="转账信息",
        data={
            "fields": {
                "from_account": "A1002",
                "purpose": "savings",
                "payee_account": "6222020200998877665",
                "amount": "80000.00",
                "loan_term": 36,
                "direction": "buy",
            },
            "asking": "delayed",
        },
    )
    shown = present_card(card, "zh", PROFILE).data
    assert shown["fields"] == {
        "from_account": "账户（尾号2002）",
        "purpose": "储蓄",
        "payee_account": "尾号7665",
        "amount": "80,000.00元",
        "loan_term": "36个月",
        "direction": "购汇",
    }
    assert shown["asking"] == "delayed"  # the page's own key (it labels and names the input with it)
    english = present_card(card, "en", PROFILE).data["fields"]
    assert english["from_account"] == "account ending 2002" and english["amount"] == "80,000.00 yuan"


def test_a_confirmation_is_in_one_language_with_the_phone_masked() -> None:
    card = Card(
        type="confirmation",
        title="请核对开户申请",
        data={
            "fields": [
                {"label": {"zh": "证件类型", "en": "ID type"}, "value": {"zh": "resident_id", "en": "resident_id"}},
                {"label": {"zh": "手机号码", "en": "Mobile"}, "value": {"zh": "13911260451", "en": "13911260451"}},
                {"label": {"zh": "金额", "en": "Amount"}, "value": {"zh": "100000.00元", "en": "100000.00 yuan"}},
            ],
            "disclosures": [{"zh": "请妥善保管银行卡和密码。", "en": "Keep your card and PIN safe."}],
        },
    )
    zh = present_card(card, "zh").data
    assert zh["fields"] == [
        {"label": "证件类型", "value": "居民身份证"},
        {"label": "手机号码", "value": "139****0451"},
        {"label": "金额", "value": "100,000.00元"},
    ]
    assert zh["disclosures"] == ["请妥善保管银行卡和密码。"]
    assert present_card(card, "en").data["fields"][0] == {"label": "ID type", "value": "Resident ID card"}


def test_receipts_leads_tickets_and_devices_carry_no_internal_values() -> None:
    receipt = Card(
        type="receipt",
        title="挂失补卡凭条",
        data={"lines": ["挂失补卡凭条 Card loss receipt", "卡片状态 Card status: lost", "金额 Amount: 80000.00 CNY"]},
    )
    assert present_card(receipt, "zh").data["lines"] == ["挂失补卡凭条", "卡片状态：已挂失", "金额：80,000.00元"]
    assert present_card(receipt, "en").data["lines"] == [
        "Card loss receipt",
        "Card status: Reported lost",
        "Amount: 80,000.00 yuan",
    ]
    lead = Card(type="lead", title="待补材料", data={"application": "L4001", "missing": ["income_certificate"]})
    assert present_card(lead, "zh").data == {"missing": ["收入证明"]}
    ticket = Card(
        type="ticket",
        title="排队号",
        data={"id": "tkt-1", "number": "A017", "branch_id": "BJ001", "customer_id": "C1004", "waiting_ahead": 6},
    )
    assert present_card(ticket, "zh").data == {"number": "A017", "branch_id": "BJ001", "waiting_ahead": 6}
    assert present_card(Card(type="device", title="新卡领取", data={"card_id": "K-301f1ba3"}), "zh").data == {}


def test_citations_are_labelled_once_and_in_the_reply_language() -> None:
    both = [
        Citation(doc_id="faq-consumer-loan-limit", title="消费贷最多能贷多少"),
        Citation(doc_id="faq-consumer-loan-limit-en", title="How much can I borrow"),
        Citation(doc_id="wealth-product-list", title="在售理财与基金产品一览"),  # Chinese only: stays
    ]
    assert [c.doc_id for c in same_language(both, "zh")] == ["faq-consumer-loan-limit", "wealth-product-list"]
    assert [c.doc_id for c in same_language(both, "en")] == ["faq-consumer-loan-limit-en", "wealth-product-list"]
    reply = Reply(text="最高30万元。", citations=both, cards=[Card(type="citations", title="依据", data={"items": []})])
    present_reply(reply)
    assert reply.cards[0].title is None  # the page says "依据：《…》" for each item
    assert [i["doc_id"] for i in reply.cards[0].data["items"]] == ["faq-consumer-loan-limit", "wealth-product-list"]


def test_journey_citations_prefer_the_version_in_the_reply_language() -> None:
    known: Passages = {"faq-pension-cap": [], "faq-pension-cap-en": [], "wealth-product-list": []}
    assert in_language("faq-pension-cap-en", "zh", known) == "faq-pension-cap"
    assert in_language("faq-pension-cap", "en", known) == "faq-pension-cap-en"
    assert in_language("wealth-product-list", "en", known) == "wealth-product-list"
    cited = DocumentCitations().cite(["personal-pension-account", "faq-pension-cap-en"], language="zh")
    assert [c.doc_id for c in cited] == ["personal-pension-account", "faq-pension-cap"]


def test_english_replies_name_the_customer_and_products_in_english() -> None:
    reply = Reply(
        text="Hello 张伟, please confirm buying 示范稳盈R1货币基金 for 5000.00 yuan.",
        language="en",
        cards=[Card(type="receipt", title="Order", data={"lines": ["产品 Product: 示范稳盈R1货币基金 (R1)"]})],
    )
    finish_reply(reply, {"customer": {"name": "张伟", "name_en": "Zhang Wei"}})
    assert reply.text == "Hello Zhang Wei, please confirm buying Demo Wenying R1 money market fund for 5,000.00 yuan."
    assert reply.cards[0].data["lines"] == ["Product: Demo Wenying R1 money market fund (R1)"]
