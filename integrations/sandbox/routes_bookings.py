"""Booking from the customer's phone: branches, bookable businesses, free slots, book, change, cancel.

Capacity is data (`booking_capacity.yaml`): per branch, business and half-hour slot. Every open booking
(`booked`, `checked_in`) counts against its slot, the seeded ones included, so the phone shows the bank's
real capacity. A customer holds at most one open booking per business and day (a second one is
`already_booked`), and only the customer who made a booking may change or cancel it (anyone else gets
the same 404 as for a code that does not exist).
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integrations import schemas as api
from integrations.sandbox import tables as t
from integrations.sandbox import views
from integrations.sandbox.common import ApiError, IdempotencyKey, StateDep, idempotent_write, not_found, rejected

router = APIRouter(prefix="/v1", tags=["bookings"])

OPEN = ("booked", "checked_in")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed at the kiosk


@lru_cache(maxsize=1)
def capacity() -> dict[str, Any]:
    """The capacity file shipped with the package (parsed once)."""
    text = resources.files("integrations.sandbox").joinpath("booking_capacity.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


class BookingRequest(BaseModel):
    customer_id: str = Field(min_length=1, max_length=16)
    branch_id: str = Field(min_length=1, max_length=8)
    business_type: str = Field(min_length=1, max_length=32)
    date: dt.date
    time: str = Field(pattern=r"^\d{2}:\d{2}$")


class BookingChange(BaseModel):
    customer_id: str = Field(min_length=1, max_length=16)
    date: dt.date
    time: str = Field(pattern=r"^\d{2}:\d{2}$")


class BookingOwner(BaseModel):
    customer_id: str = Field(min_length=1, max_length=16)


def bookable_days(today: dt.date | None = None) -> list[dt.date]:
    today = today or dt.date.today()
    return [today + dt.timedelta(days=i) for i in range(int(capacity()["days_ahead"]))]


def _slot_open(day: dt.date, time: str, at: dt.datetime) -> bool:
    """A listed time on a bookable day that starts at least `lead_minutes` from `at` (local clock)."""
    if time not in capacity()["times"] or day not in bookable_days(at.date()):
        return False
    start = dt.datetime.combine(day, dt.time.fromisoformat(time))
    return start - at >= dt.timedelta(minutes=int(capacity()["lead_minutes"]))


def _taken(s: Session, branch_id: str, business_type: str, day: dt.date, exclude: str | None = None) -> dict[str, int]:
    """Open bookings per time of one branch, business and day."""
    stmt = (
        select(t.Booking.time, func.count())
        .where(
            t.Booking.branch_id == branch_id,
            t.Booking.business_type == business_type,
            t.Booking.date == day,
            t.Booking.status.in_(OPEN),
        )
        .group_by(t.Booking.time)
    )
    if exclude:
        stmt = stmt.where(t.Booking.code != exclude)
    return {time: int(n) for time, n in s.execute(stmt).all()}


def _check(s: Session, branch_id: str, business_type: str, day: dt.date, time: str, exclude: str | None) -> None:
    if branch_id not in capacity()["branches"]:
        raise not_found("branch", branch_id)
    business = capacity()["businesses"].get(business_type)
    if business is None:
        raise ApiError(422, "business_not_bookable", f"{business_type} cannot be booked", business_type=business_type)
    if not _slot_open(day, time, dt.datetime.now()):
        raise ApiError(422, "slot_invalid", f"{day} {time} is not a bookable slot", date=day, time=time)
    if _taken(s, branch_id, business_type, day, exclude).get(time, 0) >= int(business["capacity"]):
        raise rejected("slot_full", f"{day} {time} is fully booked", date=day, time=time)


def _owned(s: Session, code: str, customer_id: str) -> t.Booking:
    booking = s.get(t.Booking, code.strip().upper())
    if booking is None or booking.customer_id != customer_id:
        raise not_found("booking", code)
    return booking


def _new_code(s: Session) -> str:
    while True:
        code = "BK" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if s.get(t.Booking, code) is None:
            return code


@router.get("/branches")
def branches() -> list[dict[str, Any]]:
    """The branches that take bookings."""
    return [{"branch_id": k, **v} for k, v in capacity()["branches"].items()]


@router.get("/bookings/businesses")
def businesses() -> list[dict[str, Any]]:
    """The businesses a customer can book, with their names."""
    return [
        {"business_type": k, "name": v["name"], "name_en": v["name_en"]} for k, v in capacity()["businesses"].items()
    ]


@router.get("/bookings/availability")
def availability(state: StateDep, branch_id: str, business_type: str) -> dict[str, Any]:
    """Every bookable day with its slots: capacity, booked and what remains (past slots are left out)."""
    business = capacity()["businesses"].get(business_type)
    if branch_id not in capacity()["branches"]:
        raise not_found("branch", branch_id)
    if business is None:
        raise ApiError(422, "business_not_bookable", f"{business_type} cannot be booked", business_type=business_type)
    at = dt.datetime.now()
    days = []
    with state.session() as s:
        for day in bookable_days(at.date()):
            taken = _taken(s, branch_id, business_type, day)
            slots = [
                {
                    "time": time,
                    "capacity": int(business["capacity"]),
                    "booked": taken.get(time, 0),
                    "remaining": max(int(business["capacity"]) - taken.get(time, 0), 0),
                }
                for time in capacity()["times"]
                if _slot_open(day, time, at)
            ]
            days.append({"date": day.isoformat(), "slots": slots})
    return {"branch_id": branch_id, "business_type": business_type, "days": days}


@router.post("/bookings", status_code=201, response_model=api.Booking)
def book(body: BookingRequest, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Book a slot: refused when the slot is full (409 `slot_full`) or the customer already holds an open
    booking for this business that day (409 `already_booked`)."""

    def act(s: Session) -> tuple[int, api.Booking]:
        if s.get(t.Customer, body.customer_id) is None:
            raise not_found("customer", body.customer_id)
        _check(s, body.branch_id, body.business_type, body.date, body.time, None)
        same = s.scalar(
            select(t.Booking.code).where(
                t.Booking.customer_id == body.customer_id,
                t.Booking.business_type == body.business_type,
                t.Booking.date == body.date,
                t.Booking.status.in_(OPEN),
            )
        )
        if same is not None:
            raise rejected("already_booked", "an open booking for this business and day exists", booking=same)
        booking = t.Booking(
            code=_new_code(s),
            customer_id=body.customer_id,
            branch_id=body.branch_id,
            business_type=body.business_type,
            date=body.date,
            time=body.time,
            status="booked",
        )
        s.add(booking)
        s.flush()
        return 201, views.booking(booking)

    return idempotent_write(state, request, key, body, act)


@router.post("/bookings/{code}/change", response_model=api.Booking)
def change(code: str, body: BookingChange, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Move an open booking to another slot of the same branch and business (capacity checked again)."""

    def act(s: Session) -> tuple[int, api.Booking]:
        booking = _owned(s, code, body.customer_id)
        if booking.status != "booked":
            raise rejected("booking_not_open", f"booking is {booking.status}")
        _check(s, booking.branch_id, booking.business_type, body.date, body.time, exclude=booking.code)
        booking.date, booking.time = body.date, body.time
        s.flush()
        return 200, views.booking(booking)

    return idempotent_write(state, request, key, body, act)


@router.post("/bookings/{code}/cancel", response_model=api.Booking)
def cancel(code: str, body: BookingOwner, request: Request, state: StateDep, key: IdempotencyKey) -> JSONResponse:
    """Cancel an open booking; its slot is free again."""

    def act(s: Session) -> tuple[int, api.Booking]:
        booking = _owned(s, code, body.customer_id)
        if booking.status != "booked":
            raise rejected("booking_not_open", f"booking is {booking.status}")
        booking.status = "cancelled"
        s.flush()
        return 200, views.booking(booking)

    return idempotent_write(state, request, key, body, act)
