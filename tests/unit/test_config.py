"""Settings: embedded defaults, masking, and bad configuration stopping with one line naming the setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import ConfigError, Settings, check_runtime

pytestmark = pytest.mark.unit
LOBBY = [sys.executable, "-m", "assistant.cli"]


def make(**kw) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_defaults_need_no_configuration(tmp_path):
    s = make(var_dir=tmp_path)
    assert s.effective_database_url == f"sqlite:///{tmp_path.as_posix()}/lobby.db"
    assert s.effective_models_dir == tmp_path / "models"
    assert s.bank_url == "inprocess"


def test_masked_hides_secrets_and_passwords():
    s = make(
        secret_key="s3cret-value",
        database_url="postgresql+psycopg://u:pw@db:5432/lobby",
        redis_url="redis://:hunter2@cache:6379/0",
    )
    masked = s.masked()
    flat = repr(masked)
    assert "s3cret-value" not in flat and "pw@" not in flat and "hunter2" not in flat
    assert masked["database_url"].startswith("postgresql+psycopg://u:***@db")


@pytest.mark.parametrize("url", ["mysql://u@h/db", "mongodb://h/db", "not a url"])
def test_unknown_database_scheme_names_the_setting(url):
    with pytest.raises(ConfigError) as err:
        make(database_url=url)
    assert err.value.setting == "LOBBY_DATABASE_URL"


def test_production_refuses_the_default_secret():
    with pytest.raises(ConfigError) as err:
        make(env="production")
    assert err.value.setting == "LOBBY_SECRET_KEY"
    assert make(env="production", secret_key="a-real-random-secret").env == "production"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_var_dir_names_the_setting_as_user(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ConfigError) as err:
        check_runtime(make(var_dir=locked / "var"))
    assert err.value.setting == "LOBBY_VAR_DIR"


def test_var_dir_under_a_file_names_the_setting(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as err:
        check_runtime(make(var_dir=blocker / "var"))
    assert err.value.setting == "LOBBY_VAR_DIR"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"LOBBY_DATABASE_URL": "mysql://u@h/db"}, "LOBBY_DATABASE_URL"),
        ({"LOBBY_ENV": "production"}, "LOBBY_SECRET_KEY"),
        ({"LOBBY_PORT": "eighty"}, "LOBBY_PORT"),
        ({"LOBBY_VAR_DIR": "/proc/lobby-cannot-be-here"}, "LOBBY_VAR_DIR"),
    ],
)
def test_serve_stops_with_one_clear_line(env, setting, tmp_path):
    full_env = {**os.environ, "LOBBY_VAR_DIR": str(tmp_path / "var"), **env}
    result = subprocess.run([*LOBBY, "serve"], env=full_env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {setting}:")


def test_config_json_prints_masked_configuration(tmp_path):
    env = {**os.environ, "LOBBY_SECRET_KEY": "top-secret-123", "LOBBY_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [*LOBBY, "config", "--json"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "top-secret-123" not in result.stdout
    assert '"secret_key": "********"' in result.stdout
    assert Path(tmp_path).as_posix() in result.stdout


def test_log_lines_are_json_and_masked(capsys):
    import logging

    from assistant.logging import configure_logging, get_logger

    configure_logging("INFO", json_output=True)
    get_logger("test").info("lookup", id_number="110105198103150319", note="call 13911260451")
    logging.getLogger("plain").warning("card 6217991001001001018 swallowed")
    err = capsys.readouterr().err
    assert "110105198103150319" not in err and "13911260451" not in err and "6217991001001001018" not in err
    lines = [__import__("json").loads(line) for line in err.strip().splitlines()]
    assert lines[0]["event"] == "lookup" and lines[0]["level"] == "info"


def test_handoff_dispatch_timings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOBBY_HANDOFF__OFFER_TIMEOUT_S", "15")
    monkeypatch.setenv("LOBBY_HANDOFF__MAX_OFFERS", "4")
    s = make()
    assert (s.handoff.offer_timeout_s, s.handoff.max_offers, s.handoff.aging_s) == (15.0, 4, 60.0)
    monkeypatch.setenv("LOBBY_HANDOFF__OFFER_TIMEOUT_S", "0")
    with pytest.raises(ValueError, match="offer_timeout_s"):
        make()
