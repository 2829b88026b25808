"""Options of staff sign-in, tokens and lock-out (`LOBBY_AUTH__...`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuthOptions(BaseModel):
    """Token lifetimes, cookie flags, lock-out and password hashing cost."""

    access_token_ttl_s: int = Field(3600, ge=30, description="Lifetime of a bearer access token.")
    session_ttl_s: int = Field(8 * 3600, ge=60, description="Lifetime of a console sign-in (one shift).")
    cookie_secure: bool | None = Field(
        None, description="Send cookies over HTTPS only; empty means yes in production, no elsewhere."
    )
    max_failed_sign_ins: int = Field(5, ge=1, description="Failures of one username (any address) before it locks.")
    max_failed_sign_ins_per_ip: int = Field(
        100,
        ge=1,
        description="Failures from one client address before it locks: a high ceiling, since a branch's staff "
        "may share one address behind NAT (each username still locks on its own).",
    )
    failure_window_s: int = Field(900, ge=1, description="Failures older than this are forgotten.")
    lockout_s: int = Field(900, ge=1, description="How long a lock lasts.")
    limit_key_prefix: str = Field(
        "lobby:sign-in:", min_length=1, description="Prefix of the sign-in counters' keys in Redis (LOBBY_REDIS_URL)."
    )
    principal_cache_s: float = Field(10.0, ge=0, description="How long a resolved user or device is reused.")
    argon2_time_cost: int = Field(3, ge=1, description="argon2id passes (RFC 9106 profile: 3).")
    argon2_memory_kib: int = Field(65536, ge=1024, description="argon2id memory per hash in KiB (64 MiB).")
    argon2_parallelism: int = Field(4, ge=1, description="argon2id lanes.")
    seed_demo: bool = Field(True, description="Outside production, create demo staff and the demo kiosk at start.")
