"""The customer's phone: the page `/m` and its API under `/api/v1/mobile`.

A public page, so: sign-in is by a code the bank texts to the customer's phone (the answer never says
whether a number banks here); every other route needs the customer token from that sign-in in the
`Authorization` header (never a cookie, so no cross-site request can carry it: CSRF-safe by design); a
route acts for the token's customer only; no staff data and no unmasked personal data leave here.
Live status is a server-sent event stream read with `fetch` (so the token stays in a header too).
At the counter, a teller who scans the customer's code reads the form as filled at home
(`GET /api/v1/teller/prepared/{token}`, tellers only, masked).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.auth import Principal, require
from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import bank_port
from assistant.logging import get_logger
from assistant.mobile.bank import MobileBank
from assistant.mobile.documents import WhatToBring
from assistant.mobile.options import check_preparable, mobile_options
from assistant.mobile.prepared import PreparedForms
from assistant.mobile.service import FormRefused, MobileService
from assistant.mobile.tokens import CustomerTokens, InvalidCustomerToken
from integrations.errors import BankError, BankUnavailable, InvalidRequest, NotFound, Rejected

log = get_logger("lobby.mobile")

WEB_DIR = Path(__file__).resolve().parent.parent / "mobile" / "web"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STREAM_PERIOD_S = 1.0  # how often the live stream looks for a change
STREAM_HEARTBEAT_S = 15.0

router = APIRouter(prefix="/api/v1/mobile", tags=["mobile"])
pages = APIRouter(include_in_schema=False)
counter = APIRouter(prefix="/api/v1/teller", tags=["teller"])


def install(app: FastAPI) -> None:
    """Register the page and the API (one call from the app factory)."""
    app.include_router(pages)
    app.include_router(router)
    app.include_router(counter)


def wire(app: FastAPI) -> MobileService:
    """Build the phone's service over the running app's bank, sessions and knowledge, and hand the
    kiosk's conversation its prepared-form loader (called from the app's lifespan)."""
    state = app.state
    options = mobile_options()
    engine = JourneyEngine(bank_port(state.bank))
    check_preparable(options, engine.flows)
    bank = MobileBank(state.bank.http)
    bring = WhatToBring(options.documents, state.settings.knowledge)  # quoted from the approved content files
    service = MobileService(bank, engine, state.sessions, bring, options)
    state.mobile = service
    state.mobile_tokens = CustomerTokens(state.settings.secret_key.get_secret_value(), options.token_minutes * 60)
    state.conversation.prepared = PreparedForms(bank, options)
    return service


# -- who is asking ---------------------------------------------------------------------------------


def _service(request: Request) -> MobileService:
    service: MobileService | None = getattr(request.app.state, "mobile", None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "starting")
    return service


def _customer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign-in required", headers={"WWW-Authenticate": "Bearer"})
    try:
        customer: str = request.app.state.mobile_tokens.customer(token.strip())
    except InvalidCustomerToken:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "sign-in required", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    return customer


Service = Annotated[MobileService, Depends(_service)]
Teller = Annotated[Principal, Depends(require("teller"))]
Customer = Annotated[str, Depends(_customer)]


def _bank_error(exc: BankError) -> HTTPException:
    """The bank's refusal as the phone can act on it: its stable code, never its raw message."""
    if isinstance(exc, BankUnavailable) and exc.code == "rate_limited":
        wait = str(exc.detail.get("retry_after", 60))
        return HTTPException(429, {"code": "rate_limited", "retry_after": int(wait)}, headers={"Retry-After": wait})
    if isinstance(exc, NotFound):
        return HTTPException(404, {"code": "not_found"})
    if isinstance(exc, Rejected | InvalidRequest):
        return HTTPException(409 if isinstance(exc, Rejected) else 422, {"code": exc.code or "invalid_request"})
    return HTTPException(503, {"code": "bank_unavailable"}, headers={"Retry-After": "5"})


# -- sign-in ----------------------------------------------------------------------------------------


class PhoneIn(BaseModel):
    phone: str = Field(pattern=r"^1[3-9]\d{9}$")


class SignInIn(PhoneIn):
    code: str = Field(pattern=r"^\d{6}$")


@router.post("/code", status_code=202, summary="Text a sign-in code (the same answer for any well-formed number)")
async def send_code(body: PhoneIn, service: Service) -> dict[str, Any]:
    try:
        sent = await service.bank.send_code(body.phone)
    except BankError as exc:
        raise _bank_error(exc) from None
    return {"sent": True, "expires_in": sent.get("expires_in"), "retry_after": sent.get("retry_after")}


@router.post("/sign-in", summary="Exchange the texted code for a customer token")
async def sign_in(body: SignInIn, request: Request, service: Service) -> dict[str, Any]:
    try:
        who = await service.bank.verify_code(body.phone, body.code)
    except (InvalidRequest, NotFound):
        raise HTTPException(401, {"code": "otp_invalid"}) from None
    except BankError as exc:
        raise _bank_error(exc) from None
    customer_id = str(who["customer_id"])
    tokens: CustomerTokens = request.app.state.mobile_tokens
    log.info("customer signed in on the phone", customer=customer_id)
    return {"token": tokens.issue(customer_id), "expires_in": tokens.ttl_s, "me": await service.me(customer_id)}


@router.get("/me")
async def me(customer: Customer, service: Service) -> dict[str, Any]:
    return await service.me(customer)


# -- booking ----------------------------------------------------------------------------------------


class BookIn(BaseModel):
    branch_id: str = Field(min_length=1, max_length=8)
    business_type: str = Field(min_length=1, max_length=32)
    date: dt.date
    time: str = Field(pattern=r"^\d{2}:\d{2}$")


class ChangeIn(BaseModel):
    date: dt.date
    time: str = Field(pattern=r"^\d{2}:\d{2}$")


@router.get("/catalogue", summary="Branches, bookable businesses and the journeys that can be prepared at home")
async def catalogue(_customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.catalogue()
    except BankError as exc:
        raise _bank_error(exc) from None


@router.get("/availability", summary="Free slots of a branch and business, with the documents to bring (cited)")
async def availability(branch_id: str, business_type: str, _customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.availability(branch_id, business_type)
    except BankError as exc:
        raise _bank_error(exc) from None


@router.post("/bookings", status_code=201)
async def book(body: BookIn, customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.bank.book(customer, body.branch_id, body.business_type, body.date, body.time)
    except BankError as exc:
        raise _bank_error(exc) from None


@router.post("/bookings/{code}/change")
async def change(code: str, body: ChangeIn, customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.bank.change_booking(customer, code, body.date, body.time)
    except BankError as exc:
        raise _bank_error(exc) from None


@router.post("/bookings/{code}/cancel")
async def cancel(code: str, customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.bank.cancel_booking(customer, code)
    except BankError as exc:
        raise _bank_error(exc) from None


# -- prepare at home --------------------------------------------------------------------------------


class FormIn(BaseModel):
    values: dict[str, Any] = Field(default_factory=dict, max_length=40)


def _with_qr(form: dict[str, Any]) -> dict[str, Any]:
    token = form.get("token")
    qr = segno.make(str(token), error="m").svg_data_uri(scale=8, border=2) if token else None
    return {**form, "qr": qr}


@router.get("/forms/{journey}", summary="A journey's form as the phone draws it (from the journey file)")
async def form(journey: str, customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.form(customer, journey)
    except KeyError:
        raise HTTPException(404, {"code": "not_preparable"}) from None
    except BankError as exc:
        raise _bank_error(exc) from None


@router.post("/forms/{journey}", status_code=201, summary="Check a filled form as the kiosk would and get its QR code")
async def prepare(journey: str, body: FormIn, customer: Customer, service: Service) -> Any:
    try:
        return _with_qr(await service.prepare(customer, journey, body.values))
    except KeyError:
        raise HTTPException(404, {"code": "not_preparable"}) from None
    except FormRefused as refused:
        return JSONResponse({"code": "form_refused", "errors": refused.errors}, status_code=422)
    except BankError as exc:
        raise _bank_error(exc) from None


@router.post("/prepared/{form_id}/cancel")
async def cancel_form(form_id: str, customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await service.bank.cancel_form(customer, form_id)
    except BankError as exc:
        raise _bank_error(exc) from None


# -- after ------------------------------------------------------------------------------------------


async def _status(service: MobileService, customer: str) -> dict[str, Any]:
    snapshot = await service.status(customer)
    snapshot["forms"] = [_with_qr(f) for f in snapshot["forms"]]
    return snapshot


@router.get("/status", summary="The customer's bookings and prepared forms (with receipts)")
async def current(customer: Customer, service: Service) -> dict[str, Any]:
    try:
        return await _status(service, customer)
    except BankError as exc:
        raise _bank_error(exc) from None


@router.get("/stream", summary="The same status, pushed as server-sent events whenever it changes")
async def stream(request: Request, customer: Customer, service: Service) -> StreamingResponse:
    # the stream never outlives a token: after a token's lifetime it ends, and the page's reconnect is refused
    # once the token has expired (the page then asks the customer to sign in again)
    deadline = asyncio.get_running_loop().time() + request.app.state.mobile_tokens.ttl_s

    async def events() -> AsyncIterator[str]:
        last, quiet = "", 0.0
        while not await request.is_disconnected() and asyncio.get_running_loop().time() < deadline:
            try:
                snapshot = await _status(service, customer)
            except BankError:
                snapshot = None
            if snapshot is not None:
                body = json.dumps({k: v for k, v in snapshot.items() if k != "at"}, ensure_ascii=False, sort_keys=True)
                if body != last:
                    last, quiet = body, 0.0
                    yield f"event: status\ndata: {json.dumps(snapshot, ensure_ascii=False)}\n\n"
            if quiet >= STREAM_HEARTBEAT_S:
                quiet = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(STREAM_PERIOD_S)
            quiet += STREAM_PERIOD_S

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


# -- at the counter --------------------------------------------------------------------------------


@counter.get("/prepared/{token}", summary="A teller scans the customer's code: the form prepared at home, masked")
async def at_counter(token: str, _teller: Teller, service: Service) -> dict[str, Any]:
    try:
        return await service.counter_view(token)
    except NotFound:
        raise HTTPException(404, {"code": "not_found"}) from None  # unknown, used, cancelled or expired
    except BankError as exc:
        raise _bank_error(exc) from None


# -- the page ---------------------------------------------------------------------------------------


@pages.get("/m", response_class=HTMLResponse)
async def page() -> HTMLResponse:
    return HTMLResponse((WEB_DIR / "index.html").read_text(encoding="utf-8"), headers=HEADERS)


@pages.get("/m/static/{name}")
async def static_file(name: str) -> FileResponse:
    path = (WEB_DIR / name).resolve()
    if path.parent != WEB_DIR or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise HTTPException(404, "not found")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=HEADERS)


@router.get("/demo/sms", summary="Outside production: the sandbox bank's SMS outbox for one phone (demo and tests)")
async def demo_sms(phone: str, request: Request) -> list[dict[str, Any]]:
    if request.app.state.settings.env == "production":
        raise HTTPException(404, "not found")
    response = await request.app.state.bank.http.request("sandbox", "GET", "/sandbox/v1/sms", params={"phone": phone})
    messages: list[dict[str, Any]] = response.json()
    return messages
