"""A journey's own slot definitions as a mobile form, validated as the kiosk validates them.

There is no second copy of the business rules: the fields, labels, bounds and choices come from the flow
file's `collect` steps; a value is checked by the journey engine's own `coerce` and slot `check`s (the
payee account looked up at the bank, the amount against the chosen account's balance) on a `Run` of that
flow, so a refusal at home reads exactly like the kiosk's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.journeys import JourneyEngine
from assistant.journeys.conditions import evaluate
from assistant.journeys.runtime import Run
from assistant.journeys.slots import SlotError, coerce
from assistant.journeys.spec import CollectStep, Flow, SlotSpec
from assistant.journeys.steps.checks import check_slot
from assistant.journeys.steps.interaction import option_label, slot_options
from assistant.journeys.types import JourneyContext, JourneyState
from integrations.pii import mask_value

Text = dict[str, str]


def _loc(text: Any) -> Text | None:
    return {"zh": text.zh, "en": text.en} if text is not None else None


def form_slots(flow: Flow) -> list[tuple[CollectStep, str, SlotSpec]]:
    """Every slot the flow's collect steps ask, in the order the kiosk asks them."""
    found: list[tuple[CollectStep, str, SlotSpec]] = []
    for step in flow.steps:
        if isinstance(step, CollectStep):
            found.extend((step, name, flow.slots[name]) for name in step.slots if name in flow.slots)
    return found


def _run(engine: JourneyEngine, flow: Flow, customer_id: str, profile: dict[str, Any], slots: dict[str, Any]) -> Run:
    """A run of `flow` at its first collect step for this customer: what the kiosk's checks work on."""
    first = next((s.id for s in flow.steps if isinstance(s, CollectStep)), flow.steps[0].id)
    state = JourneyState(
        journey=flow.name,
        flow_version=flow.version,
        step=first,
        context=JourneyContext(session_id=f"mobile:{customer_id}", customer_id=customer_id),
        slots=dict(slots),
        customer={"customer_id": customer_id},
        profile=profile,
    )
    return Run(flow=flow, state=state, bank=engine.bank, messages=engine.messages, products=engine.products)


def schema(engine: JourneyEngine, flow: Flow, customer_id: str, profile: dict[str, Any]) -> dict[str, Any]:
    """The form the phone draws: sections (one per collect step) of fields with their rules and options."""
    run = _run(engine, flow, customer_id, profile, {})
    sections: dict[str, dict[str, Any]] = {}
    for step, name, spec in form_slots(flow):
        section = sections.setdefault(step.id, {"id": step.id, "title": _loc(step.form or flow.title), "fields": []})
        options = [{"value": o["id"], "label": _loc(option_label(spec, o))} for o in slot_options(run, spec)] or [
            {"value": c.value, "label": _loc(c.label)} for c in spec.choices or []
        ]
        section["fields"].append(
            {
                "name": name,
                "type": spec.type,
                "label": _loc(spec.label or spec.prompt),
                "prompt": _loc(spec.prompt),
                "required": spec.ask and spec.required and spec.when is None,
                "options": options,
                "allow_other": spec.allow_other,
                "min": spec.min,
                "max": spec.max,
                "min_length": spec.min_length,
                "max_length": spec.max_length,
            }
        )
    return {"journey": flow.name, "title": _loc(flow.title), "sections": list(sections.values()), "cite": flow.cite}


@dataclass
class Checked:
    """The outcome of checking a form: the slot values as the kiosk would store them, and per field why not."""

    slots: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Text] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


async def check(
    engine: JourneyEngine,
    flow: Flow,
    customer_id: str,
    profile: dict[str, Any],
    values: dict[str, Any],
    texts: dict[str, Text],
) -> Checked:
    """Coerce every field with the flow's rules, then run the flow's slot checks at the bank."""
    out = Checked()
    run = _run(engine, flow, customer_id, profile, {})
    asked = form_slots(flow)
    for _step, name, spec in asked:
        raw = values.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            run.state.slots[name] = coerce(spec, raw, slot_options(run, spec))
        except SlotError:
            out.errors[name] = _loc(spec.error) or _fill(texts["invalid"], spec)
    for _step, name, spec in asked:
        if name in out.errors or spec.check is None or name not in run.state.slots:
            continue
        said = len(run.reply)
        again = await check_slot(run, name, spec)
        if again is not None:
            piece = run.reply[said] if len(run.reply) > said else None
            out.errors[again] = dict(piece.text) if piece is not None else _fill(texts["invalid"], flow.slots[again])
    data = run.data()
    for _step, name, spec in asked:
        if name in out.errors or name in run.state.slots:
            continue
        if spec.ask and spec.required and (spec.when is None or evaluate(spec.when, data)):
            out.errors[name] = _fill(texts["required"], spec)
    out.slots = {k: v for k, v in run.state.slots.items() if k not in out.errors}
    return out


def _fill(template: Text, spec: SlotSpec) -> Text:
    label = spec.label or spec.prompt
    return {"zh": template["zh"].format(label=label.zh), "en": template["en"].format(label=label.en)}


def summary(
    engine: JourneyEngine, flow: Flow, customer_id: str, profile: dict[str, Any], slots: dict[str, Any]
) -> list[dict[str, Any]]:
    """What the phone shows of a prepared form: label and value per field, personal data masked."""
    run = _run(engine, flow, customer_id, profile, slots)
    labels, selected = run.slot_labels(), run.selected()
    rows = []
    for _step, name, spec in form_slots(flow):
        if name not in slots:
            continue
        value = slots[name]
        if name in labels:
            shown = labels[name]
        elif name in selected:
            shown = _loc(option_label(spec, selected[name])) or {}
        elif spec.type == "choice":  # another bank's name, typed where the choices allow it
            shown = {"zh": str(value), "en": str(value)}
        elif spec.type == "amount":
            shown = {"zh": f"{float(value):,.2f}元", "en": f"{float(value):,.2f} yuan"}
        elif spec.type == "bool":
            shown = {"zh": "是" if value else "否", "en": "Yes" if value else "No"}
        elif spec.type == "account_number":
            shown = {"zh": tail(str(value)), "en": tail(str(value))}
        elif spec.type == "phone":
            masked = mask_value(str(value), "phone")
            shown = {"zh": masked, "en": masked}
        else:
            masked = mask_name(str(value))
            shown = {"zh": masked, "en": masked}
        rows.append({"name": name, "label": _loc(spec.label or spec.prompt), "value": shown})
    return rows


def mask_name(name: str) -> str:
    """A person's name on screen: the first character, the rest hidden (刘洋 -> 刘*)."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def tail(number: str) -> str:
    """An account number on screen: its last four digits only (****3445)."""
    digits = number.replace(" ", "")
    return "****" + digits[-4:] if len(digits) > 4 else "****"
