"""`lobby users`, `lobby devices` and `lobby audit` on a real SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.auth.devices import DeviceStore
from assistant.auth.options import AuthOptions
from assistant.auth.passwords import Passwords
from assistant.auth.users import UserStore
from assistant.cli import app as cli
from assistant.store import Database

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "LOBBY_VAR_DIR": str(tmp_path / "var"),
        "LOBBY_ENV": "test",
        "LOBBY_AUTH__ARGON2_TIME_COST": "1",
        "LOBBY_AUTH__ARGON2_MEMORY_KIB": "8192",
        "LOBBY_AUTH__ARGON2_PARALLELISM": "1",
    }


def run(env: dict[str, str], *args: str, code: int = 0, stdin: str | None = None):
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin)
    assert result.exit_code == code, f"{args}: {result.output} {result.exception!r}"
    return result


def db_of(env: dict[str, str]) -> Database:
    return Database(f"sqlite:///{env['LOBBY_VAR_DIR']}/lobby.db")


def test_users_add_list_passwd_disable(env):
    run(env, "users", "add", "wang.fang", "--role", "expert", "--password", "Str0ng-pass-1", "--skills", "loans,wealth")
    run(
        env, "users", "add", "li.lei", "--role", "teller", "--branch", "BJ001", stdin="Another-pass-2\nAnother-pass-2\n"
    )
    listed = json.loads(run(env, "users", "list", "--json").output)
    assert [(u["username"], u["role"], u["skills"]) for u in listed] == [
        ("li.lei", "teller", []),
        ("wang.fang", "expert", ["loans", "wealth"]),
    ]
    assert "password" not in json.dumps(listed)
    store, passwords = UserStore(db_of(env)), Passwords(AuthOptions())
    found = store.password_hash("li.lei")
    assert found is not None and found[1].startswith("$argon2id$") and passwords.verify(found[1], "Another-pass-2")

    assert (
        "exists" in run(env, "users", "add", "li.lei", "--role", "teller", "--password", "Str0ng-pass-1", code=2).output
    )
    assert (
        "role must be"
        in run(env, "users", "add", "x1", "--role", "kiosk", "--password", "Str0ng-pass-1", code=2).output
    )
    assert "at least" in run(env, "users", "add", "x2", "--role", "teller", "--password", "short", code=2).output

    run(env, "users", "passwd", "li.lei", "--password", "Changed-pass-3")
    found = store.password_hash("li.lei")
    assert found is not None and passwords.verify(found[1], "Changed-pass-3")
    run(env, "users", "disable", "li.lei")
    assert store.get("li.lei").active is False  # type: ignore[union-attr]
    run(env, "users", "disable", "nobody", code=2)
    actions = json.loads(run(env, "audit", "list", "--json").output)
    assert [a["details"]["change"] for a in actions][::-1] == ["add", "add", "password", "disable"]


def test_devices_add_prints_a_token_once_and_revoke(env):
    token = run(env, "devices", "add", "KIOSK-SH002-01", "--branch", "SH002").stdout.strip()
    assert token.startswith("ldt_")
    devices = DeviceStore(db_of(env))
    device = devices.resolve(token)
    assert device is not None and device.branch_id == "SH002"
    with sqlite3.connect(Path(env["LOBBY_VAR_DIR"]) / "lobby.db") as conn:
        stored = [row[0] for row in conn.execute("SELECT token_hash FROM device_tokens")]
    assert token not in stored and len(stored) == 1
    listed = json.loads(run(env, "devices", "list", "--json").output)
    assert listed[0]["device_id"] == "KIOSK-SH002-01" and "token" not in listed[0]
    run(env, "devices", "revoke", "KIOSK-SH002-01")
    assert devices.resolve(token) is None
    run(env, "devices", "revoke", "KIOSK-SH002-01", code=2)


def test_audit_verify_passes_then_names_the_edited_record(env):
    for name in ("a.one", "b.two", "c.three"):
        run(env, "users", "add", name, "--role", "teller", "--password", "Str0ng-pass-1")
    clean = run(env, "audit", "verify")
    assert "intact: 3 records" in clean.output
    assert json.loads(run(env, "audit", "verify", "--json").output)["ok"] is True
    with sqlite3.connect(Path(env["LOBBY_VAR_DIR"]) / "lobby.db") as conn:
        conn.execute("UPDATE audit_log SET subject = 'z.zero' WHERE seq = 2")
    broken = run(env, "audit", "verify", code=1)
    assert "record 2" in broken.output
    report = json.loads(run(env, "audit", "verify", "--json", code=1).stdout)
    assert report["broken_seq"] == 2 and report["ok"] is False and report["records"] == 1
