"""Risk: screening over the anti-fraud, AML/sanctions and known-fraud-account lists, and event reports.

The decision is the strongest hit: score >= 0.9 block, >= 0.7 hold, >= 0.4 warn, otherwise allow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from integrations import schemas as api
from integrations.sandbox import tables as t
from integrations.sandbox.common import IdempotencyKey, StateDep, idempotent_write
from integrations.sandbox.seed import age_on
from integrations.sandbox.state import new_id, now

router = APIRouter(prefix="/v1/risk", tags=["risk"])

ELDERLY_LARGE_AMOUNT = Decimal("50000")


def decide(hits: list[api.RiskHit]) -> str:
    top = max((h.score for h in hits), default=0.0)
    if top >= 0.9:
        return "block"
    if top >= 0.7:
        return "hold"
    return "warn" if top >= 0.4 else "allow"


@router.post("/screen", response_model=api.ScreenResult)
def screen(body: api.ScreenRequest, state: StateDep) -> api.ScreenResult:
    """Screen a customer and a counterparty before money moves (a read: no Idempotency-Key)."""
    hits: list[api.RiskHit] = []
    with state.session() as s:
        conditions = []
        if body.customer_id:
            conditions.append((t.ListEntry.subject == "customer") & (t.ListEntry.value == body.customer_id))
        if body.counterparty_account:
            account = body.counterparty_account.replace(" ", "").replace("-", "")
            conditions.append((t.ListEntry.subject == "account") & (t.ListEntry.value == account))
        if body.counterparty_name:
            conditions.append((t.ListEntry.subject == "name") & (t.ListEntry.value == body.counterparty_name.strip()))
        if conditions:
            for entry in s.scalars(select(t.ListEntry).where(or_(*conditions)).order_by(t.ListEntry.id)):
                hits.append(api.RiskHit(list=entry.list, reason=entry.reason, score=float(entry.score)))
        hits.extend(_heuristics(s, body))
    return api.ScreenResult(decision=decide(hits), hits=hits)


def _heuristics(s: Session, body: api.ScreenRequest) -> list[api.RiskHit]:
    """An elderly customer's large payment to someone else. A payment with no counterparty (a time deposit
    into the customer's own account, a wealth purchase) goes to nobody, so it is not a third-party risk."""
    if not body.customer_id or body.amount is None or body.amount < ELDERLY_LARGE_AMOUNT:
        return []
    if not (body.counterparty_account or body.counterparty_name):
        return []
    customer = s.get(t.Customer, body.customer_id)
    if customer is None or age_on(customer.birth_date, dt.date.today()) < 65:
        return []
    own = s.scalar(
        select(t.Account.id).where(
            t.Account.customer_id == customer.id, t.Account.number == (body.counterparty_account or "")
        )
    )
    if own is not None:
        return []
    return [
        api.RiskHit(
            list="anti_fraud",
            score=0.5,
            reason="老年客户向第三方大额转账 (elderly customer, large transfer to a third party)",
        )
    ]


@router.post("/events", status_code=201, response_model=api.RiskEvent)
def report_event(body: api.RiskEventRequest, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Record what the assistant observed (a warning given, a transfer held, a scam script heard)."""

    def act(s: Session) -> tuple[int, api.RiskEvent]:
        event = t.RiskEvent(
            id=new_id("rev"),
            kind=body.kind,
            customer_id=body.customer_id,
            session_id=body.session_id,
            severity=body.severity,
            detail=body.detail,
            created_at=now(),
        )
        s.add(event)
        return 201, api.RiskEvent.model_validate(event, from_attributes=True)

    return idempotent_write(state, request, key, body, act)
