"""Transactions: transfers with limits and authorisation, cards, time deposits, counter orders, FX.

Every write goes through `idempotent_write`: one Idempotency-Key, one outcome.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations import schemas as api
from integrations.pii import classify_digits, luhn_check_digit, mask_value
from integrations.sandbox import money, views
from integrations.sandbox import tables as t
from integrations.sandbox.common import ApiError, IdempotencyKey, StateDep, idempotent_write, not_found, rejected
from integrations.sandbox.seed import age_on, fen, load_cast
from integrations.sandbox.state import new_id, now

router = APIRouter(prefix="/v1", tags=["transactions"])
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": api.ErrorBody, "description": "Idempotency-Key missing"},
    404: {"model": api.ErrorBody},
    409: {"model": api.ErrorBody, "description": "refused by a business rule"},
    422: {"model": api.ErrorBody, "description": "invalid request, or key reused with another body"},
}


@router.get("/payees/lookup", response_model=api.PayeeAccount, responses={404: {"model": api.ErrorBody}})
def lookup_payee(
    state: StateDep,
    account_number: Annotated[str, Query(min_length=6, max_length=32, pattern=r"^\d+$")],
    name: Annotated[str | None, Query(max_length=64)] = None,
) -> api.PayeeAccount:
    """Resolve a payee's account or card number before a transfer: this bank's (holder's name masked, and
    whether `name` matches it) or another bank's (nothing to verify here). 404 `payee_account_not_found`
    for a number in this bank's ranges that it does not hold."""
    shown = mask_value(account_number, "card" if classify_digits(account_number) == "card" else "account")
    with state.session() as s:
        account = s.scalar(select(t.Account).where(t.Account.number == account_number))
        card = None if account is not None else s.scalar(select(t.Card).where(t.Card.number == account_number))
        held: t.Account | t.Card | None = account if account is not None else card
        if held is None:
            if money.is_own_number(account_number):
                raise ApiError(404, "payee_account_not_found", "no such account at this bank", kind="account")
            return api.PayeeAccount(account_number=shown, same_bank=False)
        owner_id, status = held.customer_id, held.status
        holder = s.get(t.Customer, owner_id)
        assert holder is not None  # foreign key
        return api.PayeeAccount(
            account_number=shown,
            same_bank=True,
            bank=money.BANK_NAME,
            kind="account" if account is not None else "card",
            status=status,
            holder_name_masked=money.mask_name(holder.name),
            name_matches=money.same_name(name, holder.name, holder.name_en) if name else None,
        )


@router.post(
    "/transfers",
    status_code=201,
    response_model=api.Transfer,
    responses={**WRITE_RESPONSES, 202: {"model": api.Transfer, "description": "requires_authorization"}},
)
def create_transfer(body: api.TransferRequest, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Same-bank or inter-bank; above 50,000 yuan it waits for a teller's or expert's authorisation."""
    return idempotent_write(state, request, key, body, lambda s: _transfer(s, body))


def _transfer(s: Session, body: api.TransferRequest) -> tuple[int, api.Transfer]:
    source = s.get(t.Account, body.from_account_id)
    if source is None:
        raise not_found("account", body.from_account_id)
    amount = fen(body.amount)
    same_bank = money.is_same_bank(body.to_bank)
    if amount > money.SINGLE_LIMIT_FEN:
        raise rejected("single_limit_exceeded", "单笔转账上限 500,000 元 (single transfer limit)", limit="500000.00")
    if same_bank:
        dest = money.payee_account(s, body.to_account_number)
        if dest is None:
            raise rejected("payee_account_not_found", "收款账户不存在 (no such account at this bank)")
        if dest.id == source.id:
            raise rejected("same_account", "不能转给同一账户 (cannot transfer to the same account)")
    fee = money.transfer_fee_fen(amount, same_bank, body.channel)
    if amount > money.AUTHORIZATION_ABOVE_FEN and source.balance_fen < amount + fee:
        # checked now, not only when the money moves: never ask a colleague to authorise what cannot be paid
        raise rejected("insufficient_funds", "余额不足 (insufficient funds)")
    x = t.Transfer(
        id=new_id("trf"),
        from_account_id=source.id,
        to_account_number=body.to_account_number,
        to_name=body.to_name,
        to_bank=money.BANK_NAME if same_bank else (body.to_bank or ""),
        same_bank=same_bank,
        amount_fen=amount,
        fee_fen=fee,
        channel=body.channel,
        delayed=body.delayed,
        route=money.transfer_route(amount, same_bank),
        status="pending",
        created_at=now(),
    )
    s.add(x)
    s.flush()
    if amount > money.AUTHORIZATION_ABOVE_FEN:
        x.status = "requires_authorization"
        x.authorization_id = new_id("auth")
        s.add(t.Authorization(id=x.authorization_id, transfer_id=x.id, status="pending"))
        return 202, views.transfer(x)
    money.execute_transfer(s, x)
    return 201, views.transfer(x)


@router.post(
    "/authorizations/{authorization_id}/{decision}", response_model=api.Authorization, responses=WRITE_RESPONSES
)
def decide_authorization(
    authorization_id: str,
    decision: str,
    body: api.AuthorizationDecision,
    request: Request,
    state: StateDep,
    key: IdempotencyKey,
) -> JSONResponse:
    """`decision` is `approve` (the transfer is executed) or `reject` (it is cancelled)."""
    if decision not in ("approve", "reject"):
        raise ApiError(404, "not_found", f"no action {decision}; use approve or reject")
    return idempotent_write(state, request, key, body, lambda s: _decide(s, authorization_id, decision, body))


def _decide(s: Session, authorization_id: str, decision: str, body: api.AuthorizationDecision) -> tuple[int, Any]:
    auth = s.get(t.Authorization, authorization_id)
    if auth is None:
        raise not_found("authorization", authorization_id)
    if auth.status != "pending":
        raise rejected("authorization_closed", f"authorization is already {auth.status}")
    x = s.get(t.Transfer, auth.transfer_id)
    assert x is not None  # foreign key
    auth.approver, auth.note = body.approver, body.note
    if decision == "approve":
        money.execute_transfer(s, x)
        auth.status = "approved"
    else:
        auth.status, x.status, x.reason = "rejected", "rejected", "authorization_rejected"
    return 200, api.Authorization(
        id=auth.id,
        transfer_id=x.id,
        status="approved" if decision == "approve" else "rejected",
        approver=auth.approver,
        transfer=views.transfer(x),
    )


def _card(s: Session, card_id: str) -> t.Card:
    card = s.get(t.Card, card_id)
    if card is None:
        raise not_found("card", card_id)
    return card


@router.post("/cards/{card_id}/loss-report", response_model=api.CardStatus, responses=WRITE_RESPONSES)
def loss_report(
    card_id: str, body: api.LossReportRequest, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """临时挂失 (valid 5 days) or 正式挂失 (needs the ID verified)."""

    def act(s: Session) -> tuple[int, api.CardStatus]:
        card = _card(s, card_id)
        if card.status in ("lost", "replaced"):
            raise rejected("already_reported", f"card is already {card.status}")
        if body.kind == "temporary":
            card.status, card.temporary_until = "temporarily_lost", dt.date.today() + dt.timedelta(days=5)
        else:
            if not body.id_verified:
                raise rejected("id_verification_required", "正式挂失需核验身份证件 (formal loss report needs ID)")
            card.status, card.temporary_until = "lost", None
        return 200, api.CardStatus(card_id=card.id, status=card.status, temporary_until=card.temporary_until)

    return idempotent_write(state, request, key, body, act)


@router.post("/cards/{card_id}/replacement", status_code=201, response_model=api.Replacement, responses=WRITE_RESPONSES)
def replacement(
    card_id: str, body: api.ReplacementRequest, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """A new card after a formal loss report; 5 yuan, waived from 65; at once if the dispenser has stock."""

    def act(s: Session) -> tuple[int, api.Replacement]:
        old = _card(s, card_id)
        if old.status != "lost":
            raise rejected("formal_loss_report_required", "补卡前需正式挂失 (formal loss report first)")
        customer = s.get(t.Customer, old.customer_id)
        assert customer is not None
        elderly = age_on(customer.birth_date, dt.date.today()) >= 65
        fee_fen = 0 if elderly else 5_00
        ready = "later"
        if body.delivery == "kiosk":
            dispenser = s.scalar(
                select(t.Device).where(
                    t.Device.branch_id == body.branch_id,
                    t.Device.kind == "card_dispenser",
                    t.Device.status == "online",
                    t.Device.stock > 0,
                )
            )
            if dispenser is not None:
                dispenser.stock = (dispenser.stock or 0) - 1
                ready = "now"
        if fee_fen and old.account_id:
            money.debit(s, old.account_id, fee_fen, description="补卡工本费 card replacement fee")
        partial = old.number[:6] + f"{secrets.randbelow(10**12):012d}"[: len(old.number) - 7]
        new = t.Card(
            id=new_id("K"),
            customer_id=old.customer_id,
            account_id=old.account_id,
            number=partial + luhn_check_digit(partial),
            kind=old.kind,
            credit_limit_fen=old.credit_limit_fen,
            status="active" if ready == "now" else "in_production",
        )
        old.status = "replaced"
        s.add(new)
        s.flush()
        today = dt.date.today()
        return 201, api.Replacement(
            old_card_id=old.id,
            new_card=views.card(new),
            fee=views.yuan(fee_fen),
            fee_waived_reason="aged 65 or above" if elderly else None,
            ready="now" if ready == "now" else "later",
            ready_on=today if ready == "now" else today + dt.timedelta(days=7),
            delivery=body.delivery,
        )

    return idempotent_write(state, request, key, body, act)


@router.post("/deposits/time", status_code=201, response_model=api.Deposit, responses=WRITE_RESPONSES)
def open_time_deposit(
    body: api.TimeDepositRequest, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """Open a time deposit (from 50 yuan) or a large-amount CD (from 200,000 yuan, 3 years)."""

    def act(s: Session) -> tuple[int, api.Deposit]:
        account = s.get(t.Account, body.account_id)
        if account is None or account.customer_id != body.customer_id:
            raise not_found("account", f"{body.account_id} of customer {body.customer_id}")
        amount = fen(body.amount)
        if body.large_cd:
            if amount < money.LARGE_CD_MIN_FEN or body.term_months not in money.LARGE_CD_RATES:
                raise rejected("large_cd_terms", "大额存单 20 万元起, 期限 3 年 (from 200,000 yuan, 3 years)")
            rate = money.LARGE_CD_RATES[body.term_months]
        else:
            if amount < money.DEPOSIT_MIN_FEN:
                raise rejected("below_minimum", "定期存款 50 元起存 (minimum 50 yuan)")
            rate = money.TIME_DEPOSIT_RATES[body.term_months]
        money.debit(s, account.id, amount, description=f"定期存款 time deposit {body.term_months}m")
        deposit = t.Deposit(
            id=new_id("D"),
            customer_id=body.customer_id,
            account_id=account.id,
            term_months=body.term_months,
            rate=rate,
            principal_fen=amount,
            opened_on=dt.date.today(),
        )
        s.add(deposit)
        return 201, views.deposit(deposit)

    return idempotent_write(state, request, key, body, act)


@router.post("/counter-orders", status_code=201, response_model=api.CounterOrder, responses=WRITE_RESPONSES)
def counter_order(
    body: api.CounterOrderRequest, request: Request, state: StateDep, key: IdempotencyKey
) -> JSONResponse:
    """A deposit or withdrawal prepared at the kiosk and fulfilled at the counter with a pickup code."""

    def act(s: Session) -> tuple[int, api.CounterOrder]:
        account = s.get(t.Account, body.account_id)
        if account is None or account.customer_id != body.customer_id:
            raise not_found("account", f"{body.account_id} of customer {body.customer_id}")
        amount = fen(body.amount)
        if body.kind == "withdrawal":
            if amount > account.balance_fen:
                raise rejected("insufficient_funds", "余额不足 (insufficient funds)")
            if amount >= money.LARGE_CASH_FEN and not _has_large_cash_booking(s, body.customer_id, body.branch_id):
                raise rejected(
                    "large_cash_needs_booking", "5 万元及以上取现需提前一个工作日预约 (book one business day ahead)"
                )
        order = t.CounterOrder(
            id=new_id("ord"),
            customer_id=body.customer_id,
            account_id=account.id,
            kind=body.kind,
            amount_fen=amount,
            branch_id=body.branch_id,
            status="prepared",
            pickup_code=f"{secrets.randbelow(10**6):06d}",
            created_at=now(),
        )
        s.add(order)
        return 201, api.CounterOrder(
            id=order.id,
            customer_id=order.customer_id,
            account_id=order.account_id,
            kind=order.kind,
            amount=views.yuan(amount),
            branch_id=order.branch_id,
            status=order.status,
            pickup_code=order.pickup_code,
            created_at=order.created_at,
        )

    return idempotent_write(state, request, key, body, act)


def _has_large_cash_booking(s: Session, customer_id: str, branch_id: str) -> bool:
    found = s.scalar(
        select(t.Booking.code).where(
            t.Booking.customer_id == customer_id,
            t.Booking.branch_id == branch_id,
            t.Booking.business_type == "large_cash_withdrawal",
            t.Booking.date == dt.date.today(),
        )
    )
    return found is not None


@router.get("/fx/rates", response_model=api.FxRates)
def fx_rates() -> api.FxRates:
    """Indicative rates for the demo currencies (USD, EUR, JPY per 100, HKD, GBP)."""
    return api.FxRates(rates=[api.FxRate.model_validate(r) for r in load_cast()["fx_rates"]])
