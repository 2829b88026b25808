"""The first day of a statement period: calendar months back, clamped to the shorter month's end."""

import datetime as dt

import pytest

from assistant.journeys.bank_adapter import months_before

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 12, 8), 1, dt.date(2026, 11, 8)),
        (dt.date(2026, 12, 8), 12, dt.date(2025, 12, 8)),
        (dt.date(2026, 2, 15), 3, dt.date(2025, 11, 15)),
        (dt.date(2026, 5, 31), 3, dt.date(2026, 2, 28)),
        (dt.date(2028, 5, 31), 3, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 6, dt.date(2025, 7, 31)),
    ],
)
def test_months_before(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_before(day, months) == expected
