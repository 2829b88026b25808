"""FastAPI dependencies as Annotated aliases, read from the app's state (set by the lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.config import Settings
from assistant.events import EventBus
from assistant.store import Database
from assistant.store.sessions import SessionStore
from integrations.bundle import BankClients


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _sessions(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


def _bank(request: Request) -> BankClients:
    bank: BankClients = request.app.state.bank
    return bank


def _events(request: Request) -> EventBus:
    bus: EventBus = request.app.state.events
    return bus


SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
SessionStoreDep = Annotated[SessionStore, Depends(_sessions)]
EventBusDep = Annotated[EventBus, Depends(_events)]
BankDep = Annotated[BankClients, Depends(_bank)]
