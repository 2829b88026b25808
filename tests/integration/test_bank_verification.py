"""The bank's customer verification through the real client and the sandbox over ASGI: the PIN against a salted
hash with a try counter and a lock after the sandbox's setting, the face match with its own counter, and
nothing of either request kept by the bank beyond the hash and the counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from integrations import errors as bank_errors
from integrations.bundle import BankClients
from integrations.sandbox import tables as t
from integrations.sandbox.seed import cast_summary
from tests.integration.conftest import FAST_BANK
from tests.integration.journey_driver import camera_still

pytestmark = pytest.mark.integration

ZW = cast_summary()["zhang_wei"]
ZW_PIN = ZW["accounts"][0]["pin"]
C, A = ZW["customer_id"], "A1001"


async def refusal(call: Awaitable[object]) -> bank_errors.BankError:
    with pytest.raises(bank_errors.Rejected) as err:
        await call
    return err.value


async def test_right_wrong_and_locked_after_three_wrong_pins(clients: BankClients) -> None:
    verification = clients.verification
    ok = await verification.verify_pin(A, C, ZW_PIN)
    assert ok.verified and ok.method == "pin" and ok.account_id == A
    first = await refusal(verification.verify_pin(A, C, "000000"))
    assert first.code == "wrong_pin" and first.detail["tries_left"] == 2 and first.status == 409
    assert (await verification.verify_pin(A, C, ZW_PIN)).verified  # a right PIN starts the count again
    for left in (2, 1):
        assert (await refusal(verification.verify_pin(A, C, "000000"))).detail["tries_left"] == left
    locked = await refusal(verification.verify_pin(A, C, "000000"))
    assert locked.code == "pin_locked" and locked.detail["locked_until"] == str(dt.date.today() + dt.timedelta(days=1))
    assert (await refusal(verification.verify_pin(A, C, ZW_PIN))).code == "pin_locked"  # the right one too
    assert ZW_PIN not in str(locked) and "000000" not in str(first)


async def test_the_lock_lifts_the_next_day(clients: BankClients) -> None:
    for _ in range(3):
        await refusal(clients.verification.verify_pin(A, C, "999999"))
    assert clients.sandbox_app is not None
    with clients.sandbox_app.state.sandbox.session() as s:  # the three wrong tries were yesterday
        s.get(t.PinCredential, A).failed_on = dt.date.today() - dt.timedelta(days=1)
    assert (await clients.verification.verify_pin(A, C, ZW_PIN)).verified


async def test_the_bank_keeps_a_salted_hash_and_no_request(clients: BankClients) -> None:
    await clients.verification.verify_pin(A, C, ZW_PIN)
    await refusal(clients.verification.verify_pin(A, C, "123987"))
    assert clients.sandbox_app is not None
    state = clients.sandbox_app.state.sandbox
    with state.session() as s:
        hashes = s.scalars(select(t.PinCredential.pin_hash)).all()
        kept = [str(r.body) + r.request_hash for r in s.scalars(select(t.IdempotencyRecord))]
    assert len(hashes) == 4 and all(h.startswith("scrypt$") for h in hashes)
    assert len(set(hashes)) == len(hashes)  # salted: no two alike
    assert not any(ZW_PIN in h for h in hashes) and kept == []  # PIN checks carry no idempotency key


async def test_another_customers_account_is_not_found(clients: BankClients) -> None:
    with pytest.raises(bank_errors.NotFound):
        await clients.verification.verify_pin("A1002", C, ZW_PIN)


async def test_the_number_of_tries_is_a_sandbox_setting(tmp_path: Path) -> None:
    options = FAST_BANK.model_copy(update={"sandbox_pin_max_tries": 2, "sandbox_face_max_tries": 1})
    bank = BankClients.in_process(tmp_path / "strict.db", options)
    try:
        assert (await refusal(bank.verification.verify_pin(A, C, "000000"))).detail["tries_left"] == 1
        assert (await refusal(bank.verification.verify_pin(A, C, "000000"))).code == "pin_locked"
        await bank.sandbox.script_face_outcomes(C, ["mismatch"])
        assert (await refusal(bank.verification.verify_face(C, camera_still()))).code == "face_locked"
    finally:
        await bank.aclose()


async def test_face_match_scripted_outcomes_tries_and_bad_images(clients: BankClients) -> None:
    verification = clients.verification
    assert (await verification.verify_face(C, camera_still())).verified  # nothing scripted: a match
    await clients.sandbox.script_face_outcomes(C, ["mismatch", "match"])
    missed = await refusal(verification.verify_face(C, camera_still()))
    assert missed.code == "face_mismatch" and missed.detail["tries_left"] == 2
    assert (await verification.verify_face(C, camera_still())).verified
    with pytest.raises(bank_errors.InvalidRequest) as bad:
        await verification.verify_face(C, "aGVsbG8sIHRoaXMgaXMgbm90IGEgcGhvdG8=")
    assert bad.value.code == "bad_image"
    await clients.sandbox.script_face_outcomes(C, ["mismatch"] * 3)
    codes = [(await refusal(verification.verify_face(C, camera_still()))).code for _ in range(3)]
    assert codes == ["face_mismatch", "face_mismatch", "face_locked"]


async def test_a_database_seeded_before_pins_existed_gets_them_without_a_reset(tmp_path: Path) -> None:
    from integrations.sandbox.state import SandboxState

    state = SandboxState(tmp_path / "old.db")
    state.ensure_seeded()
    with state.session() as s:  # as an older sandbox left it today: seeded, no PINs, a balance spent
        s.execute(delete(t.PinCredential))
        s.get(t.Account, A).balance_fen = 100
    state.ensure_seeded()
    with state.session() as s:
        assert len(s.scalars(select(t.PinCredential)).all()) == 4
        assert s.get(t.Account, A).balance_fen == 100  # not re-seeded
    state.dispose()
