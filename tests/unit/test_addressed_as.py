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
