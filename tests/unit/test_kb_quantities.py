"""Durations named in questions and passages, and when a passage disagrees with the question."""

import pytest

from knowledge.quantities import disagrees, durations

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("三年定期的年利率是多少", {(3.0, "year")}),
        ("两年期利率", {(2.0, "year")}),
        ("存6个月和1年有什么区别", {(6.0, "month"), (1.0, "year")}),
        ("示范安享90天理财", {(90.0, "day")}),
        ("2026年6月1日起执行", set()),  # a date, not a duration
        ("今天营业到几点", set()),
    ],
)
def test_durations(text, expected):
    assert durations(text) == expected


def test_a_passage_about_another_term_disagrees():
    three_years = durations("三年定期利率多少")
    assert disagrees(three_years, "一年期定期存款年利率1.35%（2026年6月1日起执行）。")
    assert not disagrees(three_years, "定期年利率：3个月1.05%、1年1.35%、3年1.75%。")
    assert not disagrees(three_years, "定期存款50元起存。")  # names no term at all
    assert not disagrees(durations("定期利率多少"), "一年期定期存款年利率1.35%。")  # the question names none
