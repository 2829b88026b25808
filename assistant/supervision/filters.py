"""The filters of the supervisor's sessions list, shared by the list, the dashboard and the exports.

Dates are calendar days in the branch's time zone (a supervisor in Beijing means Beijing's 24 November),
turned into a half-open UTC interval for the query.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

from integrations.pii import mask_text

DEFAULT_TZ = "Asia/Shanghai"
MAX_QUERY_CHARS = 100


class PersonalDataSearch(ValueError):
    """A text search for an ID, phone, card or account number: it would reveal who visited, unaudited."""


class SessionFilter(BaseModel):
    """Every filter is optional; an empty filter means every session (newest first)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = Field(None, description="inclusive")
    tz: str = DEFAULT_TZ
    branch_id: str | None = Field(None, max_length=64)
    channel: str | None = Field(None, max_length=16)
    language: str | None = Field(None, max_length=8)
    intent: str | None = Field(None, max_length=64, description="a customer turn had this intent")
    outcome: str | None = Field(None, max_length=16, description="see assistant.supervision.outcomes.OUTCOMES")
    risk: str | None = Field(None, max_length=32, description="'any', 'none', or a flag such as hold or block")
    handoff: bool | None = None
    session_id: str | None = Field(None, max_length=36)
    q: str | None = Field(None, max_length=MAX_QUERY_CHARS, description="words said in the session")
    status: Literal["active", "ended"] | None = None

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("q")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    def check_search(self) -> None:
        """Refuse a search for personal data. Not a field validator: a validation error would echo the
        number back in the 422 response, and into logs."""
        if self.q and mask_text(self.q) != self.q:
            raise PersonalDataSearch(
                "searching by an ID, phone, card or account number is not allowed; search by words or session id"
            )

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def utc_range(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[start, end) in UTC for the chosen local days."""
        zone = self.zone()
        start = end = None
        if self.date_from is not None:
            start = dt.datetime.combine(self.date_from, dt.time(), zone).astimezone(dt.UTC)
        if self.date_to is not None:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
        return start, end

    def describe(self) -> dict[str, object]:
        """The filters that were set, for audit records and export file headers."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.model_dump().items() if v}
