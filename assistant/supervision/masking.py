"""The names one session knows, so its review views, search and exports mask them like numbers.

Why per session: there is no safe generic name detector (see `integrations.pii_names`), but a session knows whom
it is about. Its state holds the identified customer (`customer`, and an active journey's `customer`, `profile` and
slots) and the payees the risk desk screened; its turns hold slots (`payee`) and back-end calls (`to_name`,
`counterparty_name`, the customer records the bank returned). Each of those names is masked wherever it appears.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integrations.pii_names import NameMasker, names_in


def state_names(state: Any) -> set[str]:
    """The customer's and the payees' names in a session's stored state."""
    if not isinstance(state, Mapping):
        return set()
    names = names_in(state.get("customer"), person=True)
    journey = state.get("journey")
    if isinstance(journey, Mapping):
        names |= names_in(journey.get("customer"), person=True) | names_in(journey.get("profile"), person=True)
        names |= names_in(journey.get("slots"))
    risk = state.get("risk")
    if isinstance(risk, Mapping):
        screened = risk.get("screened")
        names |= {n for n in screened if isinstance(n, str)} if isinstance(screened, list) else set()
        payees = risk.get("payees")
        names |= {n for n in payees if isinstance(n, str)} if isinstance(payees, Mapping) else set()
    return names


def session_masker(state: Any, turn_data: Iterable[Any] = (), known: Iterable[str] = ()) -> NameMasker:
    """A masker for one session: the names of its state, of `turn_data` (its turns' slots, back-end calls) and
    `known` (its state's names read earlier)."""
    names = state_names(state) | set(known)
    for item in turn_data:
        names |= names_in(item)
    return NameMasker(names)
