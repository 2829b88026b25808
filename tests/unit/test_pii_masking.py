"""Personal-data masking: the bank's rules on examples, and properties over generated identifiers."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.pii import (
    MaskingFilter,
    find_pii,
    id_check_digit,
    is_luhn_valid,
    is_valid_id_number,
    luhn_check_digit,
    mask_data,
    mask_text,
    structlog_processor,
)

pytestmark = pytest.mark.unit

ID = "110105198103150319"  # zhang_wei in the sandbox cast
PHONE = "13911260451"
CARD = "6217991001001001018"


def test_id_number_keeps_first_three_and_last_four():
    assert mask_text(f"身份证号{ID}。") == "身份证号110***********0319。"


def test_id_number_with_x_check_character():
    for seq in range(1000):
        candidate = f"110105199003070{seq:02d}"[:17]
        if id_check_digit(candidate) == "X":
            number = candidate + "X"
            break
    assert is_valid_id_number(number) and is_valid_id_number(number.lower())
    assert mask_text(number) == number[:3] + "*" * 11 + number[-4:]


def test_phone_keeps_three_and_four():
    assert mask_text(f"call {PHONE} now") == "call 139****0451 now"
    assert mask_text("139 1126 0451") == "139****0451"


def test_card_keeps_at_most_first_six_and_last_four():
    masked = mask_text(f"卡号 {CARD}")
    assert masked == "卡号 621799*********1018"
    assert mask_text("6217 9910 0100 1001 018") == "621799*********1018"


def test_account_email_and_passport():
    assert mask_text("账户 1101050001001001 余额 100 元") == "账户 ************1001 余额 100 元"
    assert mask_text("mail emily.clark@example.com") == "mail e**********@example.com"
    assert mask_text("passport A31195724") == "passport A******24"


def test_short_numbers_and_amounts_are_left_alone():
    text = "转账 50000 元, 2026-06-01, 1.35%, 955990, BJ001"
    assert mask_text(text) == text


def test_find_pii_names_each_kind():
    kinds = {kind for kind, _ in find_pii(f"{ID} {PHONE} {CARD} e@x.com A31195724 1101050001002002")}
    assert kinds >= {"id_number", "phone", "card", "email", "passport"}


def test_checksums():
    assert is_valid_id_number(ID)
    assert not is_valid_id_number(ID[:-1] + "1")
    assert is_luhn_valid(CARD)
    assert not is_luhn_valid(CARD[:-1] + "9")
    assert luhn_check_digit("7992739871") == "3"  # the textbook example


def test_nested_data_and_sensitive_keys():
    data = {
        "customer": {"id_number": ID, "phone": PHONE, "note": f"card {CARD}"},
        "items": [{"account_number": "12345"}, "mail a.b@example.com"],
        "amount": 100,
        "ok": True,
    }
    masked = mask_data(data)
    assert masked["customer"]["id_number"] == "110***********0319"
    assert masked["customer"]["phone"] == "139****0451"
    assert CARD not in masked["customer"]["note"]
    assert masked["items"][0]["account_number"] == "*****"  # short values under a personal key: all masked
    assert "a.b@" not in masked["items"][1]
    assert masked["amount"] == 100 and masked["ok"] is True
    assert data["customer"]["id_number"] == ID  # the input is not changed


def test_logging_filter_and_structlog_processor():
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "GET /lookup?phone=%s", (PHONE,), None)
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "GET /lookup?phone=139****0451"
    event = structlog_processor(None, "info", {"event": f"id {ID}", "phone": PHONE})
    assert event == {"event": "id 110***********0319", "phone": "139****0451"}


# --- properties: no generated identifier survives masking ------------------------------------


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110105", "310115", "440305", "510104", "330106"]))
    birth = draw(st.dates()).strftime("%Y%m%d").rjust(8, "0")
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


phones = st.builds(lambda second, rest: f"1{second}{rest:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))


@st.composite
def cards(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([16, 19]))
    partial = draw(st.sampled_from(["62", "4", "5"])) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=length, max_size=length))
    )
    partial = partial[: length - 1]
    return partial + luhn_check_digit(partial)


accounts = st.text(alphabet="0123456789", min_size=12, max_size=22)
emails = st.builds(
    lambda user, host: f"{user}@{host}.com",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
)
passports = st.builds(
    lambda letter, digits: f"{letter}{digits:08d}", st.sampled_from("EGDPSAK"), st.integers(0, 10**8 - 1)
)
identifiers = st.one_of(id_numbers(), phones, cards(), accounts, emails, passports)
filler = st.text(alphabet="您好请帮我转账到卡号手机是 ,.:;!?()-abcXYZ0123456789\n", max_size=12)


@settings(max_examples=400, deadline=None)
@given(before=filler, identifier=identifiers, after=filler)
def test_no_identifier_survives_in_text(before: str, identifier: str, after: str):
    masked = mask_text(before + identifier + after)
    assert identifier not in masked


@settings(max_examples=200, deadline=None)
@given(identifier=identifiers, spaced=st.booleans())
def test_no_identifier_survives_in_nested_data(identifier: str, spaced: bool):
    shown = (
        " ".join(identifier[i : i + 4] for i in range(0, len(identifier), 4))
        if spaced and identifier.isdigit()
        else identifier
    )
    masked = mask_data({"a": [{"note": f"客户说 {shown} 谢谢"}], "b": (shown,)})
    flat = str(masked)
    assert identifier not in flat
    assert shown not in flat


@settings(max_examples=200, deadline=None)
@given(number=id_numbers())
def test_generated_id_numbers_keep_exactly_three_and_four(number: str):
    assert mask_text(number) == number[:3] + "*" * 11 + number[-4:]


def test_an_id_number_written_in_groups_keeps_its_check_digit_x_in_the_mask():
    # found by the property test: the trailing X was left outside the run, which was then masked as a card
    assert mask_text("440 305 145 709 144 00X") == "440***********400X"
    assert mask_text("身份证 4403 0514 5709 1440 0X 谢谢") == "身份证 440***********400X 谢谢"


# --- opaque ids pass whole (log correlation), identifiers beside them are still masked ---------


@settings(max_examples=300, deadline=None)
@given(value=st.uuids())
def test_request_ids_and_session_uuids_pass_unmasked(value):
    # before: a third of `uuid4().hex` request ids lost digits as "passports" (ab1234567) or "accounts"
    for shown in (value.hex, str(value), str(value).upper()):
        line = f"request_id={shown} session {shown}: done"
        assert mask_text(line) == line
        assert find_pii(line) == []
        assert mask_data({"request_id": shown}) == {"request_id": shown}


def test_ids_that_failed_before_and_numbers_beside_ids():
    request_id = "a8be492f3dcd439b93a770b12c1a790f"  # "b93" + 7 digits read as a passport number
    session_id = "8e6f7172-8651-47ab-9dcd-58db87bf5240"
    assert mask_text(f"{request_id} {session_id}") == f"{request_id} {session_id}"
    assert mask_text(f"{session_id} 手机{PHONE}") == f"{session_id} 手机139****0451"
    assert mask_text(f"{request_id}:{ID}") == f"{request_id}:110***********0319"
    assert mask_text("0" * 32) == "*" * 28 + "0000"  # 32 digits are a number, not an id
    assert ID not in mask_text(f"x{ID}abcdef01234")  # glued to other letters: not an id
    assert mask_text(f"{request_id}@example.com") == "a" + "*" * 31 + "@example.com"  # a mailbox, not an id
