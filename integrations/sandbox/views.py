"""Rows of the sandbox tables as the API's models (fen to yuan, dates derived)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from integrations import schemas as api
from integrations.sandbox import tables as t


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def account(a: t.Account) -> api.Account:
    return api.Account(
        id=a.id,
        number=a.number,
        kind=a.kind,
        account_class=a.account_class,
        currency=a.currency,
        balance=yuan(a.balance_fen),
        status=a.status,
    )


def card(c: t.Card) -> api.Card:
    return api.Card(
        id=c.id,
        number=c.number,
        kind="credit" if c.kind == "credit" else "debit",
        account_id=c.account_id,
        status=c.status,
        credit_limit=yuan(c.credit_limit_fen) if c.credit_limit_fen is not None else None,
    )


def deposit(d: t.Deposit) -> api.Deposit:
    return api.Deposit(
        id=d.id,
        account_id=d.account_id,
        term_months=d.term_months,
        rate=Decimal(d.rate),
        principal=yuan(d.principal_fen),
        opened_on=d.opened_on,
        matures_on=add_months(d.opened_on, d.term_months),
    )


def booking(b: t.Booking) -> api.Booking:
    return api.Booking(
        code=b.code,
        customer_id=b.customer_id,
        branch_id=b.branch_id,
        business_type=b.business_type,
        date=b.date,
        time=b.time,
        status=b.status,
    )


def transfer(x: t.Transfer) -> api.Transfer:
    return api.Transfer.model_validate(
        {
            "id": x.id,
            "status": x.status,
            "from_account_id": x.from_account_id,
            "to_account_number": x.to_account_number,
            "to_name": x.to_name,
            "to_bank": x.to_bank,
            "same_bank": x.same_bank,
            "amount": yuan(x.amount_fen),
            "fee": yuan(x.fee_fen),
            "route": x.route,
            "authorization_id": x.authorization_id,
            "balance_after": yuan(x.balance_after_fen) if x.balance_after_fen is not None else None,
            "reason": x.reason,
            "created_at": x.created_at,
        }
    )


def ticket(x: t.Ticket) -> api.Ticket:
    return api.Ticket(
        id=x.id,
        number=x.number,
        branch_id=x.branch_id,
        category=x.category,
        business_type=x.business_type,
        customer_id=x.customer_id,
        waiting_ahead=x.waiting_ahead,
        estimated_wait_min=x.estimated_wait_min,
        created_at=x.created_at,
        status="called" if x.called_at is not None else "waiting",
        counter=x.counter,
        called_at=x.called_at,
    )
