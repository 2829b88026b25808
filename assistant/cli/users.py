"""`lobby users ...`: staff accounts (add, list, password, disable, enable, unlock). Changes are audited."""

from __future__ import annotations

import getpass

import typer

from assistant.audit import AuditLog
from assistant.auth.passwords import Passwords, WeakPassword, check_policy
from assistant.auth.principal import STAFF_ROLES
from assistant.auth.service import sign_in_limits
from assistant.auth.users import InvalidAccount, UserExists, UserStore
from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from assistant.config import Settings
from assistant.events import withdrawals
from assistant.store import Database

app = typer.Typer(help="Staff accounts: add, list, passwd, disable, enable, unlock.", no_args_is_help=True)


def open_store() -> tuple[Settings, Database]:
    """Settings and a migrated database (commands work on a fresh install)."""
    settings = load_settings(runtime=True)
    db = Database(settings.effective_database_url)
    db.upgrade()
    return settings, db


def cli_actor() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _new_password(password: str | None) -> str:
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_policy(password)
    except WeakPassword as exc:
        fail(str(exc))
    return password


@app.command("add")
def add(
    name: str = typer.Argument(..., help="Username (2-64 letters, digits, '.', '_', '-')."),
    role: str = typer.Option(..., "--role", help=f"One of {', '.join(STAFF_ROLES)}."),
    password: str | None = typer.Option(None, "--password", help="Prompted (hidden) when left out."),
    skills: str = typer.Option("", "--skills", help="Comma-separated handoff skills, e.g. general,loans."),
    branch: str | None = typer.Option(None, "--branch", help="Branch id, e.g. BJ001."),
    display_name: str | None = typer.Option(None, "--display-name", help="Shown to customers and colleagues."),
    as_json: bool = JsonOption,
) -> None:
    """Create a staff account."""
    settings, db = open_store()
    skill_list = [s.strip() for s in skills.split(",") if s.strip()]
    secret = _new_password(password)
    try:
        account = UserStore(db).add(name, role, Passwords(settings.auth).hash(secret), display_name, branch, skill_list)
    except (UserExists, InvalidAccount) as exc:
        fail(str(exc))
    AuditLog(db).record(cli_actor(), "admin", "user_change", name, {"change": "add", "role": role})
    if as_json:
        emit_json(account.to_dict())
    else:
        typer.echo(f"added {account.username} ({account.role})")


@app.command("list")
def list_users(
    role: str | None = typer.Option(None, "--role", help="Only this role."), as_json: bool = JsonOption
) -> None:
    """Staff accounts (no password hashes)."""
    _, db = open_store()
    accounts = UserStore(db).list(role)
    if as_json:
        emit_json([a.to_dict() for a in accounts])
        return
    for a in accounts:
        state = "active" if a.active else "disabled"
        typer.echo(f"{a.username:20} {a.role:11} {a.branch_id or '-':8} {state:8} {','.join(a.skills)}")


@app.command("passwd")
def passwd(
    name: str = typer.Argument(...),
    password: str | None = typer.Option(None, "--password", help="Prompted (hidden) when left out."),
) -> None:
    """Set a new password (tokens already issued stay valid until they expire)."""
    settings, db = open_store()
    secret = _new_password(password)
    if not UserStore(db).set_password(name, Passwords(settings.auth).hash(secret)):
        fail(f"no user {name!r}")
    AuditLog(db).record(cli_actor(), "admin", "user_change", name, {"change": "password"})
    typer.echo(f"password of {name} changed")


def _unlock(settings: Settings, store: UserStore, name: str) -> bool:
    """Clear the username's sign-in counter where the servers keep it (Redis; a server counting in its own
    memory, with no Redis configured, forgets the lock when it ends) and the account's stored lock."""
    limits = sign_in_limits(settings.auth, settings.redis_url)
    try:
        limits.by_user.reset(name.casefold())
    finally:
        limits.close()
    return store.unlock(name)


def _set(name: str, change: str) -> None:
    settings, db = open_store()
    store = UserStore(db)
    done = _unlock(settings, store, name) if change == "unlock" else store.set_active(name, change == "enable")
    if not done:
        fail(f"no user {name!r}")
    AuditLog(db).record(cli_actor(), "admin", "user_change", name, {"change": change})
    typer.echo(f"{name}: {change}d" if change != "unlock" else f"{name}: unlocked")


@app.command("disable")
def disable(name: str = typer.Argument(...)) -> None:
    """Refuse sign-in and every token of this user, and close their open consoles (within seconds on every
    replica)."""
    _set(name, "disable")
    announce_withdrawal(load_settings(runtime=True), withdrawals.user_disabled(name))


@app.command("enable")
def enable(name: str = typer.Argument(...)) -> None:
    """Allow a disabled user again."""
    _set(name, "enable")


@app.command("unlock")
def unlock(name: str = typer.Argument(...)) -> None:
    """Clear a lock-out after failed sign-ins (the per-address limit is not reset)."""
    _set(name, "unlock")


def announce_withdrawal(settings: Settings, message: dict[str, object]) -> None:
    """Tell running servers (through Redis) to close at once the sockets opened with what was withdrawn;
    without Redis they find out at their periodic re-check of open sockets."""
    if withdrawals.announce(settings.redis_url, settings.bus_namespace, message):
        typer.echo("running servers close its open sockets now", err=True)
    else:
        typer.echo("running servers close its open sockets at their next check (within a minute)", err=True)
