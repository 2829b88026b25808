"""The seeded cast: loaded from cast.yaml, written into the sandbox tables, summarised for tests.

Relative dates (a booking "today") are resolved against the seeding day, and the sandbox re-seeds
when it is started on a later day, so the demo situations always hold.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from integrations.sandbox import tables as t
from integrations.sandbox.pins import seeded_hash
from integrations.sandbox.seed_orders import seed_orders

CATEGORY_PREFIX = {"personal": "A", "corporate": "B", "wealth": "C", "priority": "V"}


@lru_cache(maxsize=1)
def load_cast() -> dict[str, Any]:
    """The cast file shipped with the package (parsed once)."""
    text = resources.files("integrations.sandbox").joinpath("cast.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def fen(amount: str | Decimal) -> int:
    """Yuan (a decimal string) to integer fen."""
    return int((Decimal(str(amount)) * 100).to_integral_value())


def seed(session: Session, today: dt.date) -> None:
    """Write the whole cast into empty tables."""
    cast = load_cast()
    for branch in cast["branches"]:
        for category, windows in branch["windows"].items():
            session.add(
                t.QueueState(
                    branch_id=branch["id"],
                    category=category,
                    windows=windows,
                    waiting=branch["waiting"][category],
                    issued=10 + branch["waiting"][category],
                )
            )
    for key, c in cast["customers"].items():
        _seed_customer(session, key, c, today)
    session.flush()
    for c in cast["customers"].values():
        for entry in c.get("lists", []):
            session.add(_list_entry(entry, "customer", c["id"]))
    for cp in cast["counterparties"].values():
        for entry in cp.get("lists", []):
            session.add(_list_entry(entry, "account", cp["account_number"]))
            session.add(_list_entry(entry, "name", cp["name"], score_scale=Decimal("0.5")))
    for d in cast["devices"]:
        session.add(
            t.Device(
                id=d["id"],
                branch_id=d["branch_id"],
                kind=d["kind"],
                status=d["status"],
                stock=d.get("stock"),
                cells=d.get("cells", []),
            )
        )
    seed_orders(session, cast["customers"], today)
    session.add(t.Meta(key="seeded_on", value=today.isoformat()))


def _seed_customer(session: Session, key: str, c: dict[str, Any], today: dt.date) -> None:
    session.add(
        t.Customer(
            id=c["id"],
            cast_key=key,
            name=c["name"],
            name_en=c["name_en"],
            gender=c["gender"],
            birth_date=c["birth_date"],
            id_type=c["id_type"],
            id_number=c.get("id_number") or c["passport_number"],
            nationality=c.get("nationality", "CN"),
            phone=c["phone"],
            email=c.get("email"),
            segment=c["segment"],
            language=c["language"],
            accessibility=list(c["accessibility"]),
            risk_tolerance=c["risk_tolerance"],
            risk_assessed_on=c.get("risk_assessed_on"),
            marketing_consent=c["marketing_consent"],
            qr_token=c["qr_token"],
            home_branch=c["home_branch"],
        )
    )
    session.flush()
    for a in c.get("accounts", []):
        session.add(
            t.Account(
                id=a["id"],
                customer_id=c["id"],
                number=a["number"],
                kind=a["kind"],
                account_class=a["class"],
                currency=a["currency"],
                balance_fen=fen(a["balance"]),
            )
        )
    session.flush()
    for a in c.get("accounts", []):
        if a.get("pin"):
            session.add(t.PinCredential(account_id=a["id"], pin_hash=seeded_hash(a["id"], str(a["pin"])), failures=0))
    for k in c.get("cards", []):
        limit = k.get("credit_limit")
        session.add(
            t.Card(
                id=k["id"],
                customer_id=c["id"],
                account_id=k.get("account_id"),
                number=k["number"],
                kind=k["kind"],
                credit_limit_fen=fen(limit) if limit else None,
            )
        )
    for d in c.get("deposits", []):
        session.add(
            t.Deposit(
                id=d["id"],
                customer_id=c["id"],
                account_id=d["account_id"],
                term_months=d["term_months"],
                rate=d["rate"],
                principal_fen=fen(d["principal"]),
                opened_on=d["opened_on"],
            )
        )
    for w in c.get("wealth", []):
        session.add(
            t.Wealth(customer_id=c["id"], product=w["product"], risk_level=w["risk_level"], amount_fen=fen(w["amount"]))
        )
    for b in c.get("bookings", []):
        session.add(
            t.Booking(
                code=b["code"],
                customer_id=c["id"],
                branch_id=b["branch_id"],
                business_type=b["business_type"],
                date=today + dt.timedelta(days=b["day_offset"]),
                time=b["time"],
            )
        )
    for app in c.get("applications", []):
        session.add(
            t.Application(
                id=app["id"],
                customer_id=c["id"],
                kind=app["kind"],
                amount_fen=fen(app["amount"]),
                term_months=app["term_months"],
                status=app["status"],
                missing_documents=list(app["missing_documents"]),
                submitted_on=today + dt.timedelta(days=app["submitted_day_offset"]),
            )
        )


def seed_missing_pins(session: Session) -> int:
    """The cast's PINs for accounts that have none yet: a database seeded before PINs existed gets them
    without a reset (its day's bookings and balances stay). Returns how many were added."""
    added = 0
    for c in load_cast()["customers"].values():
        for a in c.get("accounts", []):
            if a.get("pin") and session.get(t.Account, a["id"]) and not session.get(t.PinCredential, a["id"]):
                session.add(
                    t.PinCredential(account_id=a["id"], pin_hash=seeded_hash(a["id"], str(a["pin"])), failures=0)
                )
                added += 1
    return added


def _list_entry(entry: dict[str, Any], subject: str, value: str, score_scale: Decimal = Decimal(1)) -> t.ListEntry:
    score = Decimal(str(entry["score"])) * score_scale
    return t.ListEntry(list=entry["list"], subject=subject, value=value, reason=entry["reason"], score=str(score))


def cast_summary(today: dt.date | None = None) -> dict[str, Any]:
    """Every identifier a test or a demo needs, keyed by the cast's names (`lobby sandbox cast`)."""
    today = today or dt.date.today()
    cast = load_cast()
    out: dict[str, Any] = {}
    for key, c in cast["customers"].items():
        out[key] = {
            "customer_id": c["id"],
            "name": c["name"],
            "name_en": c["name_en"],
            "age": age_on(c["birth_date"], today),
            "id_type": c["id_type"],
            "id_number": c.get("id_number"),
            "passport_number": c.get("passport_number"),
            "phone": c["phone"],
            "email": c.get("email"),
            "language": c["language"],
            "risk_tolerance": c["risk_tolerance"],
            "qr_token": c["qr_token"],
            "accounts": [
                {"id": a["id"], "number": a["number"], "balance": a["balance"], "pin": a.get("pin")}
                for a in c["accounts"]
            ],
            "cards": [{"id": k["id"], "number": k["number"], "kind": k["kind"]} for k in c["cards"]],
            "booking_codes": [b["code"] for b in c.get("bookings", [])],
            "bookings": [
                {**b, "date": (today + dt.timedelta(days=b["day_offset"])).isoformat()} for b in c.get("bookings", [])
            ],
            "applications": [
                {"id": a["id"], "missing_documents": a["missing_documents"]} for a in c.get("applications", [])
            ],
            "lists": [entry["list"] for entry in c.get("lists", [])],
        }
    for key, cp in cast["counterparties"].items():
        out[key] = {
            "customer_id": None,
            "name": cp["name"],
            "account_number": cp["account_number"],
            "bank": cp["bank"],
            "lists": [entry["list"] for entry in cp.get("lists", [])],
        }
    return out


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
