"""Names masked like numbers: the rule (张*, 李*英, Latin initials) and a session's known names in text and data."""

from __future__ import annotations

import pytest

from integrations.pii_names import NameMasker, is_plausible_name, mask_name, names_in

pytestmark = pytest.mark.unit

PHONE = "13911260451"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("李秀英", "李*英"),
        ("欧阳娜娜", "欧**娜"),
        ("伟", "*"),
        ("Zhang Wei", "Z**** W**"),
        ("Li Xiuying", "L* X******"),  # the bank's own form for a payee's holder
        ("*秀英", "**英"),  # the bank's masked form, masked again: beside 李*英 it no longer spells the name
    ],
)
def test_the_masking_rule(name: str, masked: str):
    assert mask_name(name) == masked


def test_only_plausible_names_are_masked_in_free_text():
    assert is_plausible_name("张伟") and is_plausible_name("Zhang Wei")
    for value in ("伟", "Li", "*秀英", "1101050001002002", "", "x" * 41):
        assert not is_plausible_name(value), value


def test_known_names_are_masked_in_text_with_their_numbers():
    masker = NameMasker(["张伟", "李秀英", "Zhang Wei"])
    assert masker.text(f"张伟，您好，您的手机号{PHONE}") == "张*，您好，您的手机号139****0451"
    assert masker.text("请核对：向李秀英转账500.00元") == "请核对：向李*英转账500.00元"
    assert masker.text("户名 *秀英 与您输入的不一致") == "户名 **英 与您输入的不一致"
    assert masker.text("Hello ZHANG  wei, welcome") == "Hello Z**** w**, welcome"
    assert masker.text("zhangweiming") == "zhangweiming"  # whole words only for Latin names


def test_data_masks_name_keys_whole_and_name_only_in_a_persons_record():
    masker = NameMasker(["李秀英"])
    call = {
        "operation": "transfer",
        "arguments": {"to_name": "王小明", "to_account_number": "1101050001002002", "note": "给李秀英"},
        "result": {"holder_name_masked": "*秀英"},
        "journey": {"name": "transfer"},
    }
    masked = masker.data(call)
    assert masked["arguments"] == {"to_name": "王*明", "to_account_number": "************2002", "note": "给李*英"}
    assert masked["result"] == {"holder_name_masked": "**英"}
    assert masked["journey"] == {"name": "transfer"}  # not a person: `name` names the journey
    customer = {"customer_id": "C1001", "name": "张伟", "name_en": "Zhang Wei", "phone": PHONE}
    assert masker.data(customer) == {
        "customer_id": "C1001",
        "name": "张*",
        "name_en": "Z**** W**",
        "phone": "139****0451",
    }
    assert masker.data({"name": "张伟"}, person=True) == {"name": "张*"}


def test_names_in_finds_customers_and_payees_but_not_journeys_or_branches():
    data = [
        {"payee": "李秀英"},
        {"result": {"customer_id": "C1001", "name": "张伟", "name_en": "Zhang Wei"}},
        {"arguments": {"counterparty_name": "王小明"}},
        {"name": "transfer", "branch": {"name": "示范银行北京朝阳支行"}},
    ]
    assert names_in(data) == {"李秀英", "张伟", "Zhang Wei", "王小明"}
