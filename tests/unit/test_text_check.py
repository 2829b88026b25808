"""The customer-visible text check finds what it targets (replies as today's journeys produced them
before the customer-facing rendering) and passes clean replies (assistant/conversation/text_check.py)."""

from __future__ import annotations

import pytest

from assistant.conversation.text_check import check_reply

pytestmark = pytest.mark.unit

CUSTOMER = {"name": "陈静", "name_en": "Chen Jing", "gender": "F"}

# Replies as the kiosk received them before (abridged from the dialogue and risk evaluation sets).
RAW_FORM = {
    "text": "请核对：向张伟转账80000.00元。",
    "language": "zh",
    "cards": [
        {
            "type": "form",
            "title": "转账信息",
            "data": {"fields": {"from_account": "A1002", "payee_account": "6222020200998877665"}, "asking": "amount"},
        },
        {"type": "citations", "title": "依据", "data": {"items": [{"doc_id": "transfer-fees", "title": "转账"}]}},
    ],
}
RAW_VISIT = {
    "text": "陈静，您好，已确认您的身份。您的个人消费贷款申请还缺收入证明。",
    "language": "zh",
    "cards": [
        {"type": "lead", "title": "待补材料", "data": {"application": "L4001", "missing": ["income_certificate"]}},
        {"type": "receipt", "title": "挂失补卡凭条", "data": {"lines": ["卡片状态 Card status: lost"]}},
        {"type": "device", "title": "新卡领取", "data": {"card_id": "K-301f1ba3240942a3b575"}},
    ],
    "citations": [{"doc_id": "faq-pension-cap-en", "title": "Personal pension contribution cap"}],
}


def kinds(reply: dict, customer: dict | None = None) -> set[tuple[str, str]]:
    found = check_reply("visit", 1, reply, customer, documents={"faq-pension-cap", "faq-pension-cap-en"})
    return {(f.where.split(".")[0], f.kind) for f in found}


def test_it_finds_internal_values_on_screen() -> None:
    found = kinds(RAW_FORM)
    assert ("card:form", "internal_id") in found  # A1002
    assert ("card:form", "unmasked_number") in found  # the payee's whole account number
    assert ("text", "raw_amount") in found  # 80000.00
    assert ("card:citations", "label_twice") in found
    found = kinds(RAW_VISIT, CUSTOMER)
    assert {("card:lead", "internal_id"), ("card:lead", "raw_code"), ("card:device", "internal_id")} <= found
    assert ("card:receipt", "other_language") in found  # "Card status" on a Chinese screen
    assert ("citation", "citation_language") in found  # the English FAQ where a Chinese one exists


def test_it_finds_what_must_not_be_said_aloud() -> None:
    found = kinds(RAW_VISIT, CUSTOMER)
    assert ("speech", "name_spoken") in found
    assert ("speech", "detail_spoken") in found  # 收入证明, the label of the lead card's code
    said = {"text": "好的", "speech": "手机13911260451，证件110105198103150319", "language": "zh"}
    assert {("speech", "number_spoken"), ("speech", "id_spoken")} <= kinds(said)


def test_it_finds_the_other_language() -> None:
    assert ("text", "other_language") in kinds({"text": "收款账户不存在 (no such account at this bank)"})
    assert ("text", "other_language") in kinds({"text": "Hello 张伟", "language": "en"})


def test_clean_replies_pass() -> None:
    clean = {
        "text": "陈静，您好。请核对：向张伟转账80,000.00元。",
        "speech": "陈女士，您好。您有一笔申请还需补充材料，详情请看屏幕。请核对：向张伟转账80,000.00元。",
        "language": "zh",
        "citations": [{"doc_id": "faq-pension-cap", "title": "个人养老金每年存多少"}],
        "cards": [
            {
                "type": "form",
                "title": "转账信息",
                "data": {"fields": {"from_account": "账户（尾号2002）"}, "asking": "amount"},
            },
            {"type": "lead", "title": "待补材料", "data": {"missing": ["收入证明"]}},
            {"type": "receipt", "title": "转账回单", "data": {"lines": ["流水号：trf-87059224fa81"]}},
            {"type": "ticket", "title": "排队号", "data": {"number": "A017", "branch_id": "BJ001", "waiting_ahead": 6}},
            {"type": "citations", "title": None, "data": {"items": [{"doc_id": "faq-pension-cap", "title": "存多少"}]}},
        ],
    }
    assert check_reply("visit", 1, clean, CUSTOMER, documents={"faq-pension-cap", "faq-pension-cap-en"}) == []
