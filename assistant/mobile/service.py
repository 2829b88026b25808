"""What the phone asks of Lobby, one method each: sign in, book, prepare a form, and the live status.

Everything about a customer goes through the bank by the customer id of the signed-in token, never an id
from the request, so one customer can neither read nor change another's bookings or forms. What leaves
here for the screen is masked (names, phone and account numbers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from assistant.journeys import JourneyEngine
from assistant.journeys.spec import ExecuteStep, Flow
from assistant.mobile import forms
from assistant.mobile.bank import MobileBank
from assistant.mobile.documents import WhatToBring
from assistant.mobile.options import MobileOptions
from assistant.store.sessions import SessionNotFound, SessionStore, as_utc
from integrations.errors import BankError
from integrations.pii import mask_data

Text = dict[str, str]
TELLER_HEADING = "手机预填单"  # the teller console's row naming the form prepared at home
RECEIPT_SKIP = {"queue_ticket"}  # a ticket is not the transaction: the receipt is the business operation's


class FormRefused(ValueError):
    """The form does not pass the journey's rules; `errors` says why, per field."""

    def __init__(self, errors: dict[str, Text]) -> None:
        super().__init__("form refused")
        self.errors = errors


class MobileService:
    def __init__(
        self,
        bank: MobileBank,
        engine: JourneyEngine,
        sessions: SessionStore,
        bring: WhatToBring,
        options: MobileOptions,
    ) -> None:
        self.bank = bank
        self.engine = engine
        self.sessions = sessions
        self.bring = bring
        self.options = options

    # -- who --------------------------------------------------------------------------------------

    async def me(self, customer_id: str) -> dict[str, Any]:
        profile = await self.bank.profile(customer_id)
        return {
            "name": forms.mask_name(str(profile.get("name", ""))),
            "name_en": str(profile.get("name_en", "")).split(" ")[0] + " ***",
            "language": profile.get("language", "zh"),
            "home_branch": profile.get("home_branch"),
        }

    # -- booking ----------------------------------------------------------------------------------

    async def catalogue(self) -> dict[str, Any]:
        branches, businesses = await asyncio.gather(self.bank.branches(), self.bank.businesses())
        prepare = [
            {"journey": name, "title": {"zh": self.engine.flows[name].title.zh, "en": self.engine.flows[name].title.en}}
            for name in self.options.prepare
        ]
        return {"branches": branches, "businesses": businesses, "prepare": prepare}

    async def availability(self, branch_id: str, business_type: str) -> dict[str, Any]:
        slots = await self.bank.availability(branch_id, business_type)
        return {**slots, "documents": await asyncio.to_thread(self.bring.for_business, business_type)}

    # -- prepare at home --------------------------------------------------------------------------

    def flow(self, journey: str) -> Flow:
        if journey not in self.options.prepare:
            raise KeyError(journey)
        return self.engine.flows[journey]

    async def _profile(self, customer_id: str) -> dict[str, Any]:
        profile: dict[str, Any] = await self.engine.bank.profile(customer_id)
        return profile

    async def form(self, customer_id: str, journey: str) -> dict[str, Any]:
        flow = self.flow(journey)
        return forms.schema(self.engine, flow, customer_id, await self._profile(customer_id))

    async def prepare(self, customer_id: str, journey: str, values: dict[str, Any]) -> dict[str, Any]:
        """Check the form as the kiosk would; a passing one is kept at the bank under a new QR token."""
        flow = self.flow(journey)
        profile = await self._profile(customer_id)
        checked = await forms.check(self.engine, flow, customer_id, profile, values, self.options.messages)
        if not checked.ok:
            raise FormRefused({k: self.options.as_written(v) for k, v in checked.errors.items()})
        summary = forms.summary(self.engine, flow, customer_id, profile, checked.slots)
        return self._form_view(await self.bank.create_form(customer_id, journey, checked.slots, summary))

    # -- status -----------------------------------------------------------------------------------

    async def status(self, customer_id: str) -> dict[str, Any]:
        """Bookings and prepared forms as the phone shows them; a form whose transaction finished at the
        branch gets its receipt here (read from that visit's record of the bank's answer)."""
        bookings, prepared, orders = await asyncio.gather(
            self.bank.bookings(customer_id), self.bank.forms(customer_id), self.bank.orders(customer_id)
        )
        shown = []
        for form in prepared:
            if form.get("status") == "loaded" and form.get("session_id"):
                receipt = await asyncio.to_thread(self.receipt, form)
                if receipt is not None:
                    try:
                        form = await self.bank.complete_form(str(form["id"]), receipt)
                    except BankError:
                        form = {**form, "status": "completed", "receipt": receipt}
            shown.append(self._form_view(form))
        order = {"booked": 0, "checked_in": 1, "completed": 2, "cancelled": 3}
        bookings.sort(key=lambda b: (order.get(str(b.get("status")), 9), b.get("date"), b.get("time")))
        return {
            "bookings": bookings,
            "forms": shown,
            "orders": sorted(
                (order_view(o) for o in orders if o.get("customer_id") == customer_id),
                key=lambda o: (ORDER_RANK.get(str(o["status"]), 9), str(o["due_at"])),
            ),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def receipt(self, form: dict[str, Any]) -> dict[str, Any] | None:
        """The business operation's successful answer in the visit that loaded the form, or None yet."""
        flow = self.engine.flows.get(str(form.get("journey")))
        if flow is None:
            return None
        operations = [s.operation for s in flow.steps if isinstance(s, ExecuteStep) and s.operation not in RECEIPT_SKIP]
        try:
            turns = self.sessions.turns(str(form["session_id"]))
        except SessionNotFound:
            return None
        for turn in turns:
            for call in turn.backend_calls or []:
                if not isinstance(call, dict) or not call.get("ok") or call.get("operation") not in operations:
                    continue
                found = call.get("result")
                result: dict[str, Any] = found if isinstance(found, dict) else {}
                if result.get("status") in ("rejected", "failed", "requires_authorization"):
                    continue
                return {
                    "operation": call["operation"],
                    "title": {"zh": flow.title.zh, "en": flow.title.en},
                    "at": as_utc(turn.created_at).isoformat(),
                    "result": _receipt_fields(result),
                }
        return None

    async def teller_form(self, session_id: str) -> dict[str, str]:
        """The forms this visit loaded from the customer's phone, as the teller console's form rows
        (label -> value, masked as on the phone), headed by the form's code."""
        rows: dict[str, str] = {}
        for form in await self.bank.forms_of_session(session_id):
            flow = self.engine.flows.get(str(form.get("journey")))
            title = flow.title.zh if flow is not None else str(form.get("journey"))
            rows[TELLER_HEADING] = f"{title}（{form.get('token')}）"
            rows.update({str(r["label"]["zh"]): str(r["value"]["zh"]) for r in form.get("summary") or []})
        return rows

    async def counter_view(self, token: str) -> dict[str, Any]:
        """A prepared form opened at the counter by its code: the customer (masked) and the rows as filled
        at home, for the teller to verify and hand over. Read only: the form stays as it is."""
        form = await self.bank.form_by_token(token)
        flow = self.engine.flows.get(str(form.get("journey")))
        me = await self.me(str(form["customer_id"]))
        return {
            "token": form.get("token"),
            "journey": form.get("journey"),
            "title": {"zh": flow.title.zh, "en": flow.title.en} if flow is not None else None,
            "status": form.get("status"),
            "customer": {"customer_id": form.get("customer_id"), "name": me["name"]},
            "rows": form.get("summary") or [],
            "expires_at": form.get("expires_at"),
        }

    def _form_view(self, form: dict[str, Any]) -> dict[str, Any]:
        flow = self.engine.flows.get(str(form.get("journey")))
        title = {"zh": flow.title.zh, "en": flow.title.en} if flow is not None else None
        return {
            "id": form.get("id"),
            "token": form.get("token") if form.get("status") in ("open", "loaded") else None,
            "journey": form.get("journey"),
            "title": title,
            "status": form.get("status"),
            "summary": form.get("summary") or [],
            "receipt": form.get("receipt"),
            "created_at": form.get("created_at"),
            "expires_at": form.get("expires_at"),
        }


RECEIPT_KEYS = ("id", "status", "amount", "fee", "to_name", "to_account_number", "to_bank", "pickup_code", "kind")


def _receipt_fields(result: dict[str, Any]) -> dict[str, Any]:
    """The receipt's facts, personal data masked (already masked in the visit's record; names here)."""
    fields = {k: result[k] for k in RECEIPT_KEYS if k in result and result[k] is not None}
    if "*" in str(fields.get("id", "")):  # a reference the visit's record masked reads wrong: left out
        fields.pop("id")
    if "to_name" in fields:
        fields["to_name"] = forms.mask_name(str(fields["to_name"]))
    if "to_account_number" in fields:
        fields["to_account_number"] = forms.tail(str(fields["to_account_number"]))
    masked: dict[str, Any] = mask_data(fields)
    return masked


ORDER_STEPS = ("reserved", "ready", "picked_up")
ORDER_RANK = {"ready": 0, "reserved": 1}  # what the customer can collect now first; closed ones last


def order_view(order: dict[str, Any]) -> dict[str, Any]:
    """An order as the phone shows it: what, where it is on its way (reserved -> ready -> picked up, with when
    each step happened), the branch and deadline. No pickup code (the bank shows it once, at the kiosk) and
    nothing about who at the bank moved it."""
    reached = {
        str(e.get("to_status")): e.get("at")
        for e in order.get("history") or []
        if e.get("from_status") != e.get("to_status")
    }
    return {
        "id": order.get("id"),
        "kind": order.get("kind"),
        "name": {"zh": order.get("name"), "en": order.get("name_en")},
        "status": order.get("status"),
        "branch_id": order.get("branch_id"),
        "due_at": order.get("due_at"),
        "overdue": bool(order.get("overdue")),
        "updated_at": order.get("updated_at"),
        "steps": [{"status": s, "at": reached.get(s)} for s in ORDER_STEPS],
        "closed_at": reached.get(str(order.get("status"))) if order.get("status") in ("cancelled", "expired") else None,
    }
