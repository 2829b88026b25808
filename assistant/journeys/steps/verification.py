"""Verify the customer before money moves: a face match against the ID photo, the PIN on the kiosk's pad.

The flow file says which business needs which (`kind: verify, methods: [face, pin]`); the bank decides
(`verify_face`, `verify_pin`) and counts the tries, so a lock holds across visits and kiosks. What this
step keeps is only which methods passed, for which request: the confirmation's epoch and a fingerprint of
the slots, so a changed amount or payee needs the customer again and an execute refuses to move money
otherwise (`verified`). The PIN and the camera still arrive in a device event (`pin_entered {pin}`,
`face_captured {image}`), go to the bank at once and are never put in the state, a reply, a card or a
call record: the transcript shows `verify_pin` with the account and the customer only.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from assistant.journeys.ports import BankError, BankRejected, BankUnavailable
from assistant.journeys.runtime import NEXT, Outcome, Run, stop, wait
from assistant.journeys.spec import VerifyStep
from assistant.journeys.steps.interaction import option_label
from assistant.journeys.types import JourneyInput

PIN = re.compile(r"^[0-9]{6}$")
DIGITS = re.compile(r"[0-9０-９一二三四五六七八九零〇]{4,}")
EVENTS = {"pin": "pin_entered", "face": "face_captured"}
LOCKED = {"pin_locked", "face_locked"}
WRONG = {"wrong_pin", "face_mismatch"}


def fingerprint(run: Run) -> str:
    """What was agreed: the slots as confirmed (a verification holds for this request only)."""
    raw = json.dumps(run.state.slots, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _record(step: VerifyStep, run: Run) -> dict[str, Any]:
    state = run.state
    record = state.results.get(step.id)
    current = {"epoch": state.epoch, "request": fingerprint(run)}
    if not isinstance(record, dict) or any(record.get(k) != v for k, v in current.items()):
        record = {**current, "passed": []}
        state.results[step.id] = record
    return record


def verified(step: VerifyStep, run: Run) -> bool:
    """Every method of `step` passed for the request as it stands now."""
    record = run.state.results.get(step.id)
    return (
        isinstance(record, dict)
        and record.get("epoch") == run.state.epoch
        and record.get("request") == fingerprint(run)
        and all(m in record.get("passed", []) for m in step.methods)
    )


def _ask(step: VerifyStep, run: Run, method: str) -> Outcome:
    if method == "pin":
        account = run.selected().get(str(step.account)) or {}
        label = option_label(run.flow.slots[str(step.account)], account)
        values = {"zh": label.zh, "en": label.en}
        run.say("verify.pin.prompt", account=values)
        run.card("pin_pad", {"zh": "请输入密码", "en": "Enter your PIN"}, digits=6, account=values)
    else:
        run.say("verify.face.prompt")
        run.card("face_capture", {"zh": "人脸识别", "en": "Face verification"})
    run.suggest("cancel", "human")
    return wait(kind="verify", step=step.id, method=method)


def _refused(step: VerifyStep, run: Run, method: str, error: BankError) -> Outcome:
    """A wrong PIN or face: tries left in plain words and ask again; locked: no money moves, a person offered."""
    if error.code in WRONG:
        run.say(f"verify.{method}.wrong", tries_left=error.detail.get("tries_left"))
        return _ask(step, run, method)
    if error.code == "bad_image":
        run.say("verify.face.bad_image")
        return _ask(step, run, method)
    if error.code in LOCKED:
        run.say(f"verify.{method}.locked")
    else:
        run.say("engine.bank_rejected", reason=run.reason(error.code))
    run.suggest("human")
    return stop("blocked")


async def _check(step: VerifyStep, run: Run, method: str, inp: JourneyInput) -> Outcome | None:
    """None when the method passed; otherwise what to do (ask again, or stop)."""
    event = inp.event
    if event is None or event.type != EVENTS[method]:
        if method == "pin" and inp.text and DIGITS.search(inp.text):
            run.say("verify.pin.spoken")  # never taken by voice: said aloud, it is no secret any more
        return _ask(step, run, method)
    customer_id = str((run.state.customer or {}).get("customer_id") or "")
    if method == "pin":
        pin = str(event.data.get("pin") or "")
        if not PIN.match(pin):
            run.say("verify.pin.format")
            return _ask(step, run, method)
        account_id = str(run.state.slots.get(str(step.account)) or "")
        args: dict[str, Any] = {"account_id": account_id, "customer_id": customer_id}
        invoke = lambda: run.bank.verify_pin(account_id, customer_id, pin)  # noqa: E731
    else:
        image = str(event.data.get("image") or "")
        args = {"customer_id": customer_id}
        invoke = lambda: run.bank.verify_face(customer_id, image)  # noqa: E731
    try:
        await run.call(f"verify_{method}", args, invoke)
    except BankUnavailable:
        run.say("verify.unavailable")
        return _ask(step, run, method)
    except BankRejected as e:
        return _refused(step, run, method, e)
    except BankError as e:
        run.say("engine.bank_rejected", reason=run.reason(e.code))
        run.suggest("human")
        return stop("blocked")
    return None


async def verify(step: VerifyStep, run: Run, inp: JourneyInput | None) -> Outcome:
    record = _record(step, run)
    awaited = run.state.awaiting or {}
    for method in step.methods:
        if method in record["passed"]:
            continue
        if inp is None or awaited.get("step") != step.id or awaited.get("method") != method:
            return _ask(step, run, method)
        refused = await _check(step, run, method, inp)
        if refused is not None:
            return refused
        record["passed"].append(method)
        run.say(f"verify.{method}.passed")
        inp = None  # the next method is asked for, not answered by this input
    return NEXT
