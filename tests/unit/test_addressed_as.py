"""How the screen greets an identified customer in a public lobby: title and surname, never the full name."""

from __future__ import annotations

import pytest

from assistant.journeys.steps.identity import addressed_as

pytestmark = pytest.mark.unit


def test_title_and_surname_in_both_languages() -> None:
    assert addressed_as({"name": "张伟", "gender": "M", "name_en": "Zhang Wei"}) == {"zh": "张先生", "en": "Mr Zhang"}
    assert addressed_as({"name": "Emily Clark", "gender": "F", "name_en": "Emily Clark"})["en"] == "Ms Clark"


def test_an_id_card_read_alone_still_greets_in_english_by_title() -> None:
    # the card reader gives the Chinese name and the gender; the bank's English name is not known yet
    assert addressed_as({"name": "陈静", "gender": "F"}) == {"zh": "陈女士", "en": "Ms Chen"}


def test_without_a_gender_the_name_is_masked() -> None:
    greeting = addressed_as({"name": "陈静"})
    assert greeting["zh"] == "陈*" and "静" not in greeting["zh"] and "Jing" not in greeting["en"]


def test_a_latin_name_is_addressed_by_title_and_surname_never_by_initials() -> None:
    """Emily Clark, a passport holder: "Ms Clark" when the bank records her gender, else no name at all."""
    assert addressed_as({"name": "Emily Clark", "gender": "F"}) == {"zh": "Clark女士", "en": "Ms Clark"}
    assert addressed_as({"name": "John Smith", "name_en": "John Smith", "gender": "M"})["en"] == "Mr Smith"
    assert addressed_as({"name": "Emily Clark", "name_en": "Emily Clark"}) == {"zh": "", "en": ""}


def test_without_a_gender_an_english_greeting_names_no_one() -> None:
    assert addressed_as({"name": "陈静", "name_en": "Chen Jing"})["en"] == ""


def test_with_no_one_to_address_the_greeting_is_plain() -> None:
    from types import SimpleNamespace

    from assistant.journeys.catalog import load_messages
    from assistant.journeys.steps.identity import _greeting

    run = SimpleNamespace(messages=load_messages())
    greeting = _greeting(run, addressed_as({"name": "Emily Clark", "name_en": "Emily Clark"}))  # type: ignore[arg-type]
    assert (greeting.zh, greeting.en) == ("您好，已确认您的身份。", "Hello, your identity is confirmed.")
    titled = _greeting(run, {"zh": "陈*", "en": ""})  # type: ignore[arg-type]
    assert titled.zh.startswith("{customer.addressed_as.zh}，您好")
    assert titled.en == "Hello, your identity is confirmed."
