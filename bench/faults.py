"""`lobby bench faults`: customers keep transferring money on two replicas while the bank goes down, Redis
restarts and the database drops every connection. Reported: visits lost (must be 0), duplicate money moves
(must be 0) and the time each fault took to recover from.

The set-up is real and private to the run, so nothing shared is disturbed:
- two `lobby serve` replicas (child processes) on one PostgreSQL database created for the run (on the server
  named by `--postgres`, default the local one) and one Redis server started for the run on a free port;
- the sandbox bank served over HTTP in its own child process (`lobby sandbox serve`) on a file database.
Faults, in turn, while `--customers` customers are mid-visit:
- bank down: the sandbox process is killed and restarted on the same port (same data);
- Redis restart: the private redis-server is killed and started again;
- database outage: the run's database refuses connections and every open one is terminated
  (`ALLOW_CONNECTIONS false` + `pg_terminate_backend`), then it accepts them again: what a restart looks like
  to the replicas, without stopping a server others use.
A customer behaves as a kiosk customer would: on a 5xx or a broken connection the page waits and sends the
same turn again, with the same `turn_id`; while the bank is busy ("您可以说“重试”") the customer says 重试
before going on, puts the ID card on the reader again when asked, and confirms again when asked to.
Every visit transfers a distinct amount, so the sandbox's own ledger tells whether any money moved twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer

from bench.conversation import ZHANG_WEI_ID, Server, free_port, load_average, machine, prepare_var_dir

TRANSFER = ["我要转账", "收款人李秀英", "1101050001002002", "示范银行", "{amount}元", "不用", "确认"]
RETRY_TEXT = "重试"
CONFIRM_TEXT = "确认"
VISIT_DEADLINE_S = 150.0
ZHANG_WEI_PIN = "270519"  # the sandbox cast's PIN of his account A1001


def _face_still() -> dict[str, Any]:
    from bench.journeys import camera_still

    return {"type": "face_captured", "data": {"image": camera_still()}}


VERIFY_ANSWERS = {
    "face_capture": _face_still,
    "pin_pad": lambda: {"type": "pin_entered", "data": {"pin": ZHANG_WEI_PIN}},
}


class Child:
    """A restartable child process on a fixed port (the bank, Redis)."""

    def __init__(self, name: str, cmd: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.name, self.cmd, self.port = name, cmd, port
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)

    async def start(self, timeout_s: float = 60.0) -> None:
        self.proc = await asyncio.to_thread(
            subprocess.Popen, self.cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited: {self.log.read().decode(errors='replace')[-600:]}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout_s:.0f} s")

    async def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(self.proc.wait, 10)

    async def close(self) -> None:
        await self.kill()
        self.log.close()


class Database:
    """The run's own PostgreSQL database, and the outage switch."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"lobby_faults_{uuid.uuid4().hex[:10]}"
        self.url = admin_url.rsplit("/", 1)[0] + f"/{self.name}"

    def _run(self, *statements: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    async def create(self) -> None:
        await asyncio.to_thread(self._run, f'CREATE DATABASE "{self.name}"')

    async def down(self) -> None:
        await asyncio.to_thread(
            self._run,
            f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608 - our own generated name
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()",
        )

    async def up(self) -> None:
        await asyncio.to_thread(self._run, f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    async def drop(self) -> None:
        await asyncio.to_thread(self._run, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class Visit:
    customer: int
    number: int
    amount: int
    replica: int
    status: str = "started"
    turns: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    ended_at: float = 0.0
    answers: list[tuple[float, bool]] = field(default_factory=list)  # (when, served) per request
    last_reply: str = ""
    trace: list[str] = field(default_factory=list)  # each request: when, what, status, where the visit is


@dataclass
class Clock:
    """Seconds since the customers started; the faults with when each started and ended."""

    start: float = field(default_factory=time.monotonic)
    faults: list[dict[str, Any]] = field(default_factory=list)

    def now(self) -> float:
        return round(time.monotonic() - self.start, 2)


def recovery_s(fault: dict[str, Any], visits: list[Visit]) -> dict[str, Any]:
    """For every visit the fault hit (a request not served while it lasted), how long after the fault ended
    it was served again; the slowest is the time to recover."""
    waits = []
    for visit in visits:
        failed = [t for t, ok in visit.answers if not ok and fault["started"] <= t <= fault["ended"]]
        if not failed:
            continue
        served = [t for t, ok in visit.answers if ok and t > failed[0]]
        if served:
            waits.append(max(0.0, served[0] - fault["ended"]))
    return {
        "visits_hit": len(waits),
        "recover_s_max": round(max(waits), 2) if waits else 0.0,
        "recover_s_median": round(sorted(waits)[len(waits) // 2], 2) if waits else 0.0,
    }


async def _send(client: httpx.AsyncClient, visit: Visit, path: str, body: dict[str, Any], clock: Clock) -> Any:
    """POST until it is answered (a kiosk shows "please wait" and tries again), within the visit's deadline."""
    deadline = time.monotonic() + VISIT_DEADLINE_S
    if path.endswith(("/turns", "/events")):  # resent with the same id: answered again, never applied twice
        body = {**body, "turn_id": uuid.uuid4().hex}
    while True:
        try:
            resp = await client.post(path, json=body)
            where = ""
            if resp.status_code == 200:
                data = resp.json()
                journey = data.get("journey") or {}
                where = f"{journey.get('name')}:{journey.get('step')} {(data.get('reply') or {}).get('text', '')[:40]}"
            visit.trace.append(f"{clock.now()} {path.rsplit('/', 1)[-1]} {body} -> {resp.status_code} {where}")
            if resp.status_code < 500:
                if resp.status_code >= 400:
                    visit.errors.append(f"{resp.status_code} {resp.text[:120]}")
                    return None
                visit.answers.append((clock.now(), True))
                return resp.json()
            visit.errors.append(f"{resp.status_code} {resp.text[:100]}")
        except httpx.TransportError as exc:
            visit.errors.append(type(exc).__name__)
        visit.answers.append((clock.now(), False))
        visit.retries += 1
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.5)


async def _identify(client: httpx.AsyncClient, visit: Visit, sid: str, clock: Clock) -> Any:
    event = {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}
    return await _send(client, visit, f"/api/v1/sessions/{sid}/events", event, clock)


async def _settle(client: httpx.AsyncClient, visit: Visit, sid: str, clock: Clock, out: Any) -> Any:
    """What a customer does with what the kiosk shows before going on with their own business: while the
    bank is busy ("…您可以说“重试”") they wait a moment and say 重试; asked for their ID card again (the
    bank could not look them up) they put it on the reader again; asked to verify (the face card, the PIN
    pad) they look at the camera and type their PIN, again after a moment when the check was busy."""
    deadline = time.monotonic() + VISIT_DEADLINE_S
    asked: str | None = None
    while out is not None and time.monotonic() < deadline:
        reply, journey = out.get("reply") or {}, out.get("journey") or {}
        cards = {c.get("type") for c in reply.get("cards") or []}
        if journey.get("step") == "verify" and cards & set(VERIFY_ANSWERS):
            kind = next(k for k in VERIFY_ANSWERS if k in cards)
            if kind == asked:  # the same question again: the check was busy or missed
                visit.answers[-1] = (visit.answers[-1][0], False)
                await asyncio.sleep(1.0)
            asked = kind
            out = await _send(client, visit, f"/api/v1/sessions/{sid}/events", VERIFY_ANSWERS[kind](), clock)
        elif RETRY_TEXT in (reply.get("suggestions") or []):
            visit.answers[-1] = (visit.answers[-1][0], False)  # answered, but the bank was not: not served
            await asyncio.sleep(1.0)
            out = await _send(client, visit, f"/api/v1/sessions/{sid}/turns", {"text": RETRY_TEXT}, clock)
        elif journey.get("step") == "identify" and journey.get("status") == "active":
            await asyncio.sleep(1.0)
            out = await _identify(client, visit, sid, clock)
        else:
            return out
        visit.turns += 1
    return out


async def _visit(client: httpx.AsyncClient, visit: Visit, clock: Clock, think_s: float) -> None:
    created = await _send(client, visit, "/api/v1/sessions", {"channel": "kiosk", "branch_id": "BJ001"}, clock)
    if created is None:
        visit.status = "lost"
        return
    sid = created["session_id"]
    out: Any = await _settle(client, visit, sid, clock, await _identify(client, visit, sid, clock))
    if out is None:
        visit.status = "lost"
        return
    for step in TRANSFER:
        await asyncio.sleep(think_s)
        said = await _send(
            client, visit, f"/api/v1/sessions/{sid}/turns", {"text": step.format(amount=visit.amount)}, clock
        )
        visit.turns += 1
        out = await _settle(client, visit, sid, clock, said)
        if out is None:
            visit.status = "lost"
            return
    deadline = time.monotonic() + VISIT_DEADLINE_S
    while (out.get("journey") or {}).get("status") != "completed":
        visit.answers[-1] = (visit.answers[-1][0], False)  # answered, but the money step is waiting: not served
        visit.last_reply = f"{out.get('journey')}: {(out.get('reply') or {}).get('text', '')[:120]}"
        if time.monotonic() > deadline:
            visit.status = f"stuck:{(out.get('journey') or {}).get('status')}"
            return
        await asyncio.sleep(1.0)
        # answer what the kiosk asks now: its confirmation again (after a retried check) or "retry"
        asking = (out.get("journey") or {}).get("step")
        text = CONFIRM_TEXT if asking == "confirm" else RETRY_TEXT
        out = await _send(client, visit, f"/api/v1/sessions/{sid}/turns", {"text": text}, clock)
        visit.turns += 1
        if out is None:
            visit.status = "lost"
            return
    visit.status = "completed"
    visit.ended_at = clock.now()


async def _customer(
    number: int, servers: list[Server], clock: Clock, until: float, think_s: float, visits: list[Visit]
) -> None:
    """One customer after another at the same kiosk, as long as faults are still being injected."""
    await asyncio.sleep(number * 0.4)  # arrivals spread out
    replica = number % len(servers)
    server = servers[replica]
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.headers, timeout=30.0) as client:
        n = 0
        while clock.now() < until:
            visit = Visit(number, n, amount=10 + number * 10 + n, replica=replica)
            visits.append(visit)
            await _visit(client, visit, clock, think_s)
            n += 1


async def _schedule(clock: Clock, bank: Child, bank_start: Any, redis: Child, db: Database, outage_s: float) -> None:
    """The faults, one after another, each while customers are mid-visit."""
    plan = [
        ("bank down", 6.0, bank.kill, bank_start),
        ("redis restart", 12.0, redis.kill, redis.start),
        ("database outage", 20.0, db.down, db.up),
    ]
    for name, at, down, up in plan:
        await asyncio.sleep(max(0.0, at - clock.now()))
        fault: dict[str, Any] = {"fault": name, "started": clock.now()}
        clock.faults.append(fault)
        await down()
        await asyncio.sleep(outage_s)
        await up()
        fault["ended"] = clock.now()


def _ledger(sandbox_db: Path) -> dict[int, int]:
    """Transfers the bank booked, by amount in yuan (each visit's amount is its own)."""
    with sqlite3.connect(sandbox_db) as conn:
        rows = conn.execute("SELECT amount_fen, COUNT(*) FROM sb_transfers GROUP BY amount_fen").fetchall()
    return {int(fen) // 100: int(count) for fen, count in rows}


async def run(source: Any, postgres: str, customers: int, outage_s: float, think_s: float) -> dict[str, Any]:
    db = Database(postgres)
    await db.create()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(db.drop)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lobby-faults-")))
        redis_port, bank_port = free_port(), free_port()
        redis = Child(
            "redis", ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"], redis_port
        )
        sandbox_db = tmp / "sandbox.db"
        bank_cmd = [sys.executable, "-m", "assistant.cli", "sandbox", "serve", "--port", str(bank_port)]
        bank = Child("bank", [*bank_cmd, "--db", str(sandbox_db)], bank_port, {"LOBBY_LOG_LEVEL": "WARNING"})
        stack.push_async_callback(redis.close)
        stack.push_async_callback(bank.close)
        await redis.start()
        await bank.start()
        servers = []
        for replica in range(2):
            var_dir = tmp / f"replica{replica}"
            var_dir.mkdir()
            env = prepare_var_dir(source, var_dir)
            env.update(
                {
                    "LOBBY_DATABASE_URL": db.url,
                    "LOBBY_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                    "LOBBY_BANK_URL": f"http://127.0.0.1:{bank_port}",
                    "LOBBY_BUS_NAMESPACE": "faultbench",
                }
            )
            servers.append(await stack.enter_async_context(Server(env)))
        clock = Clock()
        visits: list[Visit] = []
        until = 20.0 + outage_s + 4.0  # new visits start until shortly after the last fault
        schedule = _schedule(clock, bank, bank.start, redis, db, outage_s)
        workers = [_customer(i, servers, clock, until, think_s, visits) for i in range(customers)]
        await asyncio.gather(schedule, *workers)
        ledger = _ledger(sandbox_db)
    completed = [v for v in visits if v.status == "completed"]
    lost = [v for v in visits if v.status != "completed"]
    duplicates = {amount: n for amount, n in ledger.items() if n > 1}
    unbooked = [v.amount for v in completed if ledger.get(v.amount, 0) == 0]
    recovery = [
        {"fault": f["fault"], "outage_s": round(f["ended"] - f["started"], 2), **recovery_s(f, visits)}
        for f in clock.faults
    ]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "machine": machine(),
        "load_average": load_average(),
        "customers": customers,
        "visits": len(visits),
        "completed": len(completed),
        "visits_lost": len(lost),
        "lost": [
            {
                "customer": v.customer,
                "status": v.status,
                "errors": v.errors[-3:],
                "reply": v.last_reply,
                "trace": v.trace,
            }
            for v in lost
        ],
        "fault_times": [{k: f.get(k) for k in ("fault", "started", "ended")} for f in clock.faults],
        "duplicate_money_moves": sum(n - 1 for n in duplicates.values()),
        "completed_without_booking": len(unbooked),
        "retries": sum(v.retries for v in visits),
        "faults": recovery,
    }


def cli(
    customers: int = typer.Option(20, "--customers", min=1, max=200, help="Customers mid-visit at once."),
    outage: float = typer.Option(6.0, "--outage", min=0.5, max=60.0, help="Seconds each fault lasts."),
    think: float = typer.Option(0.5, "--think", min=0.0, help="Seconds a customer takes before each turn."),
    postgres: str = typer.Option(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        "--postgres",
        help="An admin URL of the PostgreSQL server the run creates (and drops) its own database on.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Faults during live visits (bank down, Redis restart, database outage) on two replicas: visits lost,
    duplicate money moves, time to recover. Needs redis-server on PATH and a reachable PostgreSQL."""
    from assistant.cli.common import emit_json, fail, load_settings
    from assistant.logging import configure_logging

    settings = load_settings(runtime=True)
    configure_logging("WARNING", settings.log_json)
    try:
        result = asyncio.run(run(settings, postgres, customers, outage, think))
    except (RuntimeError, TimeoutError, OSError) as exc:
        fail(str(exc) or type(exc).__name__)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"faults, {result['customers']} customers, {result['machine']}, {result['date']}")
    typer.echo(
        f"  visits {result['visits']}  completed {result['completed']}  lost {result['visits_lost']}  "
        f"duplicate money moves {result['duplicate_money_moves']}  retries {result['retries']}"
    )
    for fault in result["faults"]:
        typer.echo(
            f"  {fault['fault']:16} outage {fault['outage_s']:5.1f} s  visits hit {fault['visits_hit']:3}  "
            f"recovered within {fault['recover_s_max']:5.1f} s (median {fault['recover_s_median']:.1f} s)"
        )
    if result["visits_lost"] or result["duplicate_money_moves"]:
        raise typer.Exit(1)
