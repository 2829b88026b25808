"""Steps that talk with the customer: collect slots, and confirm before anything is done.

Both steps are re-entrant: the first visit prompts and waits; the next advance hands them the
customer's input. Confirmation needs an explicit yes; corrections arriving as new slot values make
the engine rewind before the confirm step is reached again, so a changed amount is always re-confirmed.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.journeys.conditions import evaluate
from assistant.journeys.render import render_localized, render_value
from assistant.journeys.runtime import NEXT, Outcome, Run, stop, wait
from assistant.journeys.slots import SlotError, coerce, yes_no
from assistant.journeys.spec import CollectStep, ConfirmStep, Localized, SlotSpec
from assistant.journeys.steps.checks import check_slot
from assistant.journeys.types import HistoryEntry, JourneyInput

MAX_ATTEMPTS = 3
CLOSED_CARD = ("lost", "replaced", "closed", "cancelled")

# Echoing the question ("补办") is a yes; any negation ("不补办", "don't") never is.
NEGATION = re.compile(r"(不|别|没|无需|no\b|not\b|don't|dont)", re.IGNORECASE)


def slot_options(run: Run, spec: SlotSpec) -> list[dict[str, Any]]:
    """The customer's own accounts or cards a slot may pick from (active ones only)."""
    profile = run.state.profile or {}
    if spec.type == "account":
        pool = [a for a in profile.get("accounts", []) if a.get("status", "active") == "active"]
    elif spec.type == "card":
        pool = [c for c in profile.get("cards", []) if c.get("status", "active") not in CLOSED_CARD]
        if run.state.card_kind is not None:  # "储蓄卡丢了" never picks the only credit card
            pool = [c for c in pool if c.get("kind") == run.state.card_kind]
    else:
        return []
    return [o for o in pool if spec.kinds is None or o.get("kind") in spec.kinds]


def _closed_card_of_kind(run: Run) -> dict[str, Any] | None:
    """The named kind's card that is already lost or replaced, to say so instead of a bare "none found"."""
    cards = (run.state.profile or {}).get("cards", [])
    kind = run.state.card_kind
    return next((c for c in cards if c.get("kind") == kind and c.get("status") in CLOSED_CARD), None)


def option_label(spec: SlotSpec, option: dict[str, Any]) -> Localized:
    tail = str(option.get("number", ""))[-4:]
    kind = str(option.get("kind", ""))
    if spec.type == "card":
        zh_kind = {"debit": "借记卡", "credit": "信用卡"}.get(kind, "卡")
        return Localized(zh=f"{zh_kind}（尾号{tail}）", en=f"{kind} card ending {tail}")
    return Localized(zh=f"账户（尾号{tail}）", en=f"account ending {tail}")


def _candidates(inp: JourneyInput, name: str) -> list[Any]:
    found: list[Any] = []
    if name in inp.slots:
        found.append(inp.slots[name])
    if inp.event is not None and inp.event.type == "touch" and "value" in inp.event.data:
        found.append(inp.event.data["value"])
    if inp.text:
        found.append(inp.text)
    return found


def _accept(run: Run, spec: SlotSpec, inp: JourneyInput, name: str) -> Any:
    if spec.type == "bool":
        decided: bool | None = None
        if inp.action in ("yes", "no"):
            decided = inp.action == "yes"
        elif isinstance(inp.slots.get(name), bool):
            decided = inp.slots[name]
        elif inp.event is not None and inp.event.type == "touch":
            decided = yes_no(str(inp.event.data.get("value", "")), run.messages)
        else:
            decided = yes_no(inp.text, run.messages)
        if decided is None and inp.text and spec.yes_words and not NEGATION.search(inp.text):
            decided = True if any(w.lower() in inp.text.lower() for w in spec.yes_words) else None
        if decided is None:
            raise SlotError("not yes or no")
        return decided
    if not spec.required and inp.action == "no":
        return None
    options = slot_options(run, spec)
    for candidate in _candidates(inp, name):
        try:
            return coerce(spec, candidate, options)
        except SlotError:
            continue
    raise SlotError("no valid value")


def question_only(text: str) -> str:
    """The question of a prompt without the hint after it ("您计划每年缴存多少？上限为12,000元。" -> its
    first sentence), for asking again right after the slot's own error, which already said the limit:
    a reply says a fact once. A prompt that is one sentence, or no question, stays whole."""
    cut = min((i for i in (text.find("？"), text.find("?")) if i >= 0), default=-1)
    return text[: cut + 1] if 0 <= cut < len(text.rstrip()) - 1 else text


def _prompt_slot(run: Run, step: CollectStep, name: str, spec: SlotSpec, explained: bool = False) -> Outcome:
    """Ask for slot `name`; `explained`: its error was just said, so the prompt's hint is not repeated."""
    data = run.data()
    for note in spec.notes:
        if evaluate(note.when, data):
            run.say(f"{run.flow.name}.{step.id}.{name}.note", note.text)
    prompt = spec.prompt
    if explained:
        prompt = Localized(zh=question_only(prompt.zh), en=question_only(prompt.en))
    run.say(f"{run.flow.name}.{step.id}.{name}", prompt)
    choices: list[Localized] = []
    if spec.choices:
        choices = [c.label for c in spec.choices]
    elif spec.type in ("account", "card"):
        choices = [option_label(spec, o) for o in slot_options(run, spec)]
    if spec.type == "bool":  # a yes/no question gets its two answers as buttons (the kiosk shows them once)
        run.suggest("yes", "no")
    run.suggest(extra=choices)
    run.suggest("back", "cancel")
    if step.form is not None:
        filled = {
            n: run.state.slots[n]
            for n in step.slots
            if n in run.state.slots and run.flow.slots[n].ask and evaluate(run.flow.slots[n].when, data)
        }
        run.card("form", step.form, fields=filled, asking=name)
    return wait(kind="slot", step=step.id, slot=name)


def _aside(run: Run, awaited: str | None) -> bool:
    """The input filled or corrected other slots but not the one asked: it was not an answer to it."""
    return awaited is not None and awaited not in run.filled and any(n != awaited for n in run.filled)


def _echoes(run: Run, step: CollectStep, inp: JourneyInput, awaited: str) -> bool:
    """The answer repeats a choice already known (示范银行 after the bank was seen from the account)."""
    for name in step.slots:
        spec = run.flow.slots[name]
        if name == awaited or name not in run.state.slots or not spec.choices or not inp.text:
            continue
        try:
            if coerce(spec.model_copy(update={"allow_other": False}), inp.text) == run.state.slots[name]:
                return True
        except SlotError:
            continue
    return False


def _failed(run: Run, name: str) -> Outcome | None:
    """One more try used on `name`; after MAX_ATTEMPTS a colleague takes over."""
    tries = run.state.attempts.get(name, 0) + 1
    run.state.attempts[name] = tries
    if tries >= MAX_ATTEMPTS:
        run.say("engine.too_many_attempts")
        run.handoff_request("general", "normal", f"slot_not_understood:{name}")
        return stop("handed_off")
    return None


async def collect(step: CollectStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    awaited = (state.awaiting or {}).get("slot") if inp is not None else None
    aside = _aside(run, awaited)
    i = 0
    while i < len(step.slots):
        name = step.slots[i]
        i += 1
        spec = run.flow.slots[name]
        if not evaluate(spec.when, run.data()):
            continue
        if name in state.slots:
            again = await check_slot(run, name, spec)
            if again is not None:  # said why; ask that slot again from the top of the form
                state.history = [h for h in state.history if h.slot != again]
                inp, i = None, 0
                if (handed := _failed(run, again)) is not None:
                    return handed
                continue
            if spec.ask and not any(h.slot == name for h in state.history) and not state.attempts.get(f"auto:{name}"):
                state.history.append(HistoryEntry(step=step.id, slot=name))
            continue
        if not spec.ask:  # never asked: what the customer said, else the default (a formal loss report)
            if spec.default is not None:
                state.slots[name] = coerce(spec, render_value(spec.default, run.data()), slot_options(run, spec))
            continue
        if spec.default is not None:
            state.slots[name] = coerce(spec, render_value(spec.default, run.data()), slot_options(run, spec))
            state.attempts[f"auto:{name}"] = 1
            continue
        options = slot_options(run, spec)
        if spec.type in ("account", "card") and not options:
            closed = _closed_card_of_kind(run)
            if closed is not None:
                run.say("engine.card_not_active", card=option_label(spec, closed).model_dump())
            else:
                run.say("engine.no_options")
            run.suggest("human")
            return stop("failed")
        if spec.type in ("account", "card") and len(options) == 1:
            state.slots[name] = options[0]["id"]
            state.attempts[f"auto:{name}"] = 1
            continue
        if inp is not None and awaited == name:
            given, inp = inp, None
            free_text = spec.type == "text" or spec.allow_other
            if aside and (run.corrected or free_text):
                return _prompt_slot(run, step, name, spec)  # a correction or another answer, not this one
            try:
                state.slots[name] = _accept(run, spec, given, name)
                state.history.append(HistoryEntry(step=step.id, slot=name))
                i -= 1  # check the new value before going on
                continue
            except SlotError:
                if aside or _echoes(run, step, given, name):
                    return _prompt_slot(run, step, name, spec)
                if (handed := _failed(run, name)) is not None:
                    return handed
                run.say("engine.invalid_answer", spec.error) if spec.error else run.say("engine.invalid_answer")
                return _prompt_slot(run, step, name, spec, explained=spec.error is not None)
        return _prompt_slot(run, step, name, spec)
    return NEXT


def confirmation_card(run: Run, step: ConfirmStep) -> dict[str, Any]:
    data = run.data()
    fields = [
        {"label": {"zh": f.label.zh, "en": f.label.en}, "value": render_localized(f.value, data)}
        for f in step.fields
        if evaluate(f.when, data)
    ]
    disclosures = [render_localized(d, data) for d in step.disclosures]
    return {"fields": fields, "disclosures": disclosures}


def _ask(run: Run, step: ConfirmStep) -> Outcome:
    card = confirmation_card(run, step)
    for d in step.disclosures:
        run.say(f"{run.flow.name}.{step.id}.disclosure", d)
    data = run.data()
    for f in step.fields:  # what the customer agrees to is heard, not only shown (a fee, or that it is waived)
        if f.said is not None and evaluate(f.when, data):
            run.say(f"{run.flow.name}.{step.id}.said", f.said)
    run.say(f"{run.flow.name}.{step.id}", step.prompt)
    run.card("confirmation", step.title, **card)
    run.suggest("confirm", "back", "cancel")
    return wait(kind="confirm", step=step.id)


async def confirm(step: ConfirmStep, run: Run, inp: JourneyInput | None) -> Outcome:
    state = run.state
    if state.confirmed.get(step.id) == state.epoch:
        return NEXT
    awaited = state.awaiting or {}
    if inp is None or awaited.get("step") != step.id or run.slots_changed:
        return _ask(run, step)
    if inp.action in ("yes", "no"):
        decision: bool | None = inp.action == "yes"
    else:
        decision = yes_no(inp.text, run.messages)
    if decision is None:
        run.say("engine.confirm_unclear")
        return _ask(run, step)
    if decision:
        state.confirmed[step.id] = state.epoch
        state.history.append(HistoryEntry(step=step.id))
        return NEXT
    if step.on_no == "cancel":
        run.say("engine.cancelled")
        return stop("cancelled")
    if step.on_no == "back":
        return Outcome("goto", target="__back__")
    return Outcome("goto", target=step.on_no)
