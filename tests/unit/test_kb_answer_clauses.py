"""An answer sentence picked from after a semicolon reads as a sentence of its own."""

from __future__ import annotations

import pytest

from knowledge.answer import _standalone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        (
            "for the counter, the kiosk can give you a queue ticket (personal business).",
            "For the counter, the kiosk can give you a queue ticket (personal business).",
        ),
        ("the fee is 2 yuan;", "The fee is 2 yuan."),
        ("在柜台跨行转账按金额收费；", "在柜台跨行转账按金额收费。"),
        ("Already a sentence.", "Already a sentence."),
    ],
)
def test_a_clause_becomes_a_sentence(clause: str, expected: str) -> None:
    assert _standalone(clause) == expected
