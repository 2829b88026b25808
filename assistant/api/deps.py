"""FastAPI dependencies as Annotated aliases, read from the app's state (set by the lifespan)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from assistant.config import Settings
from assistant.events import EventBus
from assistant.store import Database
from assistant.store.sessions import SessionStore
from integrations.bundle import BankClients

T = TypeVar("T")


def _from_state(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency returning `app.state.<name>`; `kind` is there for the type checker and the reader."""

    def dependency(request: Request) -> T:
        value: T = getattr(request.app.state, name)
        return value

    dependency.__name__ = f"_{name}"
    return dependency


SettingsDep = Annotated[Settings, Depends(_from_state("settings", Settings))]
DatabaseDep = Annotated[Database, Depends(_from_state("db", Database))]
SessionStoreDep = Annotated[SessionStore, Depends(_from_state("sessions", SessionStore))]
EventBusDep = Annotated[EventBus, Depends(_from_state("events", EventBus))]
BankDep = Annotated[BankClients, Depends(_from_state("bank", BankClients))]
