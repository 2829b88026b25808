"""The fraud-script detector and the rules file: every scam kind heard in Chinese and English, benign
look-alikes left alone, and a rules file that validates what a reviewer may get wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.risk.detector import FraudScriptDetector, prepare
from assistant.risk.rules import MESSAGES_FILE, RULES_FILE, load_rules, message

pytestmark = pytest.mark.unit

SCRIPTS = [
    ("公安局的人打电话说我涉嫌洗钱，让我把钱转到安全账户", {"safe_account", "police_impersonation"}),
    ("法院通知我有传票，要冻结我的账户", {"police_impersonation"}),
    ("刚才有人让我把手机收到的验证码告诉他", {"verification_code"}),
    ("网店客服说我买的东西有质量问题要给我退款", {"refund_customer_service"}),
    ("我在网上做刷单兼职，要先垫付才能返佣金", {"order_brushing"}),
    ("我在一个炒股群里，导师推荐了一个平台", {"investment_group"}),
    ("网上贷款说要先交一万块保证金才能放款", {"loan_deposit_first"}),
    ("他还在电话里等着我，让我快点转", {"phone_stranger"}),
    ("客服让我开了屏幕共享", {"screen_sharing"}),
    ("我孙子出车祸了急需用钱", {"relative_emergency"}),
    ("The police called and said I must move my savings to a safe account", {"safe_account", "police_impersonation"}),
    ("The man on the phone asked for the verification code", {"verification_code", "phone_stranger"}),
    ("Customer service said they will refund my lost parcel", {"refund_customer_service"}),
    ("My mentor in an investment group recommended a crypto platform", {"investment_group"}),
    ("I need to pay an insurance fee first before they release the loan", {"loan_deposit_first"}),
    ("he is still on the phone and told me not to hang up", {"phone_stranger"}),
    ("they want remote access to my computer", {"screen_sharing"}),
    ("My grandson was arrested and urgently needs money", {"relative_emergency"}),
]

BENIGN = [
    "我要转账",
    "查一下我卡里还有多少钱",
    "手机银行的验证码收不到怎么办",
    "我想申请个人消费贷款，需要准备什么材料",
    "你们银行的客服电话是多少",
    "有没有安全一点、风险低的理财产品",
    "我的银行卡丢了",
    "What are your opening hours on Saturday?",
    "I want to transfer money to my own account",
    "how do I report a lost card",
]


@pytest.fixture(scope="module")
def detector() -> FraudScriptDetector:
    return FraudScriptDetector()


@pytest.mark.parametrize(("text", "patterns"), SCRIPTS)
def test_each_scam_script_is_heard(detector: FraudScriptDetector, text: str, patterns: set[str]) -> None:
    hits = detector.detect(text)
    assert {h.pattern for h in hits} == patterns
    assert all(h.matched and h.matched in prepare(text) for h in hits)  # the words that matched are named


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_business_is_not_a_script(detector: FraudScriptDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_traditional_characters_and_spaces_are_normalised(detector: FraudScriptDetector) -> None:
    assert {h.pattern for h in detector.detect("把錢轉到 安全 帳戶")} == {"safe_account"}


def test_relation_of_the_payee(detector: FraudScriptDetector) -> None:
    assert detector.relation("我要转到我自己的另一张卡") == "self"
    assert detector.relation("收款人是我儿子张伟") == "relative"
    assert detector.relation("I want to send money to my daughter") == "relative"
    assert detector.relation("收款人王磊") is None


def test_every_shipped_pattern_has_both_languages_and_is_tested() -> None:
    rules = load_rules()
    tested = set().union(*(p for _t, p in SCRIPTS))
    assert set(rules.patterns) == tested
    for name, pattern in rules.patterns.items():
        assert pattern.zh and pattern.en, name
        assert pattern.name.zh and pattern.name.en and pattern.advice.zh and pattern.advice.en


def test_rules_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "rules.yaml"
    broken.write_text(RULES_FILE.read_text(encoding="utf-8").replace("warn: 0.45", "warn: 0.95"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"(?s)rules\.yaml.*thresholds must rise"):
        load_rules(broken)
    bad_regex = tmp_path / "regex.yaml"
    bad_regex.write_text(RULES_FILE.read_text(encoding="utf-8").replace("- 刷单\n", "- 刷单(\n"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"regex\.yaml"):
        load_rules(bad_regex)


def test_spoken_messages_state_no_numbers_and_escape_values() -> None:
    """Every number a customer hears must come from a source, so warnings carry none."""
    text = MESSAGES_FILE.read_text(encoding="utf-8")
    assert not re.search(r"\d", text)
    assert "&lt;b&gt;" in message("warn_context", "zh", reason="<b>")
