"""Customer verification before money moves: the PIN of an account and a face match against the ID photo.

PIN (`POST /v1/accounts/{id}/pin-verification`): compared with the account's salted scrypt hash
(`pins.py`); wrong PINs count per account and day, and the `pin_max_tries`-th wrong one locks the PIN
until the next day (the bank's rule: three wrong PINs lock the card's PIN for the rest of the day). The
body is never stored: PIN checks carry no Idempotency-Key (a retry would count a try twice; a lost answer
means the customer types it again), so nothing of the request lands in the idempotency table either.

Face (`POST /v1/customers/{id}/face-verification`): a real bank compares the kiosk's still with the ID
photo held by the public-security network. The sandbox has no ID photos and no face-recognition model, so it
does not pretend to compare faces. It checks what it can (the image is a JPEG of at least
`MIN_FACE_SIDE` pixels a side: 422 `bad_image` otherwise, which costs no try) and then decides by a
documented rule: the customer's next scripted outcome if a test or demo queued one
(`POST /sandbox/v1/face-outcomes`), else a match. Failed matches count per customer and day and lock face
verification like wrong PINs.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from integrations import schemas as api
from integrations.sandbox import tables as t
from integrations.sandbox.common import ApiError, StateDep, not_found, rejected
from integrations.sandbox.pins import verify_pin

MIN_FACE_SIDE = 64
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class VerificationPolicy:
    """The sandbox's settings: wrong tries before a lock (the bank's content says three for PINs)."""

    pin_max_tries: int = 3
    face_max_tries: int = 3


def _policy(request: Request) -> VerificationPolicy:
    policy: VerificationPolicy = request.app.state.verification
    return policy


PolicyDep = Annotated[VerificationPolicy, Depends(_policy)]
router = APIRouter(prefix="/v1", tags=["verification"])
control = APIRouter(prefix="/sandbox/v1", tags=["sandbox control"])


def _tries_today(failures: int, failed_on: dt.date | None, today: dt.date) -> int:
    """Wrong tries count for the day they happened on; a new day starts at zero (the lock lifts at midnight)."""
    return failures if failed_on == today else 0


def _locked(code: str, today: dt.date) -> ApiError:
    return rejected(code, "too many failed tries today", tries_left=0, locked_until=today + dt.timedelta(days=1))


@router.post("/accounts/{account_id}/pin-verification", response_model=api.Verification)
def verify_account_pin(
    account_id: str, body: api.PinVerifyRequest, state: StateDep, policy: PolicyDep
) -> api.Verification:
    """Check the PIN typed on the kiosk's pad: 409 `wrong_pin` (`tries_left`), 409 `pin_locked` (`locked_until`)."""
    today = dt.date.today()
    with state.session() as s:
        account = s.get(t.Account, account_id)
        if account is None or account.customer_id != body.customer_id:
            raise not_found("account", account_id)
        credential = s.get(t.PinCredential, account_id)
        if credential is None:
            raise rejected("pin_not_set", "this account has no PIN")
        failures = _tries_today(credential.failures, credential.failed_on, today)
        if failures >= policy.pin_max_tries:
            raise _locked("pin_locked", today)
        right = verify_pin(credential.pin_hash, body.pin)
        credential.failures, credential.failed_on = (0, None) if right else (failures + 1, today)
        failures = credential.failures
    if not right:  # the failure is committed above; only then the refusal
        if failures >= policy.pin_max_tries:
            raise _locked("pin_locked", today)
        raise rejected("wrong_pin", "the PIN is not right", tries_left=policy.pin_max_tries - failures)
    return api.Verification(method="pin", verified=True, customer_id=body.customer_id, account_id=account_id)


def jpeg_size(image: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, or None when `image` is not a JPEG."""
    if image[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(image):
        if image[i] != 0xFF:
            return None
        marker = image[i + 1]
        length = int.from_bytes(image[i + 2 : i + 4], "big")
        if marker in _SOF and i + 9 <= len(image):
            return int.from_bytes(image[i + 7 : i + 9], "big"), int.from_bytes(image[i + 5 : i + 7], "big")
        i += 2 + length
    return None


def _still(encoded: str) -> bytes:
    try:
        image = base64.b64decode(encoded.split(",", 1)[-1], validate=True)  # a data: URL prefix is fine
    except (binascii.Error, ValueError):
        raise ApiError(422, "bad_image", "the image is not base64") from None
    size = jpeg_size(image)
    if size is None or min(size) < MIN_FACE_SIDE:
        raise ApiError(422, "bad_image", f"a JPEG of at least {MIN_FACE_SIDE}x{MIN_FACE_SIDE} pixels is needed")
    return image


def _face_check(s: Session, customer_id: str) -> t.FaceCheck:
    check = s.get(t.FaceCheck, customer_id)
    if check is None:
        check = t.FaceCheck(customer_id=customer_id, failures=0, failed_on=None, scripted=[])
        s.add(check)
    return check


@router.post("/customers/{customer_id}/face-verification", response_model=api.Verification)
def verify_face(customer_id: str, body: api.FaceMatchRequest, state: StateDep, policy: PolicyDep) -> api.Verification:
    """Match a kiosk still with the ID photo: 409 `face_mismatch` (`tries_left`), 409 `face_locked`,
    422 `bad_image` (no try counted). The sandbox's rule is in the module docstring."""
    _still(body.image)
    today = dt.date.today()
    with state.session() as s:
        if s.get(t.Customer, customer_id) is None:
            raise not_found("customer", customer_id)
        check = _face_check(s, customer_id)
        failures = _tries_today(check.failures, check.failed_on, today)
        if failures >= policy.face_max_tries:
            raise _locked("face_locked", today)
        scripted = list(check.scripted or [])
        matched = (scripted.pop(0) if scripted else "match") == "match"
        check.scripted = scripted
        check.failures, check.failed_on = (0, None) if matched else (failures + 1, today)
        failures = check.failures
    if not matched:
        if failures >= policy.face_max_tries:
            raise _locked("face_locked", today)
        raise rejected("face_mismatch", "the face does not match", tries_left=policy.face_max_tries - failures)
    return api.Verification(method="face", verified=True, customer_id=customer_id)


@control.post("/face-outcomes", response_model=api.FaceOutcomes)
def script_face_outcomes(body: api.FaceOutcomes, state: StateDep) -> api.FaceOutcomes:
    """Queue the outcomes of a customer's next face matches (replaces what was queued; a reset clears it)."""
    with state.session() as s:
        if s.get(t.Customer, body.customer_id) is None:
            raise not_found("customer", body.customer_id)
        _face_check(s, body.customer_id).scripted = list(body.outcomes)
    return body
