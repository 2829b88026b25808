"""Load flow files and refuse bad ones with an error that names the file and the step.

Pydantic checks each node (unknown step kinds, missing prompts, wrong types); this module adds the
checks that need the whole file: unique step ids, declared slots, conditions and placeholders that
name declared slots, step references that exist, and the safety order of money steps (a confirm and
a risk screen before any money write, a confirm before any other write unless it opts out, and a
customer verification step, where the flow has one, after the confirm and before the money write).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.journeys.conditions import slot_references
from assistant.journeys.ports import OPERATIONS
from assistant.journeys.render import placeholders
from assistant.journeys.spec import (
    AuthoriseStep,
    CollectStep,
    Condition,
    ConfirmStep,
    ExecuteStep,
    Flow,
    ReserveStep,
    RiskScreenStep,
    StepBase,
    VerifyStep,
)

FLOWS_DIR = Path(__file__).parent / "flows"


class FlowError(ValueError):
    """A flow file is invalid; the message names the file and, where it can, the step."""

    def __init__(self, path: Path | str, message: str, step: str | None = None) -> None:
        where = f"{path}" + (f": step '{step}'" if step else "")
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.step = step


def _step_name(raw: Any, loc: tuple[Any, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        try:
            return str(raw["steps"][loc[1]].get("id", f"#{loc[1]}"))
        except (KeyError, IndexError, TypeError, AttributeError):
            return f"#{loc[1]}"
    return None


def _conditions(step: StepBase) -> Iterator[Condition | None]:
    yield step.when
    if isinstance(step, ConfirmStep):
        for f in step.fields:
            yield f.when


def _texts(step: StepBase) -> list[Any]:
    found: list[Any] = [step.prompt]
    for attr in ("fields", "disclosures", "args", "params", "success", "fallback"):
        value = getattr(step, attr, None)
        if attr == "fields" and value:
            found += [f.value for f in value] + [f.label for f in value] + [f.said for f in value if f.said]
        elif value is not None:
            found.append(value)
    return found


def check(flow: Flow, path: Path | str) -> None:
    """Cross-reference checks over a parsed flow."""
    ids = [s.id for s in flow.steps]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise FlowError(path, f"duplicate step ids: {sorted(dupes)}")
    declared = set(flow.slots)
    for name, spec in flow.slots.items():
        for ref in [*slot_references(spec.when), *(r for n in spec.notes for r in slot_references(n.when))]:
            if ref not in declared:
                raise FlowError(path, f"slot '{name}' has a condition on unknown slot '{ref}'")
        if spec.check is not None:
            for named in (spec.check.name, spec.check.bank, spec.check.account):
                if named is not None and named not in declared:
                    raise FlowError(path, f"slot '{name}' checks against unknown slot '{named}'")
    saved: set[str] = {"check_in"}
    reserved: set[str] = set()
    seen_confirm = seen_screen = seen_verify = False
    verifies = any(isinstance(s, VerifyStep) for s in flow.steps)
    for step in flow.steps:
        for cond in _conditions(step):
            for ref in slot_references(cond):
                if ref not in declared:
                    raise FlowError(path, f"condition on unknown slot '{ref}'", step.id)
        for text in _texts(step):
            for ph in placeholders(text):
                ns, _, rest = ph.partition(".")
                if ns == "slot" and rest.split(".")[0] not in declared:
                    raise FlowError(path, f"placeholder {{{ph}}} names an unknown slot", step.id)
        if isinstance(step, CollectStep):
            unknown = [s for s in step.slots if s not in declared]
            if unknown:
                raise FlowError(path, f"collects undeclared slots {unknown}", step.id)
        if isinstance(step, RiskScreenStep):
            for named in (step.counterparty_account, step.counterparty_name, step.amount, step.product):
                if named is not None and named not in declared:
                    raise FlowError(path, f"risk screen names unknown slot '{named}'", step.id)
            seen_screen = True
        if isinstance(step, ConfirmStep):
            if step.on_no not in ("back", "cancel") and step.on_no not in ids:
                raise FlowError(path, f"on_no refers to unknown step '{step.on_no}'", step.id)
            seen_confirm = True
        if isinstance(step, VerifyStep):
            if step.account is not None and (
                step.account not in declared or flow.slots[step.account].type != "account"
            ):
                raise FlowError(path, f"verify names '{step.account}', which is not an account slot", step.id)
            if not seen_confirm:
                raise FlowError(path, "verify comes after the confirm step (it proves who agreed)", step.id)
            seen_verify = True
        if isinstance(step, ExecuteStep):
            if step.operation not in OPERATIONS:
                raise FlowError(path, f"unknown operation '{step.operation}' (known: {sorted(OPERATIONS)})", step.id)
            is_write, is_money = OPERATIONS[step.operation]
            if is_money and (step.requires_confirmation is False or not seen_confirm or not seen_screen):
                raise FlowError(path, "a money write needs a risk_screen and a confirm step before it", step.id)
            if is_money and verifies and not seen_verify:
                raise FlowError(path, "a money write comes after the flow's verify step", step.id)
            if is_write and step.requires_confirmation is not False and not seen_confirm:
                raise FlowError(
                    path, "a write needs a confirm step before it (or requires_confirmation: false)", step.id
                )
            saved.add(step.save_as)
        if isinstance(step, ReserveStep):
            _check_reserve(path, step, reserved, seen_confirm)
            reserved.add(step.id)
        if isinstance(step, AuthoriseStep) and step.authorization_id.split(".")[0] not in saved:
            raise FlowError(
                path, f"authorization_id '{step.authorization_id}' is not saved by an earlier step", step.id
            )


def _check_reserve(path: Path | str, step: ReserveStep, reserved: set[str], seen_confirm: bool) -> None:
    """A reservation names its product; keeping one names an earlier reserve step and comes after a confirm."""
    if step.action == "reserve" and not step.product:
        raise FlowError(path, "a reserve step names the product it reserves", step.id)
    if step.action == "confirm":
        if step.reservation not in reserved:
            raise FlowError(path, f"reservation '{step.reservation}' is not an earlier reserve step", step.id)
        if not seen_confirm:
            raise FlowError(path, "keeping a reservation needs a confirm step before it", step.id)


def load_flow(path: Path) -> Flow:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise FlowError(path, f"cannot read YAML: {e}") from e
    if not isinstance(raw, dict):
        raise FlowError(path, "a flow file is a mapping with name, title, slots and steps")
    try:
        flow = Flow.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc)
        raise FlowError(path, f"{field}: {first['msg']}", _step_name(raw, loc)) from e
    if flow.name != path.stem:
        raise FlowError(path, f"flow name '{flow.name}' must match the file name '{path.stem}'")
    check(flow, path)
    return flow


def load_flows(directory: Path = FLOWS_DIR) -> dict[str, Flow]:
    """Every `*.yaml` flow in a directory, by name; the first invalid file raises FlowError."""
    flows = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = load_flow(path)
        flows[flow.name] = flow
    if not flows:
        raise FlowError(directory, "no flow files found")
    return flows
