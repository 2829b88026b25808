"""Property tests of the one personal-data library (`integrations.pii`): identifiers generated the way
they exist (valid ID check characters, Luhn cards, mainland mobiles, account numbers, e-mails, passport
numbers), written the way people write them (grouped with spaces or hyphens, full-width separators) and
embedded in Chinese and English text. None may survive masking, and what stays visible follows the
bank's rules (ID 3 + 4, phone 3 + 4, card at most 6 + 4, account last 4)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.pii import id_check_digit, is_luhn_valid, is_valid_id_number, luhn_check_digit, mask_data, mask_text

pytestmark = pytest.mark.unit

# Text around an identifier: Chinese, English, punctuation (half- and full-width) but no digits, so
# every digit left in the masked text comes from the identifier.
CONTEXT_CHARS = (
    "您好请帮我转账到这个卡号手机身份证号码是的。，：；！？（）【】、“”the card number is my phone ID:,.;!?()- \n"
)
context = st.text(alphabet=CONTEXT_CHARS, max_size=16)
SEPARATORS = [" ", "-", "\u3000", "－", "—"]  # space, hyphen, ideographic space, full-width hyphen, dash


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110105", "310115", "440305", "510104", "330106", "650102"]))
    birth = draw(st.dates()).strftime("%Y%m%d").rjust(8, "0")
    first17 = f"{region}{birth}{draw(st.integers(0, 999)):03d}"
    check = id_check_digit(first17)
    return first17 + (check.lower() if check == "X" and draw(st.booleans()) else check)


@st.composite
def phones(draw: st.DrawFn) -> str:
    return f"1{draw(st.sampled_from('3456789'))}{draw(st.integers(0, 10**9 - 1)):09d}"


@st.composite
def cards(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([16, 17, 18, 19]))
    head = draw(st.sampled_from(["62", "4", "5", "35"]))
    body = draw(st.text(alphabet="0123456789", min_size=length - len(head) - 1, max_size=length - len(head) - 1))
    partial = head + body
    return partial + luhn_check_digit(partial)


accounts = st.text(alphabet="0123456789", min_size=12, max_size=22)
emails = st.builds(
    lambda user, host, tld: f"{user}@{host}.{tld}",
    st.from_regex(r"[A-Za-z][A-Za-z0-9._+\-]{0,14}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9\-]{0,10}(\.[a-z]{2,6})?", fullmatch=True),
    st.sampled_from(["com", "cn", "com.cn", "net", "org"]),
)
passports = st.builds(
    lambda letters, digits: f"{letters}{digits}",
    st.sampled_from(["E", "G", "D", "P", "S", "K", "EA", "PE"]),
    st.text(alphabet="0123456789", min_size=7, max_size=9),
)
KIND_STRATEGIES = {
    "id_number": id_numbers(),
    "phone": phones(),
    "card": cards(),
    "account": accounts,
    "email": emails,
    "passport": passports,
}
kinds_and_values = st.sampled_from(sorted(KIND_STRATEGIES)).flatmap(
    lambda kind: st.tuples(st.just(kind), KIND_STRATEGIES[kind])
)
# The most digits a masked identifier of each kind may still show.
VISIBLE_DIGITS = {"id_number": 7, "phone": 7, "card": 10, "account": 4, "passport": 2}


def visible(kind: str, value: str) -> int:
    """An account number that passes Luhn (or the ID check) cannot be told from a card (or an ID number):
    it is masked by that rule, which shows more."""
    if kind == "account" and is_valid_id_number(value):
        return VISIBLE_DIGITS["id_number"]
    if kind == "account" and 13 <= len(value) <= 19 and is_luhn_valid(value):
        return VISIBLE_DIGITS["card"]
    return VISIBLE_DIGITS[kind]


def grouped(value: str, separator: str, size: int) -> str:
    return separator.join(value[i : i + size] for i in range(0, len(value), size))


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@settings(max_examples=200, deadline=None)
@given(before=context, item=kinds_and_values, after=context)
def test_no_identifier_survives_in_chinese_or_english_text(before: str, item: tuple[str, str], after: str) -> None:
    kind, value = item
    masked = mask_text(before + value + after)
    assert value not in masked
    if kind == "email":
        local = value.split("@", 1)[0]
        assert len(local) < 2 or f"{local}@" not in masked  # the mailbox keeps only its first letter
    else:
        assert len(_digits(masked)) <= visible(kind, value)


@settings(max_examples=150, deadline=None)
@given(
    before=context,
    kind=st.sampled_from(["id_number", "phone", "card", "account"]),
    data=st.data(),
    separator=st.sampled_from(SEPARATORS),
    size=st.sampled_from([3, 4]),
    after=context,
)
def test_grouped_numbers_do_not_survive(
    before: str, kind: str, data: st.DataObject, separator: str, size: int, after: str
) -> None:
    value = data.draw(KIND_STRATEGIES[kind])
    shown = grouped(value, separator, size)
    masked = mask_text(before + shown + after)
    assert shown not in masked
    assert len(_digits(masked)) <= visible(kind, value)


@settings(max_examples=150, deadline=None)
@given(item=kinds_and_values, key=st.sampled_from(["note", "text", "memo", "说明"]))
def test_no_identifier_survives_in_nested_data(item: tuple[str, str], key: str) -> None:
    _kind, value = item
    masked = mask_data({"turns": [{key: f"客户说：{value}，谢谢 thanks"}], "tuple": (value,), "n": 3})
    assert value not in repr(masked)
    assert masked["n"] == 3


@settings(max_examples=100, deadline=None)
@given(first=kinds_and_values, second=kinds_and_values, middle=context)
def test_two_identifiers_in_one_sentence(first: tuple[str, str], second: tuple[str, str], middle: str) -> None:
    text = f"我的{first[1]}{middle or '，'}还有{second[1]}"
    masked = mask_text(text)
    assert first[1] not in masked and second[1] not in masked


@settings(max_examples=50, deadline=None)
@given(number=id_numbers(), card=cards(), phone=phones())
def test_generators_make_valid_identifiers(number: str, card: str, phone: str) -> None:
    """The strategies themselves are right, so the properties test what they claim."""
    assert is_valid_id_number(number)
    assert is_luhn_valid(card)
    assert re.fullmatch(r"1[3-9]\d{9}", phone)
