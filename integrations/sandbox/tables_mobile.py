"""The sandbox bank's tables for the customer's phone: one-time sign-in codes, the SMS outbox, and forms
prepared at home (a bank-issued, single-customer QR code that carries the form to the branch).

Declared on the same `Base` as `tables.py`, so `create_all`, `reset` and `add_missing_columns` treat them
like every other sandbox table. Imported by the routes that use them (and so by the app factory).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integrations.sandbox.tables import Base


class OtpCode(Base):
    """One sign-in code: only its hash is kept; `attempts` counts wrong guesses (the code dies after a few)."""

    __tablename__ = "sb_otp_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[bool] = mapped_column(default=False)


class OtpRequest(Base):
    """Every code request, customer or not, so the rate limit answers the same for any number."""

    __tablename__ = "sb_otp_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SmsMessage(Base):
    """The SMS gateway's outbox: what the bank sent to which phone (read by tests and the demo)."""

    __tablename__ = "sb_sms_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PreparedForm(Base):
    """A journey's slots filled at home. `token` is what the QR code shows; it identifies the customer
    at the branch like the mobile-banking QR does, only while the form is open and not expired."""

    __tablename__ = "sb_prepared_forms"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    customer_id: Mapped[str] = mapped_column(String(16), index=True)
    journey: Mapped[str] = mapped_column(String(64))
    slots: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[list[Any]] = mapped_column(JSON)  # what the phone shows: [{label, value}] in zh and en
    status: Mapped[str] = mapped_column(String(16))  # open | loaded | completed | cancelled
    session_id: Mapped[str | None] = mapped_column(String(64))
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
