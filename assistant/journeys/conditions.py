"""Evaluate flow conditions against a journey's data, without eval().

A condition names a subject (a slot, a profile path, a back-end result path, a context value or the
identified customer) and compares it with operators. Numbers compare as Decimals so "50000.00" from a
back-end and 50000 from a flow file agree; a missing subject makes every comparison false except
`exists: false` and `ne`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.journeys.spec import Condition

MISSING = object()


def lookup(root: Any, path: str) -> Any:
    """Follow a dotted path through dicts and lists (`accounts.0.id`); MISSING when any part is absent."""
    node = root
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value is MISSING:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _equal(left: Any, right: Any) -> bool:
    ln, rn = _number(left), _number(right)
    if ln is not None and rn is not None:
        return ln == rn
    return bool(left == right)


def evaluate(cond: Condition | None, data: Mapping[str, Any]) -> bool:
    """True when `cond` holds; `data` has the namespaces slot/profile/result/context/customer."""
    if cond is None:
        return True
    if cond.all is not None:
        return all(evaluate(c, data) for c in cond.all)
    if cond.any is not None:
        return any(evaluate(c, data) for c in cond.any)
    if cond.not_ is not None:
        return not evaluate(cond.not_, data)
    namespace, path = cond.subject()
    value = lookup(data.get(namespace, {}), path)
    return _compare(cond, value)


def _compare(cond: Condition, value: Any) -> bool:
    present = value is not MISSING and value is not None
    checks: list[bool] = []
    if cond.exists is not None:
        checks.append(present == cond.exists)
    if cond.truthy is not None:
        checks.append(bool(present and value) == cond.truthy)
    if "eq" in cond.model_fields_set:
        checks.append((present and _equal(value, cond.eq)) or (not present and cond.eq is None))
    if "ne" in cond.model_fields_set:
        checks.append(not (present and _equal(value, cond.ne)) if cond.ne is not None else present)
    if cond.in_ is not None:
        checks.append(present and any(_equal(value, v) for v in cond.in_))
    if cond.not_in is not None:
        checks.append(not (present and any(_equal(value, v) for v in cond.not_in)))
    number = _number(value) if present else None
    for op, bound in (("gt", cond.gt), ("gte", cond.gte), ("lt", cond.lt), ("lte", cond.lte)):
        if bound is None:
            continue
        if number is None:
            checks.append(False)
            continue
        b = Decimal(str(bound))
        checks.append({"gt": number > b, "gte": number >= b, "lt": number < b, "lte": number <= b}[op])
    return all(checks)


def slot_references(cond: Condition | None) -> Iterator[str]:
    """Every slot name a condition mentions (the loader checks they are declared)."""
    if cond is None:
        return
    for group in (cond.all or [], cond.any or []):
        for c in group:
            yield from slot_references(c)
    if cond.not_ is not None:
        yield from slot_references(cond.not_)
    if cond.slot is not None:
        yield cond.slot.split(".")[0]
