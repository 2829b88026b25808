"""Customers: identify (ID, phone, booking code, QR token), profile with holdings, accounts, statements."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations import schemas as api
from integrations.sandbox import tables as t
from integrations.sandbox import views
from integrations.sandbox.common import ApiError, StateDep, not_found
from integrations.sandbox.routes_prepared import customer_of_token
from integrations.sandbox.seed import age_on

router = APIRouter(prefix="/v1", tags=["customers"])

DOCUMENT_NAMES = {"income_certificate": "收入证明 (income certificate)"}


@router.get("/customers/lookup", response_model=api.CustomerRef)
def lookup(
    state: StateDep,
    id_number: str | None = None,
    phone: str | None = None,
    booking_code: str | None = None,
    qr_token: str | None = None,
) -> api.CustomerRef:
    """Find one customer by exactly one identifier."""
    given = {
        k: v
        for k, v in {"id_number": id_number, "phone": phone, "booking_code": booking_code, "qr_token": qr_token}.items()
        if v
    }
    if len(given) != 1:
        raise ApiError(422, "invalid_request", "give exactly one of id_number, phone, booking_code, qr_token")
    ((by, value),) = given.items()
    with state.session() as s:
        if by == "booking_code":
            b = s.get(t.Booking, value.strip().upper())
            customer = s.get(t.Customer, b.customer_id) if b else None
        else:
            column = {"id_number": t.Customer.id_number, "phone": t.Customer.phone, "qr_token": t.Customer.qr_token}[by]
            customer = s.scalar(
                select(t.Customer).where(
                    column == value.strip().upper() if by == "id_number" else column == value.strip()
                )
            )
        if customer is None and by == "qr_token":  # a form prepared at home carries a bank-issued QR token
            customer = customer_of_token(s, value)
        if customer is None:
            raise not_found("customer", f"by {by}")
        return api.CustomerRef(
            customer_id=customer.id,
            name=customer.name,
            language=customer.language,
            matched_by=by,
            gender=customer.gender,
        )


def _customer(s: Session, customer_id: str) -> t.Customer:
    customer = s.get(t.Customer, customer_id)
    if customer is None:
        raise not_found("customer", customer_id)
    return customer


def age_band(age: int) -> str:
    for limit, band in ((18, "under_18"), (35, "18-34"), (50, "35-49"), (65, "50-64")):
        if age < limit:
            return band
    return "65+"


@router.get("/customers/{customer_id}/profile", response_model=api.Profile)
def profile(state: StateDep, customer_id: str) -> api.Profile:
    """Everything a pre-check needs: segment, needs, suitability, holdings and unfinished business."""
    today = dt.date.today()
    with state.session() as s:
        c = _customer(s, customer_id)
        accounts = s.scalars(select(t.Account).where(t.Account.customer_id == c.id).order_by(t.Account.id)).all()
        cards = s.scalars(select(t.Card).where(t.Card.customer_id == c.id).order_by(t.Card.id)).all()
        deposits = s.scalars(select(t.Deposit).where(t.Deposit.customer_id == c.id).order_by(t.Deposit.id)).all()
        wealth = s.scalars(select(t.Wealth).where(t.Wealth.customer_id == c.id).order_by(t.Wealth.id)).all()
        apps = s.scalars(select(t.Application).where(t.Application.customer_id == c.id)).all()
        bookings = s.scalars(
            select(t.Booking).where(t.Booking.customer_id == c.id, t.Booking.date >= today).order_by(t.Booking.date)
        ).all()
        in_flight = [
            f"{a.kind} {a.id}: {a.status}, missing " + ", ".join(DOCUMENT_NAMES.get(d, d) for d in a.missing_documents)
            for a in apps
            if a.missing_documents
        ]
        in_flight += [
            f"booking {b.code} on {b.date.isoformat()} {b.time}: {b.business_type}"
            for b in bookings
            if b.status == "booked"
        ]
        age = age_on(c.birth_date, today)
        assessed = c.risk_assessed_on
        return api.Profile(
            customer_id=c.id,
            name=c.name,
            name_en=c.name_en,
            gender=c.gender,
            segment=c.segment,
            language=c.language,
            accessibility=list(c.accessibility),
            age=age,
            age_band=age_band(age),
            is_elderly=age >= 65,
            id_type=c.id_type,
            nationality=c.nationality,
            risk_tolerance=c.risk_tolerance,
            risk_assessment_valid=assessed is not None and (today - assessed).days <= 365,
            marketing_consent=c.marketing_consent,
            home_branch=c.home_branch,
            accounts=[views.account(a) for a in accounts],
            cards=[views.card(k) for k in cards],
            deposits=[views.deposit(d) for d in deposits],
            wealth=[
                api.WealthHolding(product=w.product, risk_level=w.risk_level, amount=views.yuan(w.amount_fen))
                for w in wealth
            ],
            applications=[
                api.Application(
                    id=a.id,
                    kind=a.kind,
                    amount=views.yuan(a.amount_fen),
                    term_months=a.term_months,
                    status=a.status,
                    missing_documents=list(a.missing_documents),
                    submitted_on=a.submitted_on,
                )
                for a in apps
            ],
            bookings=[views.booking(b) for b in bookings],
            in_flight=in_flight,
        )


@router.get("/customers/{customer_id}/accounts", response_model=list[api.Account])
def accounts(state: StateDep, customer_id: str) -> list[api.Account]:
    with state.session() as s:
        _customer(s, customer_id)
        rows = s.scalars(select(t.Account).where(t.Account.customer_id == customer_id).order_by(t.Account.id)).all()
        return [views.account(a) for a in rows]


@router.get("/accounts/{account_id}/transactions", response_model=list[api.Transaction])
def transactions(
    state: StateDep,
    account_id: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    since: Annotated[dt.date | None, Query(description="only transactions on or after this day")] = None,
) -> list[api.Transaction]:
    """Newest first; a statement for a period asks `since` its first day."""
    with state.session() as s:
        if s.get(t.Account, account_id) is None:
            raise not_found("account", account_id)
        query = select(t.Txn).where(t.Txn.account_id == account_id)
        if since is not None:
            query = query.where(t.Txn.created_at >= dt.datetime.combine(since, dt.time.min))
        rows = s.scalars(query.order_by(t.Txn.created_at.desc()).limit(limit)).all()
        return [
            api.Transaction(
                id=x.id,
                account_id=x.account_id,
                direction="credit" if x.direction == "credit" else "debit",
                amount=views.yuan(x.amount_fen),
                balance_after=views.yuan(x.balance_after_fen),
                counterparty_name=x.counterparty_name,
                counterparty_account=x.counterparty_account,
                description=x.description,
                created_at=x.created_at,
            )
            for x in rows
        ]
