"""The sandbox bank's own tables (not the Lobby store): created with `metadata.create_all`; columns
added later must be nullable, so that `state.add_missing_columns` can add them to an existing database.

Money is stored in fen (integer cents) so that balance checks are exact and an atomic
`UPDATE ... WHERE balance_fen >= :amount` can guard against overdrafts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    __tablename__ = "sb_meta"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))


class Customer(Base):
    __tablename__ = "sb_customers"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    cast_key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    id_type: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str] = mapped_column(String(32), index=True)
    nationality: Mapped[str] = mapped_column(String(8))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    email: Mapped[str | None] = mapped_column(String(128))
    segment: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    accessibility: Mapped[list[Any]] = mapped_column(JSON)
    risk_tolerance: Mapped[str | None] = mapped_column(String(2))
    risk_assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    marketing_consent: Mapped[bool]
    qr_token: Mapped[str] = mapped_column(String(32), index=True)
    home_branch: Mapped[str] = mapped_column(String(8))


class Account(Base):
    __tablename__ = "sb_accounts"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    account_class: Mapped[str] = mapped_column(String(4))
    currency: Mapped[str] = mapped_column(String(3))
    balance_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    daily_out_fen: Mapped[int] = mapped_column(Integer, default=0)
    daily_out_date: Mapped[str] = mapped_column(String(10), default="")


class Card(Base):
    __tablename__ = "sb_cards"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("sb_accounts.id"))
    number: Mapped[str] = mapped_column(String(19), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="active")
    credit_limit_fen: Mapped[int | None] = mapped_column(Integer)
    temporary_until: Mapped[dt.date | None] = mapped_column(Date)


class Deposit(Base):
    __tablename__ = "sb_deposits"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("sb_accounts.id"))
    term_months: Mapped[int]
    rate: Mapped[str] = mapped_column(String(8))
    principal_fen: Mapped[int]
    opened_on: Mapped[dt.date] = mapped_column(Date)


class Wealth(Base):
    __tablename__ = "sb_wealth"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    product: Mapped[str] = mapped_column(String(64))
    risk_level: Mapped[str] = mapped_column(String(2))
    amount_fen: Mapped[int]


class Application(Base):
    __tablename__ = "sb_applications"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int]
    term_months: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    missing_documents: Mapped[list[Any]] = mapped_column(JSON)
    submitted_on: Mapped[dt.date] = mapped_column(Date)


class Booking(Base):
    __tablename__ = "sb_bookings"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), index=True)
    branch_id: Mapped[str] = mapped_column(String(8))
    business_type: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    time: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16), default="booked")


class Transfer(Base):
    __tablename__ = "sb_transfers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    from_account_id: Mapped[str] = mapped_column(ForeignKey("sb_accounts.id"), index=True)
    to_account_number: Mapped[str] = mapped_column(String(32))
    to_name: Mapped[str] = mapped_column(String(64))
    to_bank: Mapped[str] = mapped_column(String(64))
    same_bank: Mapped[bool]
    amount_fen: Mapped[int]
    fee_fen: Mapped[int]
    channel: Mapped[str] = mapped_column(String(8))
    delayed: Mapped[bool]
    route: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(64))
    authorization_id: Mapped[str | None] = mapped_column(String(40))
    balance_after_fen: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Authorization(Base):
    __tablename__ = "sb_authorizations"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("sb_transfers.id"))
    status: Mapped[str] = mapped_column(String(16))
    approver: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class Txn(Base):
    __tablename__ = "sb_transactions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("sb_accounts.id"), index=True)
    direction: Mapped[str] = mapped_column(String(6))
    amount_fen: Mapped[int]
    balance_after_fen: Mapped[int]
    counterparty_name: Mapped[str | None] = mapped_column(String(64))
    counterparty_account: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class CounterOrder(Base):
    __tablename__ = "sb_counter_orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("sb_accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int]
    branch_id: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    pickup_code: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class QueueState(Base):
    __tablename__ = "sb_queue"
    branch_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    windows: Mapped[int]
    waiting: Mapped[int]
    issued: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "sb_tickets"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(8))
    branch_id: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16))
    business_type: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(16))
    waiting_ahead: Mapped[int]
    estimated_wait_min: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Set when a counter calls the ticket (nullable: added to existing databases by `add_missing_columns`).
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    counter: Mapped[str | None] = mapped_column(String(16))


class ListEntry(Base):
    __tablename__ = "sb_risk_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(16))  # customer | account | name
    value: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    score: Mapped[str] = mapped_column(String(8))


class RiskEvent(Base):
    __tablename__ = "sb_risk_events"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Device(Base):
    __tablename__ = "sb_devices"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    branch_id: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    stock: Mapped[int | None]
    cells: Mapped[list[Any]] = mapped_column(JSON, default=list)


class DeviceJob(Base):
    __tablename__ = "sb_device_jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("sb_devices.id"))
    command: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class IdempotencyRecord(Base):
    __tablename__ = "sb_idempotency"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PinCredential(Base):
    """An account's PIN (the card's 取款密码) as a salted scrypt hash, with today's wrong tries."""

    __tablename__ = "sb_pins"
    account_id: Mapped[str] = mapped_column(ForeignKey("sb_accounts.id"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failed_on: Mapped[dt.date | None] = mapped_column(Date)


class FaceCheck(Base):
    """A customer's failed face matches today, and the outcomes a test or demo scripted for the next ones."""

    __tablename__ = "sb_face_checks"
    customer_id: Mapped[str] = mapped_column(ForeignKey("sb_customers.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failed_on: Mapped[dt.date | None] = mapped_column(Date)
    scripted: Mapped[list[Any]] = mapped_column(JSON, default=list)
