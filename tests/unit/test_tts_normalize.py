"""Text normalisation for speech: what the customer hears for amounts, dates, codes and acronyms."""

from __future__ import annotations

import pytest

from speech.tts.normalize import amount_zh, digits_zh, normalize, number_zh
from speech.tts.segment import Run, language_runs, split_sentences

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # amounts
        ("¥5,000.00", "五千元"),
        ("￥5000", "五千元"),
        ("转账12,500元", "转账一万两千五百元"),
        ("22000元", "两万两千元"),
        ("2元", "两元"),
        ("工本费5元", "工本费五元"),
        ("12.35元", "十二元三角五分"),
        ("0.05元", "五分"),
        ("100.50元", "一百元五角"),
        ("单笔50万元", "单笔五十万元"),
        ("USD 50,000", "五万美元"),
        ("¥1,000,000", "一百万元"),
        # dates
        ("2026-11-24到期", "二零二六年十一月二十四日到期"),
        ("2026/6/1", "二零二六年六月一日"),
        ("2026年6月1日起", "二零二六年六月一日起"),
        ("11月24日", "十一月二十四日"),
        ("2026年", "二零二六年"),
        # times
        ("10:30开门", "十点半开门"),
        ("09:00", "九点"),
        ("17:15", "十七点十五分"),
        ("08:05", "八点零五分"),
        ("营业时间09:00-17:00", "营业时间九点至十七点"),
        ("周末9:30~16:00", "周末九点半至十六点"),
        # percentages
        ("利率1.35%", "利率百分之一点三五"),
        ("0.02%", "百分之零点零二"),
        ("活期0.10%", "活期百分之零点一零"),
        ("1.05%-1.80%", "百分之一点零五至百分之一点八零"),  # rates keep their printed digits
        # masked numbers and tails
        ("卡号6222 **** **** 1234", "卡号尾号一二三四"),
        ("622202******1234", "尾号一二三四"),
        ("6222 ×××× 5678", "尾号五六七八"),
        ("尾号1234的卡", "尾号一二三四的卡"),
        # phone numbers digit by digit
        ("请拨打955990", "请拨打九五五九九零"),
        ("手机13812345678", "手机幺三八幺二三四五六七八"),
        ("电话010-12345678", "电话零幺零幺二三四五六七八"),
        ("400-123-4567", "四零零幺二三四五六七"),
        # codes and quantities
        ("账号6222021234567890", "账号六二二二零二一二三四五六七八九零"),
        ("网点BJ001", "网点BJ零零一"),
        ("第2个", "第二个"),
        ("3-5年", "三至五年"),
        ("1年期", "一年期"),
        ("R2级产品", "R二级产品"),
        # acronyms for a voice that cannot spell
        ("ATM机取款", "自动取款机取款"),
        ("在ATM取款", "在自动取款机取款"),
        ("VIP客户", "贵宾客户"),
        ("下载APP", "下载应用"),
        ("办理ETC", "办理E T C"),
        ("输入PIN", "输入密码"),
        # nothing to do
        ("您好，欢迎光临示范银行。", "您好，欢迎光临示范银行。"),
        ("", ""),
    ],
)
def test_chinese_normalisation(text: str, spoken: str) -> None:
    assert normalize(text, "zh") == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Card 6222 **** **** 1234", "Card ending in 1 2 3 4"),
        ("Due 2026-11-24.", "Due November 24, 2026."),
        ("A fee of ¥5", "A fee of 5 yuan"),
        ("Up to 500,000元", "Up to 500,000 yuan"),
        ("USD 50,000 a year", "50,000 US dollars a year"),
        ("Use the ATM", "Use the A T M"),
        ("Call 955990", "Call 9 5 5 9 9 0"),
    ],
)
def test_english_normalisation(text: str, spoken: str) -> None:
    assert normalize(text, "en") == spoken


def test_latin_ok_keeps_acronyms_for_engines_that_read_them() -> None:
    assert normalize("请到ATM办理", "zh", latin_ok=True) == "请到ATM办理"


def test_numbers() -> None:
    assert number_zh("12,500") == "一万两千五百"
    assert number_zh("1.35") == "一点三五"
    assert number_zh("007") == "零零七"
    assert number_zh("200000") == "二十万"
    assert amount_zh("5,000.00") == "五千元"
    assert amount_zh("0") == "零元"
    assert digits_zh("1234") == "一二三四"
    assert digits_zh("110", phone=True) == "幺幺零"


def test_normalised_text_keeps_no_digits() -> None:
    text = "您于2026-11-24 10:30向尾号5678的账户转账¥12,500.00，手续费0.02%，最低2元，详询955990。"
    spoken = normalize(text)
    assert not any(c.isdigit() for c in spoken), spoken
    assert spoken.startswith("您于二零二六年十一月二十四日十点半向尾号五六七八")


def test_sentence_split_keeps_first_piece_short() -> None:
    text = "您好，欢迎光临示范银行北京朝阳支行，请问您今天需要办理什么业务？我可以帮您取号。Thank you. Bye!"
    pieces = split_sentences(text, first_max=20)
    assert pieces[0] == "您好，欢迎光临示范银行北京朝阳支行，"
    assert pieces[1:] == ["请问您今天需要办理什么业务？", "我可以帮您取号。", "Thank you.", "Bye!"]
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_sentence_split_edge_cases() -> None:
    assert split_sentences("") == []
    assert split_sentences("  。 ") == ["。"]
    long_clause = "一" * 50
    assert split_sentences(long_clause, first_max=20) == [long_clause]  # no boundary: kept whole
    assert split_sentences("利率为1.35%。") == ["利率为1.35%。"]  # a decimal point is not a sentence end


def test_language_runs_split_mixed_text() -> None:
    assert language_runs("请打开手机银行APP，点击确认。") == [
        Run("zh", "请打开手机银行"),
        Run("en", "APP，"),
        Run("zh", "点击确认。"),
    ]
    assert language_runs("Welcome to Demo Bank, 示范银行.", "en") == [
        Run("en", "Welcome to Demo Bank,"),
        Run("zh", "示范银行."),
    ]
    assert language_runs("您好") == [Run("zh", "您好")]
    assert language_runs("，。") == []
