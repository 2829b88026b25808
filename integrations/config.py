"""Options of the bank clients; composed into `assistant.config.Settings` as `bank`."""

from pydantic import BaseModel, Field


class BankOptions(BaseModel):
    """Timeouts, retries and circuit breaking for the bank back-ends (env: `LOBBY_BANK__<NAME>`)."""

    connect_timeout_s: float = Field(2.0, gt=0)
    read_timeout_s: float = Field(5.0, gt=0)
