"""The supervisor's session filters: local calendar days to UTC, personal data refused as a search."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from assistant.supervision.filters import PersonalDataSearch, SessionFilter

pytestmark = pytest.mark.unit


def test_local_days_become_a_half_open_utc_range():
    f = SessionFilter(date_from=dt.date(2026, 11, 24), date_to=dt.date(2026, 11, 24))
    start, end = f.utc_range()
    assert start == dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)


def test_open_ended_ranges_and_other_zones():
    assert SessionFilter().utc_range() == (None, None)
    start, end = SessionFilter(date_from=dt.date(2026, 1, 1), tz="UTC").utc_range()
    assert start == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert end is None


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValidationError, match="unknown time zone"):
        SessionFilter(tz="Mars/Olympus")


@pytest.mark.parametrize("query", ["110101199003078515", "13911260451", "6217991001001001018"])
def test_searching_by_an_identifier_is_refused(query):
    with pytest.raises(PersonalDataSearch, match="not allowed") as refused:
        SessionFilter(q=f"身份证 {query}").check_search()
    assert query not in str(refused.value)


def test_word_search_is_kept_and_blank_search_dropped():
    assert SessionFilter(q=" 挂失 ").q == "挂失"
    assert SessionFilter(q="   ").q is None
    SessionFilter(q="挂失").check_search()


def test_describe_names_only_the_filters_set():
    f = SessionFilter(date_from=dt.date(2026, 11, 24), branch_id="BJ001", handoff=True)
    assert f.describe() == {"date_from": "2026-11-24", "tz": "Asia/Shanghai", "branch_id": "BJ001", "handoff": True}
