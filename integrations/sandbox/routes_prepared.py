"""Forms prepared at home: the bank keeps the filled slots of a journey under a QR token it issues.

At the branch the token does two things: the kiosk's QR identification finds the customer by it (like the
mobile-banking QR, see `customer_of_token`), and Lobby loads the form by it. A form stays `open` until it
is loaded at a branch, `loaded` until the transaction completes (a form the bank rejects at the branch
stays loaded and can be scanned again: nothing is lost), then `completed` with its receipt. A token of a
completed, cancelled or expired form identifies nobody.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.sandbox import tables as t
from integrations.sandbox import tables_mobile as tm
from integrations.sandbox.common import IdempotencyKey, StateDep, idempotent_write, not_found, rejected
from integrations.sandbox.state import new_id, now

router = APIRouter(prefix="/v1", tags=["prepared forms"])

LIVE = ("open", "loaded")
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a secret


class FormIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=16)
    journey: str = Field(min_length=1, max_length=64)
    slots: dict[str, Any]
    summary: list[dict[str, Any]] = Field(default_factory=list, max_length=40)
    ttl_hours: int = Field(72, ge=1, le=24 * 30)


class FormLoad(BaseModel):
    session_id: str = Field(min_length=1, max_length=64)


class FormDone(BaseModel):
    receipt: dict[str, Any]


class FormOwner(BaseModel):
    customer_id: str = Field(min_length=1, max_length=16)


def view(f: tm.PreparedForm) -> dict[str, Any]:
    expired = f.status in LIVE and f.expires_at <= now()
    return {
        "id": f.id,
        "token": f.token,
        "customer_id": f.customer_id,
        "journey": f.journey,
        "slots": f.slots,
        "summary": f.summary,
        "status": "expired" if expired else f.status,
        "session_id": f.session_id,
        "receipt": f.receipt,
        "created_at": f.created_at.isoformat() + "Z",
        "expires_at": f.expires_at.isoformat() + "Z",
        "updated_at": f.updated_at.isoformat() + "Z",
    }


def live_form(s: Session, token: str) -> tm.PreparedForm | None:
    form = s.scalar(select(tm.PreparedForm).where(tm.PreparedForm.token == token.strip().upper()))
    if form is None or form.status not in LIVE or form.expires_at <= now():
        return None
    return form


def customer_of_token(s: Session, token: str) -> t.Customer | None:
    """The customer a live prepared form's QR token identifies (used by `/v1/customers/lookup`)."""
    form = live_form(s, token)
    return s.get(t.Customer, form.customer_id) if form is not None else None


def _form(s: Session, form_id: str) -> tm.PreparedForm:
    form = s.get(tm.PreparedForm, form_id)
    if form is None:
        raise not_found("prepared form", form_id)
    return form


@router.post("/prepared-forms", status_code=201)
def create(body: FormIn, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    def act(s: Session) -> tuple[int, dict[str, Any]]:
        if s.get(t.Customer, body.customer_id) is None:
            raise not_found("customer", body.customer_id)
        at = now()
        while True:
            token = "PF" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(10))
            if s.scalar(select(tm.PreparedForm.id).where(tm.PreparedForm.token == token)) is None:
                break
        form = tm.PreparedForm(
            id=new_id("pf"),
            token=token,
            customer_id=body.customer_id,
            journey=body.journey,
            slots=body.slots,
            summary=body.summary,
            status="open",
            created_at=at,
            expires_at=at + dt.timedelta(hours=body.ttl_hours),
            updated_at=at,
        )
        s.add(form)
        s.flush()
        return 201, view(form)

    return idempotent_write(state, request, key, body, act)


@router.get("/customers/{customer_id}/prepared-forms")
def of_customer(customer_id: str, state: StateDep) -> list[dict[str, Any]]:
    with state.session() as s:
        rows = s.scalars(
            select(tm.PreparedForm)
            .where(tm.PreparedForm.customer_id == customer_id)
            .order_by(tm.PreparedForm.created_at.desc())
            .limit(50)
        )
        return [view(f) for f in rows]


@router.get("/prepared-forms")
def of_session(session_id: str, state: StateDep) -> list[dict[str, Any]]:
    """The forms a branch visit (a Lobby session) loaded: what the counter sees pre-filled."""
    with state.session() as s:
        rows = s.scalars(select(tm.PreparedForm).where(tm.PreparedForm.session_id == session_id).limit(10))
        return [view(f) for f in rows]


@router.get("/prepared-forms/by-token/{token}")
def by_token(token: str, state: StateDep) -> dict[str, Any]:
    """A live (open or loaded, unexpired) form by its QR token; 404 otherwise."""
    with state.session() as s:
        form = live_form(s, token)
        if form is None:
            raise not_found("prepared form", "by token")
        return view(form)


@router.post("/prepared-forms/{form_id}/load")
def load(form_id: str, body: FormLoad, state: StateDep) -> dict[str, Any]:
    """A branch opened the form in a visit (again after a rejection: the latest visit counts)."""
    with state.session() as s:
        form = _form(s, form_id)
        if form.status not in LIVE or form.expires_at <= now():
            raise rejected("form_not_open", f"form is {view(form)['status']}")
        form.status, form.session_id, form.updated_at = "loaded", body.session_id, now()
        s.flush()
        return view(form)


@router.post("/prepared-forms/{form_id}/complete")
def complete(form_id: str, body: FormDone, state: StateDep) -> dict[str, Any]:
    with state.session() as s:
        form = _form(s, form_id)
        if form.status == "completed":
            return view(form)
        if form.status != "loaded":
            raise rejected("form_not_loaded", f"form is {form.status}")
        form.status, form.receipt, form.updated_at = "completed", body.receipt, now()
        s.flush()
        return view(form)


@router.post("/prepared-forms/{form_id}/cancel")
def cancel(form_id: str, body: FormOwner, state: StateDep) -> dict[str, Any]:
    with state.session() as s:
        form = _form(s, form_id)
        if form.customer_id != body.customer_id:
            raise not_found("prepared form", form_id)
        if form.status not in LIVE:
            raise rejected("form_not_open", f"form is {form.status}")
        form.status, form.updated_at = "cancelled", now()
        s.flush()
        return view(form)
