"""Fixtures shared by the integration tests that drive journeys against the in-process sandbox bank."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from integrations.bundle import BankClients
from integrations.config import BankOptions

# Quick retries, so a test of a failure does not wait for production back-off.
FAST_BANK = BankOptions(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.02, read_timeout_s=2.0)


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[BankClients]:
    """The real bank clients over the sandbox bank, in process, on a fresh database."""
    bank = BankClients.in_process(tmp_path / "sandbox.db", FAST_BANK)
    yield bank
    await bank.aclose()
