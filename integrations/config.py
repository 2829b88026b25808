"""Options of the bank clients; composed into `assistant.config.Settings` as `bank`."""

from pydantic import BaseModel, Field


class BankOptions(BaseModel):
    """Timeouts, retries and circuit breaking for the bank back-ends (env: `LOBBY_BANK__<NAME>`)."""

    connect_timeout_s: float = Field(2.0, gt=0)
    read_timeout_s: float = Field(5.0, gt=0)
    max_attempts: int = Field(3, ge=1, le=10, description="Tries of an idempotent call (GETs, keyed writes).")
    backoff_initial_s: float = Field(0.2, ge=0, description="First wait between tries; doubles, with jitter.")
    backoff_max_s: float = Field(2.0, ge=0, description="Longest wait between tries.")
    breaker_threshold: int = Field(5, ge=1, description="Failures in a row that open a back-end's breaker.")
    # Short: while the bank is down a back-end costs one trial call per few seconds; once it is back,
    # customers are served again within seconds instead of being refused for half a minute.
    breaker_reset_s: float = Field(5.0, gt=0, description="Seconds an open breaker waits before a trial call.")
    max_connections: int = Field(50, ge=1, description="Connection pool size towards the bank gateway.")
    sandbox_db: str = Field("sandbox.db", description="The in-process sandbox's SQLite file, under var_dir.")
    sandbox_pin_max_tries: int = Field(3, ge=1, le=10, description="Sandbox: wrong PINs that lock a PIN for the day.")
    sandbox_face_max_tries: int = Field(
        3, ge=1, le=10, description="Sandbox: failed face matches that lock face verification for the day."
    )
