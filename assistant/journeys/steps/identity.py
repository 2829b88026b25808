"""Identify the customer and pre-check what matters before the business itself.

Identification takes an ID-card read, a mobile-banking QR token, a booking code or a phone number
(events from the kiosk readers, or slots the NLU found in speech). The pre-check loads the profile
and leads with what matters today: a booking (checked in on the spot) and unfinished business.
"""

from __future__ import annotations

import re
from typing import Any

from pypinyin import lazy_pinyin

from assistant.journeys.ports import BankError, BankNotFound, BankUnavailable
from assistant.journeys.queue_words import ahead_words
from assistant.journeys.runtime import NEXT, Outcome, Run, stop, wait
from assistant.journeys.spec import IdentifyStep, Localized, PrecheckStep
from assistant.journeys.types import JourneyInput
from integrations.pii_names import mask_name

BOOKING_CODE = re.compile(r"(?<![A-Za-z0-9])(BK[0-9A-Z]{6})(?![A-Za-z0-9])", re.IGNORECASE)
QR_TOKEN = re.compile(r"(?<![A-Za-z0-9])(QR-[0-9A-Z-]{4,})(?![A-Za-z0-9-])", re.IGNORECASE)
PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
STRONG = {"id_card", "passport", "qr"}
MAX_ATTEMPTS = 3


def _gender(id_number: str) -> str | None:
    """M or F from a resident ID number (GB 11643: the 17th digit is odd for men); None otherwise."""
    return ("M" if int(id_number[16]) % 2 else "F") if len(id_number) == 18 and id_number[16].isdigit() else None


def _identity(inp: JourneyInput) -> tuple[str, dict[str, str]] | None:
    """(method, lookup arguments) from an event, NLU slots or the text itself."""
    if inp.event is not None:
        d = inp.event.data
        if inp.event.type == "id_card_read" and d.get("id_number"):
            method = "passport" if d.get("document") == "passport" else "id_card"
            return method, {"id_number": str(d["id_number"])}
        scanned = d.get("qr_token") or d.get("token") or d.get("code")  # readers name the field differently
        if inp.event.type == "qr_scanned" and scanned:
            return "qr", {"qr_token": str(scanned)}
        if inp.event.type == "booking_code" and d.get("code"):
            return "booking_code", {"booking_code": str(d["code"])}
    s = inp.slots
    if s.get("booking_code"):
        return "booking_code", {"booking_code": str(s["booking_code"])}
    if s.get("phone"):
        return "phone", {"phone": str(s["phone"])}
    text = inp.text or ""
    for method, pattern, arg in (
        ("booking_code", BOOKING_CODE, "booking_code"),
        ("qr", QR_TOKEN, "qr_token"),
        ("phone", PHONE, "phone"),
    ):
        m = pattern.search(text)
        if m:
            return method, {arg: m.group(1).upper() if method != "phone" else m.group(1)}
    return None


async def identify(step: IdentifyStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    if state.customer is not None:
        return NEXT
    ctx = state.context
    if ctx.customer_id and (not step.strong or ctx.identified_by in STRONG):
        state.customer = {"customer_id": ctx.customer_id, "matched_by": ctx.identified_by or "session"}
        return NEXT
    found = _identity(inp) if inp is not None else None
    if found is None:
        if inp is not None and (state.awaiting or {}).get("step") == step.id:
            run.say("engine.invalid_answer")
        run.say(f"{run.flow.name}.{step.id}", step.prompt)
        run.suggest("cancel")
        return wait(kind="identify", step=step.id, methods=list(step.methods))
    method, args = found
    allowed = set(step.methods) | ({"passport"} if "id_card" in step.methods else set())
    if method not in allowed or (step.strong and method not in STRONG):
        run.say("engine.identify_too_weak")
        run.say(f"{run.flow.name}.{step.id}", step.prompt)
        return wait(kind="identify", step=step.id, methods=list(step.methods))
    try:
        ref = await run.call("lookup_customer", dict(args), lambda: run.bank.lookup_customer(**args))
    except BankNotFound:
        tries = state.attempts.get(step.id, 0) + 1
        state.attempts[step.id] = tries
        if tries >= MAX_ATTEMPTS:
            run.say("engine.too_many_attempts")
            run.handoff_request("general", "normal", "identification_failed")
            return stop("handed_off")
        run.say("engine.identify_not_found")
        run.say(f"{run.flow.name}.{step.id}", step.prompt)
        return wait(kind="identify", step=step.id, methods=list(step.methods))
    except BankError:
        run.say("engine.bank_unavailable")
        run.suggest("retry", "human", "cancel")
        return wait(kind="identify", step=step.id, methods=list(step.methods))
    state.customer = {**ref, "verified_by": method}
    if method == "id_card" and (gender := _gender(args.get("id_number", ""))):
        state.customer["gender"] = gender  # so the avatar says 张先生 / 张女士 aloud, never the full name
    state.customer["addressed_as"] = addressed_as(state.customer)
    run.say("engine.identified", _greeting(run, state.customer["addressed_as"]))
    return NEXT


def _greeting(run: Run, addressed: dict[str, str]) -> Localized:
    """The greeting with the customer's title ("陈女士，您好") in each language that has one, else a plain "您好":
    a Latin name whose gender the bank does not know is never read out as masked initials."""
    named, plain = run.messages.messages["engine.identified"], run.messages.messages["engine.identified_plain"]
    return Localized(zh=(named if addressed["zh"] else plain).zh, en=(named if addressed["en"] else plain).en)


def _today_bookings(run: Run, step: PrecheckStep, bookings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    today = run.today().isoformat()
    return [
        b
        for b in bookings
        if b.get("date") == today
        and b.get("branch_id") == run.state.context.branch_id
        and b.get("status") in ("booked", "checked_in")
        and (step.booking_type is None or b.get("business_type") == step.booking_type)
    ]


async def _check_in(run: Run, step: PrecheckStep, booking: dict[str, Any]) -> None:
    labels = run.messages.label("business_types", str(booking.get("business_type")))
    values = {"time": booking.get("time"), "business": labels.zh, "business_en": labels.en}
    if not step.check_in or booking.get("status") != "booked":
        run.say("precheck.booking_today", **values)
        return
    key = run.idempotency_key(step.id)
    code = str(booking["code"])
    try:
        done = await run.call(
            "check_in", {"booking_code": code}, lambda: run.bank.check_in(code, idempotency_key=key), key
        )
    except BankError:
        run.say("precheck.booking_today", **values)
        return
    run.state.results["check_in"] = done
    ticket = done.get("ticket", {})
    ahead = ahead_words(run.messages, ticket.get("waiting_ahead"))
    run.say("precheck.checked_in", ticket=ticket.get("number"), ahead=ahead, **values)
    run.card("ticket", {"zh": "排队号", "en": "Queue ticket"}, **ticket)


async def precheck(step: PrecheckStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    customer_id = str((state.customer or {}).get("customer_id", ""))
    if not customer_id:
        return NEXT
    if state.profile is None:
        try:
            state.profile = await run.call(
                "profile", {"customer_id": customer_id}, lambda: run.bank.profile(customer_id)
            )
        except BankUnavailable:
            run.say("engine.bank_unavailable")
            run.suggest("retry", "human", "cancel")
            return wait(kind="retry", step=step.id)
        except BankError:
            run.say("engine.bank_rejected", reason=run.reason("profile_unavailable"))
            return stop("failed")
    profile = state.profile or {}
    if state.customer is not None:
        if "name" not in state.customer:
            state.customer["name"] = profile.get("name")
        for key in ("name_en", "gender"):  # how the avatar addresses them aloud (张先生 / Ms Clark)
            if profile.get(key) and key not in state.customer:
                state.customer[key] = profile[key]
    bookings = profile.get("bookings")
    if bookings is None:  # a gateway whose profile carries no bookings: ask the booking system
        try:
            bookings = await run.call("bookings", {"customer_id": customer_id}, lambda: run.bank.bookings(customer_id))
        except BankError:
            bookings = []
    for booking in _today_bookings(run, step, list(bookings or [])):
        await _check_in(run, step, booking)
    for app in profile.get("applications", []):
        missing = list(app.get("missing_documents", []))
        if not missing:
            continue
        kind = run.messages.label("application_kinds", str(app.get("kind")))
        docs = [run.messages.label("documents", str(d)) for d in missing]
        run.say(
            "precheck.missing_documents",
            kind=kind.zh,
            kind_en=kind.en,
            documents="、".join(d.zh for d in docs),
            documents_en=", ".join(d.en for d in docs),
        )
        run.card("lead", {"zh": "待补材料", "en": "Documents needed"}, missing=[{"zh": d.zh, "en": d.en} for d in docs])
    return NEXT


_CJK = re.compile(r"[\u4e00-\u9fff]")


def addressed_as(customer: dict[str, Any]) -> dict[str, str]:
    """How the screen greets the customer in a public lobby, never by the full name: title and surname
    when the gender is known (from the ID card or the bank's record: 张先生 / Mr Zhang, Clark女士 /
    Ms Clark); else a Chinese name masked on the Chinese screen (张*), and no name at all otherwise
    (an empty string: masked initials such as "E**** C****" read as nonsense)."""
    name = str(customer.get("name") or "").strip()
    name_en = str(customer.get("name_en") or "").strip()
    title = {"M": ("先生", "Mr"), "F": ("女士", "Ms")}.get(str(customer.get("gender") or "").upper())
    chinese = bool(_CJK.match(name))
    surname = _surname(name, name_en)
    if title is None or not surname:
        return {"zh": mask_name(name) if chinese else "", "en": ""}
    zh = f"{name[0]}{title[0]}" if chinese else f"{surname}{title[0]}"
    return {"zh": zh, "en": f"{title[1]} {surname}"}


def _surname(name: str, name_en: str) -> str:
    """The surname in Latin letters: a romanised Chinese name puts it first (Zhang Wei), a Western one
    last (Emily Clark); without an English name, the pinyin of a Chinese surname."""
    chinese = bool(_CJK.match(name))
    parts = (name_en or ("" if chinese else name)).split()
    if parts and not _CJK.search(" ".join(parts)):
        return parts[0] if chinese else parts[-1]
    return _romanised(name[0]) if chinese else ""


def _romanised(name: str) -> str:
    """陈 -> Chen, for an English sentence when the bank has no English name."""
    return " ".join(syllable.capitalize() for syllable in lazy_pinyin(name)) if _CJK.match(name) else name
