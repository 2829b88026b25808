"""Scripted dialogues: run YAML conversations through the real runtime and score them.

Why: the conversation is judged on whole visits, not single turns. A dialogue says what the customer
says or taps, what each reply must show, what success means for the visit (`task`) and which back-end
operations must or must not happen. The runner reports per dialogue pass/fail with reasons and three
figures: task success rate, correct back-end calls rate and ungrounded facts (numbers in a reply found
in no cited passage, no back-end call, no handoff record and none of the customer's own words).
"""

from __future__ import annotations

import contextlib
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import cn2an
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.conversation.schemas import EventIn, SessionCreate, TurnIn, TurnOut
from assistant.conversation.yaml_sets import load_yaml_list
from assistant.runtime import Runtime
from knowledge.base import default_content_dir
from knowledge.loaders import discover, load_file

DATA_DIR = Path(__file__).parent / "data" / "dialogues"
# a number on its own: digits glued to Latin letters are codes (R2, C1, BK3F7Q9A), not facts
NUMBER = re.compile(r"(?<![A-Za-z\d.])\d+(?:,\d{3})*(?:\.\d+)?(?![A-Za-z\d])")
PRODUCTS_FILE = Path(__file__).parents[1] / "nlu" / "data" / "products.yaml"


class DialogueError(ValueError):
    """A dialogue file that cannot be read or does not follow the format."""


class Expect(BaseModel):
    """Checks on one turn's output; every field is optional."""

    model_config = ConfigDict(extra="forbid")
    intent: str | list[str] | None = None
    act: str | list[str] | None = None  # the dialogue act understood (request, question, ...)
    journey: str | None = None  # journey name; "none" means no journey in the reply
    step: str | None = None
    status: str | None = None
    reply_contains: list[str] | None = None  # any one of them (so one list can hold zh and en)
    reply_not_contains: list[str] | None = None
    citations: bool | list[str] | None = None  # true: at least one; list: these doc ids among them
    handoff: bool | str | None = None  # true/false, or the expected reason
    risk: list[str] | bool | None = None  # risk types that must appear; false: none
    cards: list[str] | None = None  # card types that must appear
    language: Literal["zh", "en"] | None = None


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    say: str | None = None
    event: EventIn | None = None
    expect: Expect = Field(default_factory=Expect)

    @field_validator("say", mode="before")
    @classmethod
    def _plain_number_is_text(cls, value: Any) -> Any:
        # YAML reads `say: 3000` as an int; the customer still said "3000"
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if (self.say is None) == (self.event is None):
            raise ValueError("a step is either `say` or `event`")
        return self


class Task(BaseModel):
    """What success means for the visit, checked on the dialogue as a whole."""

    model_config = ConfigDict(extra="forbid")
    journey: str | None = None  # the last turn shows this journey ...
    status: str | None = None  # ... with this status (e.g. completed, cancelled)
    cited_answer: bool = False  # the last turn is an answer with citations
    handoff: bool | str | None = None  # some turn created a handoff (str: with this reason)
    intent: str | list[str] | None = None  # the last turn's intent (refusals, dialogue replies)

    @model_validator(mode="after")
    def _something(self) -> Task:
        if not (self.journey or self.status or self.cited_answer or self.handoff is not None or self.intent):
            raise ValueError("a task needs at least one criterion")
        return self


class Calls(BaseModel):
    model_config = ConfigDict(extra="forbid")
    must: list[str] = Field(default_factory=list)
    must_not: list[str] = Field(default_factory=list)  # "*" means no back-end call at all


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str
    language: Literal["zh", "en"]
    tags: list[str] = Field(default_factory=list)
    channel: Literal["kiosk", "teller"] = "kiosk"
    task: Task
    backend_calls: Calls = Field(default_factory=Calls)
    steps: list[Step] = Field(min_length=1)


def load_dialogues(path: Path) -> list[Dialogue]:
    """Every dialogue in a YAML file (a list) or in the *.yaml files of a directory, ids unique."""
    dialogues = load_yaml_list(path, Dialogue, "dialogue", DialogueError)
    seen: set[str] = set()
    for d in dialogues:
        if d.id in seen:
            raise DialogueError(f"duplicate dialogue id {d.id}")
        seen.add(d.id)
    return dialogues


# --- checks -------------------------------------------------------------------------------------


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def check_turn(out: TurnOut, expect: Expect) -> list[str]:
    """Reasons this turn misses its expectations (empty when it meets them)."""
    problems: list[str] = []
    if expect.intent is not None and out.intent not in _as_list(expect.intent):
        problems.append(f"intent {out.intent!r}, expected {expect.intent!r}")
    if expect.act is not None and out.act not in _as_list(expect.act):
        problems.append(f"act {out.act!r}, expected {expect.act!r}")
    journey = out.journey
    if expect.journey is not None:
        name = journey.name if journey else "none"
        if name != expect.journey:
            problems.append(f"journey {name!r}, expected {expect.journey!r}")
    if expect.step is not None and (journey is None or journey.step != expect.step):
        problems.append(f"step {journey.step if journey else None!r}, expected {expect.step!r}")
    if expect.status is not None and (journey is None or journey.status != expect.status):
        problems.append(f"status {journey.status if journey else None!r}, expected {expect.status!r}")
    text = out.reply.text
    if expect.reply_contains and not any(s in text for s in expect.reply_contains):
        problems.append(f"reply lacks any of {expect.reply_contains}")
    for s in expect.reply_not_contains or []:
        if s in text:
            problems.append(f"reply contains {s!r}")
    doc_ids = {c.doc_id for c in out.reply.citations}
    if expect.citations is True and not doc_ids:
        problems.append("no citations")
    elif expect.citations is False and doc_ids:
        problems.append(f"unexpected citations {sorted(doc_ids)}")
    elif isinstance(expect.citations, list) and not set(expect.citations) <= doc_ids:
        problems.append(f"citations {sorted(doc_ids)}, expected {expect.citations}")
    if expect.handoff is not None:
        if expect.handoff is False and out.handoff is not None:
            problems.append("unexpected handoff")
        elif expect.handoff is not False and out.handoff is None:
            problems.append("no handoff")
        elif isinstance(expect.handoff, str) and out.handoff and out.handoff.get("reason") != expect.handoff:
            problems.append(f"handoff reason {out.handoff.get('reason')!r}, expected {expect.handoff!r}")
    risk_types = {str(r.get("type")) for r in out.risk}
    if expect.risk is False and risk_types:
        problems.append(f"unexpected risk {sorted(risk_types)}")
    elif isinstance(expect.risk, list) and not set(expect.risk) <= risk_types:
        problems.append(f"risk {sorted(risk_types)}, expected {expect.risk}")
    card_types = {c.type for c in out.reply.cards}
    if expect.cards and not set(expect.cards) <= card_types:
        problems.append(f"cards {sorted(card_types)}, expected {expect.cards}")
    if expect.language is not None and out.reply.language != expect.language:
        problems.append(f"language {out.reply.language!r}, expected {expect.language!r}")
    return problems


def check_task(outs: list[TurnOut], task: Task) -> list[str]:
    """Reasons the visit's goal was not reached."""
    last = outs[-1]
    problems: list[str] = []
    if task.journey is not None and (last.journey is None or last.journey.name != task.journey):
        problems.append(f"final journey {last.journey.name if last.journey else None!r}, expected {task.journey!r}")
    if task.status is not None and (last.journey is None or last.journey.status != task.status):
        problems.append(f"final status {last.journey.status if last.journey else None!r}, expected {task.status!r}")
    if task.cited_answer and not last.reply.citations:
        problems.append("final reply has no citations")
    handoffs = [o.handoff for o in outs if o.handoff]
    if task.handoff is True and not handoffs:
        problems.append("no handoff created")
    elif task.handoff is False and handoffs:
        problems.append("a handoff was created")
    elif isinstance(task.handoff, str) and not any(h.get("reason") == task.handoff for h in handoffs):
        problems.append(f"no handoff with reason {task.handoff!r} ({[h.get('reason') for h in handoffs]})")
    if task.intent is not None and last.intent not in _as_list(task.intent):
        problems.append(f"final intent {last.intent!r}, expected {task.intent!r}")
    return problems


def check_calls(operations: list[str], calls: Calls) -> list[str]:
    problems = [f"missing back-end call {op}" for op in calls.must if op not in operations]
    if "*" in calls.must_not and operations:
        problems.append(f"back-end calls made: {operations}")
    problems += [f"forbidden back-end call {op}" for op in calls.must_not if op in operations]
    return problems


# --- grounding ----------------------------------------------------------------------------------


def numbers_in(text: str) -> set[Decimal]:
    """The numeric values written in a text (1,000 and 1000.00 are the same value)."""
    values: set[Decimal] = set()
    for token in NUMBER.findall(text):
        try:
            values.add(Decimal(token.replace(",", "")).normalize())
        except InvalidOperation:
            continue
    return values


def customer_numbers(text: str) -> set[Decimal]:
    """Numbers in the customer's words, Chinese numerals included (两千 -> 2000)."""
    values = numbers_in(text)
    with contextlib.suppress(ValueError, KeyError, IndexError):
        values |= numbers_in(str(cn2an.transform(text, "cn2an")))
    return values


def product_names() -> list[str]:
    """Names of the bank's products: a number inside a name (示范安享90天理财) is not a stated fact."""
    data = yaml.safe_load(PRODUCTS_FILE.read_text(encoding="utf-8")) or {}
    names = [str(p["name"]) for p in data.get("products", []) if isinstance(p, dict) and p.get("name")]
    return sorted(names, key=len, reverse=True)


def ungrounded(reply: str, sources: set[Decimal], names: list[str] | None = None) -> list[str]:
    """Numbers stated in the reply that appear in no source."""
    for name in names or []:
        reply = reply.replace(name, " ")
    found: list[str] = []
    for token in NUMBER.findall(reply):
        try:
            value = Decimal(token.replace(",", "")).normalize()
        except InvalidOperation:
            continue
        if value not in sources:
            found.append(token)
    return found


def cited_documents(runtime: Runtime) -> dict[str, str]:
    """doc id -> title and body of every approved document, so a citation's whole passage (not only
    its short snippet) counts as a source."""
    options = runtime.settings.knowledge
    files, _ = discover([default_content_dir(options)])
    texts: dict[str, str] = {}
    for file in files:
        documents, _ = load_file(file, options.max_file_bytes)
        for doc in documents:
            texts[doc.id] = f"{doc.title} {doc.body}"
    return texts


# --- running ------------------------------------------------------------------------------------


class DialogueResult(BaseModel):
    id: str
    passed: bool
    task_ok: bool
    calls_ok: bool
    reasons: list[str]
    operations: list[str]
    ungrounded: list[dict[str, Any]]
    trace: list[dict[str, Any]]


async def run_dialogue(
    runtime: Runtime, dialogue: Dialogue, documents: dict[str, str], reset: bool = True
) -> DialogueResult:
    """Run one dialogue in a fresh session (sandbox reset first, so bank state is the seeded one)."""
    if reset:
        await runtime.bank.sandbox.reset()
    conversation = runtime.conversation
    created = await conversation.create_session(
        SessionCreate(channel=dialogue.channel, branch_id="BJ001", language=dialogue.language)
    )
    sid = created.session_id
    outs: list[TurnOut] = []
    reasons: list[str] = []
    flagged: list[dict[str, Any]] = []
    trace: list[dict[str, Any]] = []
    grounded_by_customer: set[Decimal] = set()
    names = product_names()
    for index, step in enumerate(dialogue.steps, start=1):
        if step.say is not None:
            out = await conversation.turn(sid, TurnIn(text=step.say))
            grounded_by_customer |= customer_numbers(step.say)
        else:
            assert step.event is not None
            out = await conversation.event(sid, step.event)
            grounded_by_customer |= customer_numbers(json.dumps(step.event.data, ensure_ascii=False))
        outs.append(out)
        reasons += [f"step {index}: {p}" for p in check_turn(out, step.expect)]
        sources = set(grounded_by_customer)
        sources |= numbers_in(json.dumps(out.slots, ensure_ascii=False, default=str))
        for c in out.reply.citations:
            passage = documents.get(c.doc_id, "")
            sources |= numbers_in(f"{c.title} {c.snippet} {c.section or ''} {c.effective_from or ''} {passage}")
        for row in runtime.sessions.turns(sid):  # back-end results of this visit so far
            sources |= numbers_in(json.dumps(row.backend_calls or [], ensure_ascii=False, default=str))
        if out.handoff:
            sources |= numbers_in(json.dumps(out.handoff, ensure_ascii=False, default=str))
            position = out.handoff.get("position")
            if isinstance(position, int):  # "n customers ahead of you" is the queue place minus one
                sources.add(Decimal(max(position - 1, 0)))
        bad = ungrounded(out.reply.text, sources, names)
        if bad:
            flagged.append({"dialogue": dialogue.id, "step": index, "reply": out.reply.text, "numbers": bad})
        trace.append(
            {
                "step": index,
                "in": step.say if step.say is not None else step.model_dump(mode="json")["event"],
                "intent": out.intent,
                "journey": out.journey.model_dump() if out.journey else None,
                "reply": out.reply.text,
                "citations": [c.doc_id for c in out.reply.citations],
                "handoff": (out.handoff or {}).get("reason") if out.handoff else None,
            }
        )
    operations = [
        str(call.get("operation"))
        for row in runtime.sessions.turns(sid)
        for call in (row.backend_calls or [])
        if isinstance(call, dict)
    ]
    task_problems = check_task(outs, dialogue.task)
    call_problems = check_calls(operations, dialogue.backend_calls)
    reasons += [f"task: {p}" for p in task_problems] + [f"calls: {p}" for p in call_problems]
    reasons += [f"ungrounded numbers {f['numbers']} at step {f['step']}" for f in flagged]
    return DialogueResult(
        id=dialogue.id,
        passed=not reasons,
        task_ok=not task_problems,
        calls_ok=not call_problems,
        reasons=reasons,
        operations=operations,
        ungrounded=flagged,
        trace=trace,
    )


async def run_dialogues(runtime: Runtime, dialogues: list[Dialogue]) -> dict[str, Any]:
    """Run every dialogue and summarise: {n, passed, task_success_rate, backend_calls_correct_rate,
    ungrounded_facts, failures: [{id, reasons, ...}]}."""
    await runtime.knowledge.wait_ready()
    documents = cited_documents(runtime)
    results = [await run_dialogue(runtime, d, documents) for d in dialogues]
    n = len(results)
    return {
        "n": n,
        "passed": sum(r.passed for r in results),
        "task_success_rate": round(sum(r.task_ok for r in results) / n, 4) if n else 0.0,
        "backend_calls_correct_rate": round(sum(r.calls_ok for r in results) / n, 4) if n else 0.0,
        "ungrounded_facts": sum(len(r.ungrounded) for r in results),
        "ungrounded": [f for r in results for f in r.ungrounded],
        "failures": [
            {"id": r.id, "reasons": r.reasons, "operations": r.operations, "trace": r.trace}
            for r in results
            if not r.passed
        ],
    }
