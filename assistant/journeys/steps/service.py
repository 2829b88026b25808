"""Steps after (or instead of) the transaction: recommend, hand off to a colleague, follow up.

Recommendations only happen with marketing consent and a valid risk assessment, and only list
products at or below the customer's risk tolerance; each is recorded as a referral the customer
manager sees. Handoff and follow-up produce requests in the advance result; the conversation stores
them (handoff queue, referral list) because those stores belong to the session side.
"""

from __future__ import annotations

import datetime as dt

from assistant.journeys.conditions import evaluate
from assistant.journeys.runtime import NEXT, Outcome, Run
from assistant.journeys.spec import FollowUpStep, HandoffStep, RecommendStep
from assistant.journeys.steps.money import LEVEL_ORDER, RISK_ORDER
from assistant.journeys.types import JourneyInput


async def recommend(step: RecommendStep, run: Run, inp: JourneyInput | None) -> Outcome:
    profile = run.state.profile or {}
    if not profile.get("marketing_consent") or not profile.get("risk_assessment_valid"):
        return NEXT
    tolerance = RISK_ORDER.get(str(profile.get("risk_tolerance")), 0)
    held = {w.get("product") for w in profile.get("wealth", [])}
    data = run.data()
    eligible = [
        p
        for p in run.products.products
        if LEVEL_ORDER[p.risk_level] <= tolerance
        and (step.topic is None or step.topic in p.topics)
        and p.name.zh not in held
        and evaluate(p.when, data)
    ][: step.limit]
    if not eligible:
        return NEXT
    for p in eligible:
        run.cite(p.cite)
    run.say(
        "recommend.intro",
        products="、".join(f"{p.name.zh}（{p.pitch.zh}）" for p in eligible),
        products_en="; ".join(f"{p.name.en} ({p.pitch.en})" for p in eligible),
    )
    items = [
        {"id": p.id, "name": p.name.model_dump(), "risk_level": p.risk_level, "pitch": p.pitch.model_dump()}
        for p in eligible
    ]
    run.card("products", {"zh": "为您推荐", "en": "Suggested for you"}, products=items)
    referral = {
        "customer_id": (run.state.customer or {}).get("customer_id"),
        "journey": run.state.journey,
        "products": [p.id for p in eligible],
        "customer_level": profile.get("risk_tolerance"),
        "branch_id": run.state.context.branch_id,
    }
    run.state.referrals.append(referral)
    run.referrals.append(referral)
    return NEXT


async def handoff(step: HandoffStep, run: Run, inp: JourneyInput | None) -> Outcome:
    run.handoff_request(step.skill, step.priority, step.reason)
    run.say(f"{run.flow.name}.{step.id}", step.prompt)
    run.final_status = "handed_off"
    return NEXT


async def follow_up(step: FollowUpStep, run: Run, inp: JourneyInput | None) -> Outcome:
    due = run.today() + dt.timedelta(days=step.due_days)
    item = {
        "action": step.action,
        "due": due.isoformat(),
        "customer_id": (run.state.customer or {}).get("customer_id"),
        "journey": run.state.journey,
        "slots": dict(run.state.slots),
    }
    run.state.follow_ups.append(item)
    run.follow_ups.append(item)
    run.say(f"{run.flow.name}.{step.id}", step.prompt)
    return NEXT
