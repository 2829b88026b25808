"""The after-visit compliance pass over one finished session: pure, so it is easy to test and to rerun.

Five rules, from the bank's conduct requirements:
- `forbidden_promise` (high): the assistant or a colleague promised what nobody may (保本, 稳赚不赔, 零风险,
  "guaranteed returns") in any turn;
- `disclosure_missing` (medium): a wealth product was sold without the risk level and "not guaranteed"
  having been said before the sale;
- `recording_without_consent` / `marketing_without_consent` (medium): speech or camera capture, or a
  product recommendation, before the customer's consent to it was recorded;
- `recording_kept_without_consent` (high): the visit's audio was stored (a `recording_store` record in
  the audit chain) although the customer never consented to recording, or withdrew the consent;
- `authorization_*` (high / medium): an authorisation decided by a role that may not decide, decided
  without an audit record, or left undecided when the visit ended;
- `heard_amount_differs` / `heard_number_differs` / `heard_answer_differs`: the after-visit analysis heard
  the recording differently from the live path (assistant/recording/analysis.py puts its findings in the
  audit chain; they are carried over as they are, already masked);
- `no_recording` (info): the customer refused (or withdrew) consent to recording, so there is no
  recording to play or analyse: said, so a supervisor does not look for one.
Texts quoted in findings are masked (they are read by supervisors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.compliance.rules import Matcher
from integrations.pii import mask_text

STAFF_SPEAKERS = ("assistant", "expert", "staff", "teller")
QUOTE_CHARS = 160
_DECIDED = re.compile(r"\[authorization_decided: (\S+) (\w*) by (\S+)\]")


@dataclass(frozen=True)
class TurnFacts:
    seq: int
    speaker: str
    text: str
    source: str = "typed"
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    backend_calls: list[Any] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass(frozen=True)
class AuditDecision:
    authorization_id: str
    actor: str
    role: str | None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # high | medium | low | info
    turn_seq: int | None
    detail: dict[str, Any]


@dataclass
class Visit:
    """What the pass needs about one visit (read from the store by `ComplianceReviewer`)."""

    session_id: str
    turns: list[TurnFacts]
    sale_seqs: list[int] = field(default_factory=list)
    decisions: list[AuditDecision] = field(default_factory=list)
    pending_authorizations: list[str] = field(default_factory=list)
    recordings: int = 0  # recordings of the visit stored (audit records `recording_store`)
    analysis: list[dict[str, Any]] = field(default_factory=list)  # the latest `recording_analysis` findings


def _quote(text: str) -> str:
    return mask_text(text)[:QUOTE_CHARS]


def forbidden_promises(visit: Visit, m: Matcher) -> list[Finding]:
    found = []
    for t in visit.turns:
        if t.speaker in STAFF_SPEAKERS:
            words = m.find(m.forbidden, t.text, mentions=False)
            if words is not None:
                detail = {"speaker": t.speaker, "words": words, "text": _quote(t.text)}
                found.append(Finding("forbidden_promise", "high", t.seq, detail))
    return found


def disclosures(visit: Visit, m: Matcher) -> list[Finding]:
    found = []
    for sale in sorted(set(visit.sale_seqs)):
        said = [t.text for t in visit.turns if t.speaker in STAFF_SPEAKERS and t.seq <= sale]
        for name, patterns in m.disclosures.items():
            if not any(m.find(patterns, text) for text in said):
                found.append(Finding("disclosure_missing", "medium", sale, {"disclosure": name}))
    return found


def _consented(visit: Visit, kind: str, before: int) -> bool:
    """The latest consent event before `before` gave this kind of consent."""
    latest: bool | None = None
    for t in visit.turns:
        if t.seq < before and t.intent == "event:consent" and kind in t.slots:
            latest = bool(t.slots[kind])
    return bool(latest)


def consent(visit: Visit, m: Matcher) -> list[Finding]:
    found = []
    captured = next(
        (t for t in visit.turns if t.source == "speech" or (t.intent or "").startswith("event:vision")), None
    )
    if captured is not None and not _consented(visit, "recording", captured.seq):
        detail = {"capture": "speech" if captured.source == "speech" else "camera"}
        found.append(Finding("recording_without_consent", "medium", captured.seq, detail))
    for t in visit.turns:
        if t.speaker in STAFF_SPEAKERS:
            words = m.find(m.marketing, t.text)
            if words is not None:
                if not _consented(visit, "marketing", t.seq):
                    detail = {"words": words, "text": _quote(t.text)}
                    found.append(Finding("marketing_without_consent", "medium", t.seq, detail))
                break
    return found


def authorization_ids(visit: Visit) -> dict[str, int]:
    """Authorisation id -> the turn that first mentions it (a back-end result or a staff decision)."""
    ids: dict[str, int] = {}
    for t in visit.turns:
        for call in t.backend_calls:
            result = call.get("result") if isinstance(call, dict) else None
            if isinstance(result, dict) and result.get("authorization_id"):
                ids.setdefault(str(result["authorization_id"]), t.seq)
        decided = _DECIDED.search(t.text) if t.speaker == "staff" else None
        if decided is not None:
            ids.setdefault(decided.group(1), t.seq)
    return ids


def authorizations(visit: Visit, m: Matcher) -> list[Finding]:
    found = []
    allowed = set(m.rules.authorising_roles)
    staff_decided = {
        g.group(1): t.seq for t in visit.turns if t.speaker == "staff" and (g := _DECIDED.search(t.text)) is not None
    }
    for auth_id, seq in authorization_ids(visit).items():
        audited = [d for d in visit.decisions if d.authorization_id == auth_id]
        for d in audited:
            if d.role not in allowed:
                detail = {"authorization_id": auth_id, "actor": d.actor, "role": d.role}
                found.append(Finding("authorization_by_unauthorised_role", "high", seq, detail))
        if auth_id in staff_decided and not audited:
            detail = {"authorization_id": auth_id}
            found.append(Finding("authorization_not_audited", "high", staff_decided[auth_id], detail))
        elif auth_id not in staff_decided and not audited and auth_id in visit.pending_authorizations:
            found.append(Finding("authorization_undecided", "medium", seq, {"authorization_id": auth_id}))
    return found


def recording_consent(visit: Visit, m: Matcher) -> list[Finding]:
    """A stored recording needs the customer's consent to recording, still standing at the visit's end."""
    if not visit.recordings:
        return []
    end = max((t.seq for t in visit.turns), default=0) + 1
    if _consented(visit, "recording", end):
        return []
    return [Finding("recording_kept_without_consent", "high", None, {"recordings": visit.recordings})]


def no_recording(visit: Visit, m: Matcher) -> list[Finding]:
    """A refused or withdrawn consent to recording: nothing was kept, and the review says so."""
    asked = any(t.intent == "event:consent" and "recording" in t.slots for t in visit.turns)
    end = max((t.seq for t in visit.turns), default=0) + 1
    if visit.recordings or not asked or _consented(visit, "recording", end):
        return []
    detail = {"message": "no recording: the customer did not consent to recording", "reason": "no_consent"}
    return [Finding("no_recording", "info", None, detail)]


def heard_differently(visit: Visit, m: Matcher) -> list[Finding]:
    """The after-visit analysis's findings: the recording says otherwise than the live path heard."""
    found = []
    for item in visit.analysis:
        seq = item.get("turn_seq")
        detail = item.get("detail")
        found.append(
            Finding(
                str(item.get("rule") or "heard_differently"),
                str(item.get("severity") or "medium"),
                seq if isinstance(seq, int) else None,
                dict(detail) if isinstance(detail, dict) else {},
            )
        )
    return found


RULES = (forbidden_promises, disclosures, consent, recording_consent, no_recording, heard_differently, authorizations)


def review(visit: Visit, matcher: Matcher) -> list[Finding]:
    """Every finding of the visit, in rule order."""
    return [finding for rule in RULES for finding in rule(visit, matcher)]
