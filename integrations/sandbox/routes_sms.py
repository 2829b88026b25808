"""Sign-in codes sent by SMS, and the SMS gateway's outbox.

`POST /v1/otp` answers the same for every well-formed number, a customer's or not: only a customer's
phone receives a message, so nobody learns from the answer whether a number banks here. The rate limit
counts every request (customers or not) for the same reason. `POST /v1/otp/verify` gives one answer,
`otp_invalid`, for a wrong, expired, used or exhausted code and for a number that never got one.

The outbox (`GET /sandbox/v1/sms`) and the clock jump (`POST /sandbox/v1/otp/advance`) are sandbox control
routes for tests and the demo; a real bank has neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from integrations.sandbox import tables as t
from integrations.sandbox import tables_mobile as tm
from integrations.sandbox.common import ApiError, StateDep
from integrations.sandbox.state import now

router = APIRouter(prefix="/v1", tags=["sign-in codes"])
control = APIRouter(prefix="/sandbox/v1", tags=["sandbox control"])

CODE_TTL = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)  # one code per number per minute...
HOURLY_LIMIT = 5  # ... and at most this many an hour
MAX_ATTEMPTS = 5  # wrong guesses before a code dies
PHONE = r"^1[3-9]\d{9}$"
TEXT = (
    "【示范银行】您的登录验证码为{code}，{minutes}分钟内有效。请勿将验证码告诉任何人，银行工作人员不会向您索要。"
    " Demo Bank sign-in code {code}, valid for {minutes} minutes. Never share it; bank staff never ask for it."
)


class CodeRequest(BaseModel):
    phone: str = Field(pattern=PHONE)


class CodeCheck(BaseModel):
    phone: str = Field(pattern=PHONE)
    code: str = Field(min_length=1, max_length=12)


def _hash(phone: str, code: str) -> str:
    return hmac.new(phone.encode(), code.encode(), hashlib.sha256).hexdigest()


@router.post("/otp", status_code=202)
def send_code(body: CodeRequest, state: StateDep) -> dict[str, Any]:
    """Send a sign-in code to a customer's phone (nothing is sent to other numbers; the answer is the same)."""
    at = now()
    with state.session() as s:
        recent = s.scalars(
            select(tm.OtpRequest.created_at)
            .where(tm.OtpRequest.phone == body.phone, tm.OtpRequest.created_at > at - dt.timedelta(hours=1))
            .order_by(tm.OtpRequest.created_at.desc())
        ).all()
        if recent and at - recent[0] < RESEND_AFTER:
            wait = int((RESEND_AFTER - (at - recent[0])).total_seconds()) + 1
            raise ApiError(429, "rate_limited", "a code was sent a moment ago", retry_after=wait)
        if len(recent) >= HOURLY_LIMIT:
            wait = int((recent[-1] + dt.timedelta(hours=1) - at).total_seconds()) + 1
            raise ApiError(429, "rate_limited", "too many codes this hour", retry_after=wait)
        s.add(tm.OtpRequest(phone=body.phone, created_at=at))
        if s.scalar(select(t.Customer.id).where(t.Customer.phone == body.phone)) is not None:
            s.execute(update(tm.OtpCode).where(tm.OtpCode.phone == body.phone).values(used=True))  # one live code
            code = f"{secrets.randbelow(10**6):06d}"
            s.add(
                tm.OtpCode(phone=body.phone, code_hash=_hash(body.phone, code), created_at=at, expires_at=at + CODE_TTL)
            )
            minutes = int(CODE_TTL.total_seconds() // 60)
            s.add(tm.SmsMessage(phone=body.phone, text=TEXT.format(code=code, minutes=minutes), created_at=at))
    return {"status": "sent", "expires_in": int(CODE_TTL.total_seconds()), "retry_after": int(RESEND_AFTER.seconds)}


@router.post("/otp/verify")
def verify_code(body: CodeCheck, state: StateDep) -> dict[str, Any]:
    """The customer whose phone got this code (the code is used up), or 401 `otp_invalid`."""
    at = now()
    with state.session() as s:
        live = s.scalar(
            select(tm.OtpCode)
            .where(tm.OtpCode.phone == body.phone, tm.OtpCode.used.is_(False))
            .order_by(tm.OtpCode.created_at.desc())
            .limit(1)
        )
        ok = live is not None and live.expires_at > at and live.attempts < MAX_ATTEMPTS
        if live is not None and ok and hmac.compare_digest(live.code_hash, _hash(body.phone, body.code.strip())):
            live.used = True
            customer = s.scalar(select(t.Customer).where(t.Customer.phone == body.phone))
            if customer is not None:
                return {"customer_id": customer.id, "name": customer.name, "language": customer.language}
        elif live is not None:
            live.attempts += 1
    raise ApiError(401, "otp_invalid", "the code is wrong or has expired")


@control.get("/sms")
def outbox(state: StateDep, phone: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The SMS gateway's outbox, newest first (optionally for one phone)."""
    with state.session() as s:
        stmt = select(tm.SmsMessage).order_by(tm.SmsMessage.id.desc()).limit(max(1, min(limit, 200)))
        if phone:
            stmt = stmt.where(tm.SmsMessage.phone == phone)
        return [
            {"phone": m.phone, "text": m.text, "created_at": m.created_at.isoformat() + "Z"} for m in s.scalars(stmt)
        ]


def let_time_pass(s: Session, shift: dt.timedelta, phone: str | None = None) -> None:
    """Move the codes and the rate limit's requests (of one phone, or all) `shift` into the past."""
    codes, requests = select(tm.OtpCode), select(tm.OtpRequest)
    if phone:
        codes, requests = codes.where(tm.OtpCode.phone == phone), requests.where(tm.OtpRequest.phone == phone)
    for code in s.scalars(codes):
        code.created_at, code.expires_at = code.created_at - shift, code.expires_at - shift
    for request in s.scalars(requests):
        request.created_at -= shift
    s.flush()


@control.post("/otp/advance")
def advance_clock(state: StateDep, seconds: int = 0, phone: str | None = None) -> JSONResponse:
    """Let `seconds` pass for the sign-in codes and the rate limit (of one phone, or all): codes expire and
    the limit's windows close as they would after that long."""
    shift = dt.timedelta(seconds=max(seconds, 0))
    with state.session() as s:
        let_time_pass(s, shift, phone)
        live = s.scalar(
            select(func.count())
            .select_from(tm.OtpCode)
            .where(tm.OtpCode.used.is_(False), tm.OtpCode.expires_at > now())
        )
    return JSONResponse({"advanced_s": int(shift.total_seconds()), "live_codes": live})
