"""The fact check every LLM rephrasing must pass: numbers, codes and names from the sources, all kept."""

from __future__ import annotations

import pytest

from assistant.llm.facts import FactChecker, bank_names, codes, numbers, quantities

pytestmark = pytest.mark.unit

CD_ZH = "大额存单20万元起存，三年期年利率1.90%。"
CD_EN = "Large-amount CDs start at 200,000 yuan; the 3-year rate is 1.90%."


@pytest.fixture(scope="module")
def checker() -> FactChecker:
    return FactChecker.with_bank_names()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年利率1.90%", {"1.9"}),
        ("20万元起存", {"20", "200000"}),
        ("200,000 yuan", {"200000"}),
        ("3k", {"3", "3000"}),
        ("存三个月", {"3"}),
        ("百分之一点五", {"1.5"}),
        ("营业时间09:30至17:00", {"9:30", "17:00"}),
        ("风险等级R2的产品", set()),  # a code, not a number
        ("一般来说请到柜台", set()),  # 一 without a unit is a word, not a quantity
    ],
)
def test_numbers_are_read_in_every_written_form(text, expected):
    assert numbers(text) == expected


def test_a_changed_clock_time_is_caught_even_when_its_hour_appears_elsewhere(checker):
    grounded = "Counters open Monday to Friday 09:00-17:00 and at weekends 09:30-16:00."
    swapped = "Sure. Counters open Monday to Friday 16:00-17:00 and at weekends 09:30-16:00."
    assert quantities(grounded)[0] == {"9:00"}
    assert checker.check(swapped, grounded, [grounded], "en").reason == "number_dropped:9:00"
    assert checker.check(grounded.replace("09:", "9:"), grounded, [grounded], "en").ok


def test_codes_are_letter_digit_tokens():
    assert codes("风险等级R2，适合C3及以上客户") == {"R2", "C3"}


def test_bank_names_come_from_the_data_files():
    names = bank_names()
    assert "示范稳盈R1货币基金" in names and "美元" in names


@pytest.mark.parametrize(
    "candidate",
    [
        "大额存单起存金额为20万元，三年期的年利率是1.90%。",
        "大额存单200,000元起存，三年期年利率为1.90%，欢迎办理。",
        "您好，大额存单二十万元起存，三年期年利率1.90%。",
    ],
)
def test_faithful_rephrasings_pass(checker, candidate):
    verdict = checker.check(candidate, CD_ZH, [CD_ZH], "zh")
    assert verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        ("大额存单20万元起存，三年期年利率2.10%。", "number_not_in_sources:2.1"),
        ("大额存单30万元起存，三年期年利率1.90%。", "number_not_in_sources"),
        ("大额存单20万元起存。", "number_dropped:1.9"),
        ("大额存单20万元起存，五年期年利率1.90%。", "number_not_in_sources:5"),
        ("示范科技成长股票20万元起存，三年期年利率1.90%。", "name_not_in_sources:示范科技成长股票"),
        ("大额存单20万元起存，三年期年利率1.90%，风险等级R1。", "code_not_in_sources:R1"),
        ("Large CDs start at 200,000 yuan; 3-year rate 1.90%.", "wrong_language"),
        ("<b>大额存单</b>20万元起存，三年期年利率1.90%。", "markup"),
        ("详见 https://bank.example 大额存单20万元起存，三年期年利率1.90%。", "markup"),
        ("", "empty"),
        ("大额存单20万元起存，三年期年利率1.90%。" * 12, "too_long"),
    ],
)
def test_unfaithful_rephrasings_are_rejected_with_a_reason(checker, candidate, reason):
    verdict = checker.check(candidate, CD_ZH, [CD_ZH], "zh")
    assert not verdict.ok
    assert verdict.reason.startswith(reason), verdict.reason


def test_a_number_from_the_cited_passage_may_be_used(checker):
    grounded = "大额存单三年期年利率1.90%。"
    passage = "大额存单20万元起存，三年期年利率1.90%，可转让。"
    assert checker.check("大额存单三年期年利率1.90%，20万元起存。", grounded, [passage], "zh").ok


def test_english_checks_names_case_insensitively_and_keeps_chinese_out(checker):
    grounded = "The Demo Wenying R1 money market fund has risk level R1."
    assert checker.check("Our demo wenying R1 money market fund is rated R1.", grounded, [grounded], "en").ok
    bad = checker.check("The Demo Bond Select fund is rated R1.", grounded, [grounded], "en")
    assert not bad.ok and bad.reason.startswith(("name_", "code_")), bad.reason
    mixed = checker.check("The 示范 fund is rated R1 (Demo Wenying R1 money market fund).", grounded, [], "en")
    assert mixed.reason.startswith("wrong_language")


def test_a_currency_swap_is_caught(checker):
    grounded = "美元现钞当日可兑换，额度以网点为准。"
    verdict = checker.check("欧元现钞当日可兑换，额度以网点为准。", grounded, [grounded], "zh")
    assert not verdict.ok and verdict.reason.startswith("name_")
