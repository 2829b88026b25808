"""Slot extraction: amounts, dates and times, identifiers, payees, currencies, terms, products."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from assistant.nlu.slots import (
    extract_slots,
    find_amounts,
    find_identifiers,
    find_payee,
    find_terms,
    find_when,
    id_check_char,
    id_problem,
    luhn_ok,
)
from assistant.nlu.slots.numbers import parse_english_number, spell_out_digits
from assistant.nlu.text import normalize

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 24, 10, 0)  # a Tuesday morning
VALID_ID = "11010519491231002X"  # the example number of GB 11643-1999


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("五千块", 5000, "CNY"),
        ("一万二", 12000, None),
        ("两千五百元", 2500, "CNY"),
        ("两千五", 2500, None),
        ("3k", 3000, None),
        ("¥5,000", 5000, "CNY"),
        ("￥5,000", 5000, "CNY"),
        ("5万", 50000, None),
        ("五万块钱", 50000, "CNY"),
        ("1.5万", 15000, None),
        ("2万5", 25000, None),
        ("一块五", Decimal("1.5"), "CNY"),
        ("five thousand yuan", 5000, "CNY"),
        ("2 thousand dollars", 2000, "USD"),
        ("a hundred euros", 100, "EUR"),
        ("US$200", 200, "USD"),
        ("500 USD", 500, "USD"),
        ("换1000美元", 1000, "USD"),
        ("五千美金", 5000, "USD"),
        ("1000港币", 1000, "HKD"),
        ("我要存5000", 5000, None),
        ("transfer 2,500 yuan to Li", 2500, "CNY"),
        ("I want to withdraw 100k", 100000, None),
        ("send twenty thousand to my mom", 20000, None),
        ("５０００元", 5000, "CNY"),  # full-width digits
        ("五千塊", 5000, "CNY"),  # Traditional 塊
    ],
)
def test_amounts_in_every_form(text: str, value: int | Decimal, currency: str | None) -> None:
    found = find_amounts(normalize(text))
    assert len(found) == 1, found
    assert found[0].value == Decimal(value)
    assert found[0].currency == currency


@pytest.mark.parametrize(
    "text",
    [
        "取3次",  # a count
        "十二点",  # a time
        "存三个月",  # a term
        "两三千",  # a rough range: ask, don't guess
        "一百多块",  # "a hundred and something"
        "取一下钱",  # 一 as a quantity word
        "我今年65岁",  # an age
        "I have 3 cards",  # no money word, no verb
    ],
)
def test_numbers_that_are_not_amounts(text: str) -> None:
    assert find_amounts(normalize(text)) == []


def test_amount_after_a_name_ending_in_a_numeral() -> None:
    # 张三五千: the numeral run is 三五千, but the amount is 五千 and the payee 张三.
    slots = extract_slots("转给张三五千块", now=NOW)
    assert slots["amount"]["value"] == 5000
    assert slots["payee"] == "张三"


def test_several_amounts_are_all_reported_in_order() -> None:
    slots = extract_slots("先转五千，再存一万二", now=NOW)
    assert slots["amount"]["value"] == 5000
    assert [a["value"] for a in slots["amounts"]] == [5000, 12000]


def test_english_number_words() -> None:
    assert parse_english_number("twenty-five hundred") == 2500
    assert parse_english_number("one hundred and five") == 105
    assert parse_english_number("1.5 million") == 1_500_000
    assert parse_english_number("banana") is None


@pytest.mark.parametrize(
    ("text", "day", "clock"),
    [
        ("明天下午三点", date(2026, 11, 25), time(15, 0)),
        ("下周一", date(2026, 11, 30), None),
        ("后天上午十点", date(2026, 11, 26), time(10, 0)),
        ("11月30日", date(2026, 11, 30), None),
        ("12月3号下午2点半", date(2026, 12, 3), time(14, 30)),
        ("大后天", date(2026, 11, 27), None),
        ("周五", date(2026, 11, 27), None),
        ("这周一", date(2026, 11, 23), None),
        ("下下周三", date(2026, 12, 9), None),
        ("三天后", date(2026, 11, 27), None),
        ("下个月5号", date(2026, 12, 5), None),
        ("1月5日", date(2027, 1, 5), None),  # passed this year -> next year
        ("2026年12月1日上午9:30", date(2026, 12, 1), time(9, 30)),
        ("明天中午12点", date(2026, 11, 25), time(12, 0)),
        ("明天晚上七点一刻", date(2026, 11, 25), time(19, 15)),
        ("三点", date(2026, 11, 24), time(15, 0)),  # bare 1-7 o'clock = afternoon
        ("九点", date(2026, 11, 25), time(9, 0)),  # passed today -> tomorrow
        ("明天下午三點", date(2026, 11, 25), time(15, 0)),  # Traditional
        ("next Monday", date(2026, 11, 30), None),
        ("next Monday at 3pm", date(2026, 11, 30), time(15, 0)),
        ("tomorrow afternoon at 3", date(2026, 11, 25), time(15, 0)),
        ("the day after tomorrow 10am", date(2026, 11, 26), time(10, 0)),
        ("on December 3rd at 10:30 am", date(2026, 12, 3), time(10, 30)),
        ("in 3 days", date(2026, 11, 27), None),
    ],
)
def test_dates_and_times_relative_to_now(text: str, day: date, clock: time | None) -> None:
    when = find_when(normalize(text), NOW)
    assert when is not None
    assert when.date == day
    assert when.time == clock


@pytest.mark.parametrize("text", ["我是三号窗口", "I want 5000", "存三个月", "2月30日"])
def test_not_dates(text: str) -> None:
    assert extract_slots(text, now=NOW).get("datetime") is None


def test_datetime_slot_shape() -> None:
    slots = extract_slots("明天下午三点来取五万", now=NOW)
    assert slots["datetime"] == {
        "date": "2026-11-25",
        "time": "15:00",
        "datetime": "2026-11-25T15:00:00",
        "period": "afternoon",
        "text": "明天下午三点",
    }
    assert slots["amount"]["value"] == 50000


def test_id_check_digit_per_gb11643() -> None:
    assert id_check_char(VALID_ID[:17]) == "X"
    assert id_problem(VALID_ID) is None
    assert id_problem(VALID_ID.lower()) is None


@pytest.mark.parametrize("bad", ["110105194912310021", "110105194912310029", "11010519491231002Y"[:17] + "5"])
def test_id_with_a_wrong_check_digit_is_rejected(bad: str) -> None:
    assert id_problem(bad) == "bad_check_digit"
    slots = extract_slots(f"身份证号{bad}", now=NOW)
    assert "id_number" not in slots
    assert slots["errors"] == [{"slot": "id_number", "reason": "bad_check_digit", "text": bad}]


def test_id_with_an_impossible_birth_date_is_rejected() -> None:
    first17 = "11010519491331002"  # month 13
    number = first17 + id_check_char(first17)
    assert id_problem(number) == "bad_birth_date"


def test_valid_id_is_extracted_and_not_read_as_anything_else() -> None:
    slots = extract_slots(f"我的身份证是{VALID_ID}，转五千", now=NOW)
    assert slots["id_number"] == VALID_ID
    assert slots["amount"]["value"] == 5000
    assert "phone" not in slots and "datetime" not in slots


@pytest.mark.parametrize(
    "text",
    ["我的手机号是13812345678", "手机 138 1234 5678", "电话138-1234-5678", "+86 13812345678", "幺三八一二三四五六七八"],
)
def test_mobile_numbers(text: str) -> None:
    assert extract_slots(text, now=NOW)["phone"] == "13812345678"


def test_not_a_mobile_number() -> None:
    assert "phone" not in extract_slots("12812345678", now=NOW)  # no 12x mobile prefix
    assert "phone" not in extract_slots("138123456789", now=NOW)  # 12 digits


@pytest.mark.parametrize(
    "text",
    [
        "尾号1234的卡",
        "卡号后四位是1234",
        "尾号一二三四",
        "the card ending in 1234",
        "last four digits are 1234",
        "the one ending 1234",
        "it ends with 1234",
    ],
)
def test_card_tails(text: str) -> None:
    assert extract_slots(text, now=NOW)["card_tail"] == "1234"


def test_ending_inside_a_word_is_not_a_card_tail() -> None:
    slots = extract_slots("spending 2000 yuan", now=NOW)
    assert "card_tail" not in slots and slots["amount"]["value"] == 2000


def test_full_card_number_gives_number_and_tail() -> None:
    slots = extract_slots("卡号6222 0212 3456 7890 128", now=NOW)
    assert luhn_ok("6222021234567890128")
    assert slots["card_number"] == "6222021234567890128"
    assert slots["card_tail"] == "0128"


def test_card_number_failing_luhn_is_an_error_not_a_value() -> None:
    slots = extract_slots("卡号6222021234567890", now=NOW)
    assert "card_number" not in slots
    assert slots["errors"][0]["slot"] == "card_number"


def test_spelled_digits_keep_their_length() -> None:
    assert spell_out_digits("尾号幺二三四") == "尾号1234"
    assert spell_out_digits("三五天") == "三五天"  # too short to be spelled digits


@pytest.mark.parametrize(
    ("text", "payee"),
    [
        ("转给张三五千", "张三"),
        ("转五千给张三", "张三"),
        ("转账五千块给李四吧", "李四"),
        ("帮我给我妈刘芳转一万块", "刘芳"),  # the relation is kept apart: payee_relation "mother"
        ("收款人李四，两千五百元", "李四"),
        ("转账给欧阳娜娜一万", "欧阳娜娜"),
        ("收款人是王芳", "王芳"),
        ("給張三轉帳五千塊", "张三"),
        ("transfer 5000 yuan to Zhang San", "Zhang San"),
        ("pay Wang Fang 3000", "Wang Fang"),
        ("the payee is Li Si", "Li Si"),
    ],
)
def test_payees(text: str, payee: str) -> None:
    assert extract_slots(text, now=NOW)["payee"] == payee


@pytest.mark.parametrize("text", ["转到我的另一张卡", "给我看看余额", "transfer money to this account"])
def test_not_payees(text: str) -> None:
    assert find_payee(normalize(text)) is None


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("我要换美元", "USD"),
        ("换点欧元", "EUR"),
        ("日元汇率", "JPY"),
        ("港币", "HKD"),
        ("英镑", "GBP"),
        ("buy some USD", "USD"),
    ],
)
def test_currencies(text: str, currency: str) -> None:
    assert extract_slots(text, now=NOW)["currency"] == currency


def test_currency_pair_lists_both_foreign_first() -> None:
    slots = extract_slots("把港币换成人民币", now=NOW)
    assert slots["currency"] == "HKD"
    assert slots["currencies"] == ["HKD", "CNY"]


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("三个月", 3),
        ("一年", 12),
        ("3年", 36),
        ("半年", 6),
        ("五年期", 60),
        ("6个月", 6),
        ("1-year", 12),
        ("3 months", 3),
    ],
)
def test_terms(text: str, months: int) -> None:
    terms = find_terms(normalize(text))
    assert [t.months for t in terms] == [months]


def test_calendar_years_are_not_terms() -> None:
    assert find_terms("2026年11月30日") == []


@pytest.mark.parametrize(
    ("text", "product_id", "risk"),
    [
        ("我想买稳盈货币基金", "wenying-r1-money-fund", "R1"),
        ("安享九十天理财怎么样", "anxiang-90d", "R2"),
        ("债券精选", "bond-select", "R3"),
        ("I want the tech growth fund", "tech-growth-equity", "R5"),
        ("买点均衡混合", "balanced-mixed", "R4"),
        ("我想买稳赢货币基金", "wenying-r1-money-fund", "R1"),  # ASR homophone 稳赢
    ],
)
def test_products(text: str, product_id: str, risk: str) -> None:
    product = extract_slots(text, now=NOW)["product"]
    assert product["id"] == product_id
    assert product["risk_level"] == risk


def test_identifiers_do_not_overlap() -> None:
    found = find_identifiers(f"{VALID_ID} 13812345678 尾号5678")
    assert [f.kind for f in found] == ["id_number", "phone", "card_tail"]


def test_empty_and_noise_give_no_slots() -> None:
    assert extract_slots("", now=NOW) == {}
    assert extract_slots("😀😀 <script>alert(1)</script>", now=NOW) == {}


def test_rough_range_versus_a_name_ending_in_a_digit() -> None:
    assert "amount" not in extract_slots("转四五千", now=NOW)  # "four or five thousand": ask
    slots = extract_slots("给李四五千", now=NOW)  # 李四 + 五千
    assert slots["amount"]["value"] == 5000


def test_very_long_text_is_bounded() -> None:
    slots = extract_slots("转五千给张三。" * 200_000, now=NOW)  # 1.4 M characters
    assert slots["amount"]["value"] == 5000
    assert slots["payee"] == "张三"


@pytest.mark.parametrize(
    ("text", "period"), [("取款5万，明天上午", "morning"), ("下周一下午", "afternoon"), ("tomorrow morning", "morning")]
)
def test_part_of_day_without_a_clock_time(text: str, period: str) -> None:
    slot = extract_slots(text, now=NOW)["datetime"]
    assert slot["time"] is None
    assert slot["period"] == period


def test_product_alias_with_digits() -> None:
    assert extract_slots("我要买10万的安享90天", now=NOW)["product"]["id"] == "anxiang-90d"
    assert extract_slots("示范稳盈R1货币基金", now=NOW)["product"]["risk_level"] == "R1"


@pytest.mark.parametrize(
    ("text", "payee"),
    [("收款人说错了，是李秀英", "李秀英"), ("名字不对，应该是王芳", "王芳"), ("错了是三千", None)],
)
def test_a_corrected_payee_is_the_new_name(text, payee):
    found = extract_slots(text).get("payee")
    assert (found["name"] if isinstance(found, dict) else found) == payee


@pytest.mark.parametrize(
    ("text", "value"),
    [("美元现在多少钱一块？我想换三千美元给孩子留学用", 3000), ("一美元能换多少人民币", None), ("转一块钱试试", 1)],
)
def test_the_unit_of_a_rate_question_is_not_an_amount(text: str, value: int | None) -> None:
    """ "多少钱一块" asks a price: the purchase is the other amount (a usability run bought 1.00 USD)."""
    assert (extract_slots(text).get("amount") or {}).get("value") == value
