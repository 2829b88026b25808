"""The bank back-end API's bodies, shared by the clients (parsing) and the sandbox (validation).

One set of pydantic models is the contract: the sandbox declares them as request and response
models, so its OpenAPI at /docs is the API a bank's gateway must serve, and the clients parse the
same models, so a drift between the two fails the tests instead of production.
Amounts are decimals in yuan with two places (JSON strings on the wire, never floats).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Channel = Literal["kiosk", "counter", "mobile"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- customers -----------------------------------------------------------------------------


class CustomerRef(_Model):
    customer_id: str
    name: str
    language: str
    matched_by: str
    gender: str | None = Field(None, description="M or F as the bank records it: the customer is addressed by title.")


class Account(_Model):
    id: str
    number: str
    kind: str
    account_class: str
    currency: str
    balance: Money
    status: str


class Card(_Model):
    id: str
    number: str
    kind: Literal["debit", "credit"]
    account_id: str | None
    status: str
    credit_limit: Money | None = None


class Deposit(_Model):
    id: str
    account_id: str
    term_months: int
    rate: Decimal
    principal: Money
    opened_on: dt.date
    matures_on: dt.date


class WealthHolding(_Model):
    product: str
    risk_level: str
    amount: Money


class Application(_Model):
    id: str
    kind: str
    amount: Money
    term_months: int
    status: str
    missing_documents: list[str]
    submitted_on: dt.date


class Booking(_Model):
    code: str
    customer_id: str
    branch_id: str
    business_type: str
    date: dt.date
    time: str
    status: str


class Profile(_Model):
    customer_id: str
    name: str
    name_en: str
    gender: str | None = Field(None, description="M or F as the bank records it (addressed as Ms Clark / 陈女士).")
    segment: str
    language: str
    accessibility: list[str]
    age: int
    age_band: str
    is_elderly: bool
    id_type: str
    nationality: str
    risk_tolerance: str | None
    risk_assessment_valid: bool
    marketing_consent: bool
    home_branch: str
    accounts: list[Account]
    cards: list[Card]
    deposits: list[Deposit]
    wealth: list[WealthHolding]
    applications: list[Application]
    bookings: list[Booking]
    in_flight: list[str] = Field(description="Unfinished business in words, e.g. a document still missing.")


class Transaction(_Model):
    id: str
    account_id: str
    direction: Literal["debit", "credit"]
    amount: Money
    balance_after: Money
    counterparty_name: str | None
    counterparty_account: str | None
    description: str
    created_at: dt.datetime


# --- transactions --------------------------------------------------------------------------


class TransferRequest(_Model):
    from_account_id: str
    to_account_number: str = Field(min_length=6, max_length=32)
    to_name: str = Field(min_length=1, max_length=64)
    to_bank: str | None = Field(None, description="Empty or 示范银行 for a same-bank transfer.")
    amount: PositiveMoney
    channel: Channel = "kiosk"
    delayed: bool = Field(False, description="延时到账: credit 24 hours later (new payees).")
    memo: str = Field("", max_length=64)


class PayeeAccount(_Model):
    """A payee's account or card number as the bank resolves it before a transfer (账户验证).

    The holder's name is never returned in clear: only masked (*秀英), and whether the name the customer
    gave matches it. Another bank's number cannot be checked here: `same_bank` false, nothing verified."""

    account_number: str = Field(description="Masked: first 6 and last 4 digits at most.")
    same_bank: bool
    bank: str | None = None
    kind: Literal["account", "card"] | None = None
    status: str | None = None
    holder_name_masked: str | None = None
    name_matches: bool | None = Field(None, description="None when no name was given or it cannot be checked.")


class Transfer(_Model):
    id: str
    status: Literal["completed", "scheduled", "requires_authorization", "rejected", "failed"]
    from_account_id: str
    to_account_number: str
    to_name: str
    to_bank: str
    same_bank: bool
    amount: Money
    fee: Money
    route: str
    authorization_id: str | None = None
    balance_after: Money | None = None
    reason: str | None = None
    created_at: dt.datetime


class AuthorizationDecision(_Model):
    approver: str = Field(min_length=1, max_length=64)
    note: str = Field("", max_length=200)


class Authorization(_Model):
    id: str
    transfer_id: str
    status: Literal["pending", "approved", "rejected"]
    approver: str | None
    transfer: Transfer


class LossReportRequest(_Model):
    kind: Literal["temporary", "formal"]
    id_verified: bool = Field(False, description="Formal loss reports need the ID checked (card reader, face).")
    channel: Channel = "kiosk"


class CardStatus(_Model):
    card_id: str
    status: str
    temporary_until: dt.date | None = None


class ReplacementRequest(_Model):
    delivery: Literal["kiosk", "mail", "collect"] = "kiosk"
    branch_id: str = "BJ001"


class Replacement(_Model):
    old_card_id: str
    new_card: Card
    fee: Money
    fee_waived_reason: str | None
    ready: Literal["now", "later"]
    ready_on: dt.date
    delivery: str


class TimeDepositRequest(_Model):
    customer_id: str
    account_id: str
    term_months: Literal[3, 6, 12, 24, 36, 60]
    amount: PositiveMoney
    large_cd: bool = Field(False, description="大额存单: from 200,000 yuan.")


class CounterOrderRequest(_Model):
    customer_id: str
    account_id: str
    kind: Literal["deposit", "withdrawal"]
    amount: PositiveMoney
    branch_id: str = "BJ001"


class CounterOrder(_Model):
    id: str
    customer_id: str
    account_id: str
    kind: str
    amount: Money
    branch_id: str
    status: str
    pickup_code: str
    created_at: dt.datetime


class FxRate(_Model):
    currency: str
    unit: int
    buy: Decimal
    sell: Decimal


class FxRates(_Model):
    base: str = "CNY"
    indicative: bool = True
    rates: list[FxRate]


# --- booking and queue ---------------------------------------------------------------------


class TicketRequest(_Model):
    branch_id: str = "BJ001"
    business_type: str = Field(min_length=1, max_length=64)
    customer_id: str | None = None
    priority: bool = Field(False, description="Elderly (65+) or accessibility: the priority window.")


class Ticket(_Model):
    id: str
    number: str
    branch_id: str
    category: str
    business_type: str
    customer_id: str | None
    waiting_ahead: int
    estimated_wait_min: int
    created_at: dt.datetime
    status: Literal["waiting", "called"] = "waiting"
    counter: str | None = Field(None, description="The window that called the ticket.")
    called_at: dt.datetime | None = None


class TicketCall(_Model):
    """A counter calls a ticket: the bank marks it called and takes it off the waiting count."""

    branch_id: str = Field(min_length=1, max_length=8)
    counter: str = Field(min_length=1, max_length=16)


class CheckIn(_Model):
    booking: Booking
    ticket: Ticket


class QueueCategory(_Model):
    category: str
    waiting: int
    windows: int
    estimated_wait_min: int


class QueueStatus(_Model):
    branch_id: str
    categories: list[QueueCategory]


# --- risk ----------------------------------------------------------------------------------


class ScreenRequest(_Model):
    customer_id: str | None = None
    counterparty_account: str | None = None
    counterparty_name: str | None = None
    amount: Money | None = None
    channel: Channel = "kiosk"


class RiskHit(_Model):
    list: str
    reason: str
    score: float


class ScreenResult(_Model):
    decision: Literal["allow", "warn", "hold", "block"]
    hits: list[RiskHit]


class RiskEventRequest(_Model):
    kind: str = Field(min_length=1, max_length=64)
    customer_id: str | None = None
    session_id: str | None = None
    severity: Literal["info", "warn", "hold", "block"] = "info"
    detail: dict[str, Any] = Field(default_factory=dict)


class RiskEvent(_Model):
    id: str
    kind: str
    customer_id: str | None
    session_id: str | None
    severity: str
    created_at: dt.datetime


# --- customer verification -----------------------------------------------------------------

PIN_PATTERN = r"^[0-9]{6}$"


class PinVerifyRequest(_Model):
    """A PIN typed on the kiosk's PIN pad, for the account whose card it protects. Sent once, never
    retried and never stored by the caller; the bank compares it with its salted hash."""

    customer_id: str = Field(min_length=1, max_length=16)
    pin: str = Field(pattern=PIN_PATTERN, repr=False, description="Six digits. Never logged, never echoed.")


class FaceMatchRequest(_Model):
    """A still from the kiosk camera, compared by the bank with the photo of the customer's ID document."""

    image: str = Field(min_length=16, max_length=2_000_000, repr=False, description="A JPEG, base64.")


class Verification(_Model):
    """A passed check. A failed one is an error: 409 `wrong_pin` / `face_mismatch` with `tries_left`,
    409 `pin_locked` / `face_locked` with `locked_until` (the day it unlocks), 422 `bad_image`."""

    method: Literal["pin", "face"]
    verified: bool
    customer_id: str
    account_id: str | None = None


class FaceOutcomes(_Model):
    """Sandbox control: the next face matches of a customer, in order (tests and demos play a wrong face)."""

    customer_id: str
    outcomes: list[Literal["match", "mismatch"]] = Field(max_length=20)


# --- devices -------------------------------------------------------------------------------


class Device(_Model):
    id: str
    branch_id: str
    kind: str
    status: Literal["online", "offline", "paper-low", "jammed"]
    stock: int | None = None


class DeviceCommand(_Model):
    command: Literal["print_receipt", "dispense_card", "open_locker"]
    params: dict[str, Any] = Field(default_factory=dict)


class DeviceJob(_Model):
    id: str
    device_id: str
    command: str
    status: Literal["completed", "failed"]
    result: dict[str, Any]
    created_at: dt.datetime


# --- sandbox control -----------------------------------------------------------------------


class Fault(_Model):
    path_prefix: str = Field(min_length=1, description="Requests whose path starts with this are affected.")
    latency_ms: int = Field(0, ge=0, le=60_000)
    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: int = Field(503, ge=500, le=599)
    timeout: bool = Field(False, description="Hang for hang_s, then 504: the client's read timeout fires.")
    hang_s: float = Field(30.0, gt=0, le=300)
    after_processing: bool = Field(False, description="Fail after the request was carried out.")


class FaultState(_Model):
    faults: list[Fault]
    hits: dict[str, int]


class ErrorBody(_Model):
    code: str
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)
