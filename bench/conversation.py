"""Conversation speed and memory: text turns in-process, 100 concurrent sessions over HTTP, idle sessions.

Three measurements, each on a fresh temporary var/ dir (the knowledge base and NLU caches are copied
from the configured var/ dir so nothing is rebuilt; model weights are read in place):

- in-process: time around `ConversationService.turn` and the `latency_ms.total` it reports, for a mix of
  knowledge questions (zh/en), greetings and transfer-journey turns. "repeated" sends texts already seen
  (the NLU embedding cache hits); "fresh" sends texts never seen before (numbers and paraphrases vary).
  A warm-up pass is excluded from both.
- concurrent: `lobby serve` in a child process on a free 127.0.0.1 port; N sessions at once, each
  creating a session and sending 5 turns with httpx; end-to-end latency per request and throughput.
- memory: RSS of that server before and after creating idle sessions (each with a greeting turn), and the
  bytes the store holds per session.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import typer

if TYPE_CHECKING:
    from assistant.config import Settings

ZHANG_WEI_ID = "110105198103150319"
GREETINGS = ["你好", "您好", "hello", "hi there", "早上好", "谢谢", "thank you", "再见"]
KNOWLEDGE_ZH = [
    "大额存单的起存金额是多少",
    "挂失银行卡需要带什么证件",
    "跨行转账手续费怎么收",
    "你们营业时间是几点到几点",
    "信用卡逾期了会怎么样",
    "定期存款提前支取利息怎么算",
    "开户需要哪些材料",
    "外币兑换每天有额度限制吗",
]
KNOWLEDGE_EN = [
    "what do I need to open an account",
    "how do I report a lost card",
    "what are the fees for a transfer to another bank",
    "what are your opening hours",
    "can I withdraw a time deposit early",
    "is there a limit on foreign exchange per year",
]
# Paraphrase frames and fillers for texts the NLU has never seen (its cache keys on the exact text).
FRESH_ZH = [
    "请问{n}元的大额存单起存吗",
    "我想问一下存{n}块钱定期{m}年利率多少",
    "转{n}元到别的银行要手续费吗",
    "我的卡丢了，尾号{k}，怎么挂失",
    "第{m}次来办业务，开户要带什么",
    "换{n}美元需要什么手续",
    "信用卡欠了{n}元逾期{m}天会怎么样",
    "{m}点以后还能办业务吗",
]
FRESH_EN = [
    "how much interest on a {m} year deposit of {n} yuan",
    "do I pay a fee to transfer {n} yuan to another bank",
    "my card ending {k} is lost, what should I do",
    "can I exchange {n} dollars today",
    "are you open after {m} pm",
]
FRESH_GREETINGS = ["你好呀{m}", "hello number {m}", "谢谢你{m}次", "嗨，早上好{k}"]
TRANSFER = ["我要转账", "收款人李秀英", "1101050001002002", "示范银行", "{amount}", "不用", "确认"]
# What the kiosk sends at the transfer's verify step: a camera still, then the PIN on its pad (the sandbox
# cast's PIN of 张伟's account).
VERIFIED = (
    ("face_captured", lambda: {"image": _still()}),
    ("pin_entered", lambda: {"pin": "270519"}),
)


def _still() -> str:
    from bench.journeys import camera_still

    return camera_still()


AMOUNTS = ["两千元", "一千五百元", "三百元", "八百块", "一千二百元", "五百元", "两百元", "六百元"]
HTTP_TURNS = ["你好", "大额存单的起存金额是多少", "how do I report a lost card", "开户需要哪些材料", "谢谢"]


def _stats(values: list[float]) -> dict[str, float]:
    """p50/p95/max/mean in ms of a list of ms (nearest-rank percentiles)."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))], 2)

    return {
        "n": len(ordered),
        "p50": pct(0.5),
        "p95": pct(0.95),
        "max": round(ordered[-1], 2),
        "mean": round(sum(ordered) / len(ordered), 2),
    }


def fresh_texts(count: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """(kind, text) pairs never repeated: paraphrase frames filled with varying numbers."""
    rng = random.Random(seed)
    frames = [("knowledge_zh", f) for f in FRESH_ZH] + [("knowledge_en", f) for f in FRESH_EN]
    frames += [("greeting", f) for f in FRESH_GREETINGS]
    seen: set[str] = set()
    while len(seen) < count:
        kind, frame = rng.choice(frames)
        text = frame.format(n=rng.randint(100, 99999), m=rng.randint(1, 30), k=rng.randint(1000, 9999))
        if text not in seen:
            seen.add(text)
            yield kind, text


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, load {load_average()}"


def prepare_var_dir(source: Settings, target: Path) -> dict[str, str]:
    """Copy the built knowledge base and NLU caches into `target`; return the env for a server on it."""
    for name in ("kb", "cache"):
        if (source.var_dir / name).is_dir():
            shutil.copytree(source.var_dir / name, target / name)
    return {
        "LOBBY_VAR_DIR": str(target),
        "LOBBY_MODELS_DIR": str(source.effective_models_dir.resolve()),
        "LOBBY_DATABASE_URL": "",
        "LOBBY_BANK_URL": "inprocess",
        "LOBBY_LOG_LEVEL": "WARNING",
    }


# -- in-process -----------------------------------------------------------------------------------


async def in_process(source: Settings, turns: int, journeys: int) -> dict[str, Any]:
    """Time text turns through the runtime the server uses (no HTTP)."""
    from assistant.conversation.schemas import EventIn, SessionCreate, TurnIn
    from assistant.runtime import open_runtime

    with tempfile.TemporaryDirectory(prefix="lobby-bench-") as tmp:
        settings = source.model_copy(
            update={"var_dir": Path(tmp), "models_dir": source.effective_models_dir.resolve(), "database_url": ""}
        )
        prepare_var_dir(source, Path(tmp))
        async with open_runtime(settings) as runtime:
            if not await runtime.knowledge.wait_ready():
                raise RuntimeError(f"knowledge base not ready: {runtime.knowledge.error}")
            conv = runtime.conversation
            timed: dict[str, dict[str, list[float]]] = {}

            async def one(session_id: str, text: str, group: str, record: bool) -> dict[str, Any]:
                started, cpu = time.perf_counter(), time.process_time()
                out = await conv.turn(session_id, TurnIn(text=text))
                wall = (time.perf_counter() - started) * 1000
                cpu_ms = (time.process_time() - cpu) * 1000  # all threads: a load-independent cost
                if record:
                    bucket = timed.setdefault(group, {"wall": [], "reported": []})
                    bucket["wall"].append(wall)
                    bucket.setdefault("cpu", []).append(cpu_ms)
                    for stage, ms in out.latency_ms.items():
                        bucket.setdefault("reported" if stage == "total" else f"stage_{stage}", []).append(ms)
                return {"intent": out.intent, "journey": out.journey.model_dump() if out.journey else None}

            async def session() -> str:
                return (await conv.create_session(SessionCreate(channel="kiosk", branch_id="BJ001"))).session_id

            repeated = [("greeting", t) for t in GREETINGS] + [("knowledge_zh", t) for t in KNOWLEDGE_ZH]
            repeated += [("knowledge_en", t) for t in KNOWLEDGE_EN]
            sid = await session()
            for kind, text in repeated:  # warm-up: loads, first calls, fills the NLU cache
                await one(sid, text, kind, record=False)
            for _ in range(max(1, turns // len(repeated))):
                sid = await session()  # a new session every pass keeps histories short, as in a visit
                for kind, text in repeated:
                    await one(sid, text, f"repeated_{kind}", record=True)
            sid = await session()
            for i, (kind, text) in enumerate(fresh_texts(turns)):
                if i % 20 == 0:
                    sid = await session()
                await one(sid, text, f"fresh_{kind}", record=True)

            completed, statuses = 0, []
            for run in range(journeys + 1):  # run 0 is the warm-up
                sid = await session()
                ev = EventIn(type="id_card_read", data={"id_number": ZHANG_WEI_ID})
                started = time.perf_counter()
                out = await conv.event(sid, ev)
                if run:
                    bucket = timed.setdefault("journey_event", {"wall": [], "reported": []})
                    bucket["wall"].append((time.perf_counter() - started) * 1000)
                    bucket["reported"].append(float(out.latency_ms.get("total", 0.0)))
                last: dict[str, Any] = {}
                for step in TRANSFER:
                    text = step.format(amount=AMOUNTS[run % len(AMOUNTS)])
                    last = await one(sid, text, "journey_transfer", record=run > 0)
                for kind, data in VERIFIED:  # the kiosk's camera still and PIN pad (device events, not timed)
                    last = (await conv.event(sid, EventIn(type=kind, data=data()))).model_dump(mode="json")
                if run:
                    statuses.append((last.get("journey") or {}).get("status"))
                    completed += statuses[-1] == "completed"

    groups = {name: {k: _stats(v) for k, v in b.items()} for name, b in sorted(timed.items())}
    everything = [v for name, b in timed.items() if name != "journey_event" for v in b["wall"]]
    fresh = [v for name, b in timed.items() if name.startswith("fresh_") for v in b["wall"]]
    rep = [v for name, b in timed.items() if name.startswith("repeated_") for v in b["wall"]]
    journey = timed.get("journey_transfer", {}).get("wall", [])
    fresh_cpu = [v for name, b in timed.items() if name.startswith("fresh_") for v in b["cpu"]]
    rep_cpu = [v for name, b in timed.items() if name.startswith("repeated_") for v in b["cpu"]]
    return {
        "by_group_ms": groups,
        "repeated_text_cpu_ms": _stats(rep_cpu),
        "fresh_text_cpu_ms": _stats(fresh_cpu),
        "repeated_text_ms": _stats(rep),
        "fresh_text_ms": _stats(fresh),
        "journey_turn_ms": _stats(journey),
        "all_text_turns_ms": _stats(everything),
        "transfer_runs": journeys,
        "transfer_completed": completed,
        "transfer_final_status": sorted(set(map(str, statuses))),
    }


# -- over HTTP: a real server in a child process ----------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (VmRSS from /proc; psutil is not a dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """`lobby serve` on 127.0.0.1 in a child process, on its own var/ dir; stopped on exit."""

    def __init__(self, env: dict[str, str], ready_timeout_s: float = 180.0) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __aexit__)
        # the API needs credentials: the demo kiosk's token, derived from the server's secret
        from assistant.auth.seed import DEMO_KIOSK
        from assistant.auth.tokens import demo_device_token
        from assistant.config import DEFAULT_SECRET

        secret = self.env.get("LOBBY_SECRET_KEY") or DEFAULT_SECRET
        self.headers = {"Authorization": f"Bearer {demo_device_token(secret, DEMO_KIOSK)}"}

    async def __aenter__(self) -> Server:
        cmd = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = await asyncio.to_thread(
            subprocess.Popen, cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.ready_timeout_s
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}: {self._tail()}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
        await self.__aexit__()
        raise RuntimeError(f"server not ready after {self.ready_timeout_s:.0f} s: {self._tail()}")

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-800:]


async def _visit(
    client: httpx.AsyncClient,
    texts: list[str],
    creates: list[float],
    turns: list[float],
    think_s: float = 0.0,
    sids: list[str] | None = None,
    server_ms: list[float] | None = None,
) -> int:
    """One customer: create a session, send the turns (pausing about `think_s` before each, as a
    customer listens and answers); returns the number of failed requests."""
    failures = 0
    started = time.perf_counter()
    resp = await client.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"})
    creates.append((time.perf_counter() - started) * 1000)
    if resp.status_code != 201:
        return 1 + len(texts)
    sid = resp.json()["session_id"]
    if sids is not None:
        sids.append(sid)
    for text in texts:
        if think_s:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
        started = time.perf_counter()
        resp = await client.post(f"/api/v1/sessions/{sid}/turns", json={"text": text})
        turns.append((time.perf_counter() - started) * 1000)
        failures += resp.status_code != 200
        if server_ms is not None and resp.status_code == 200:
            server_ms.append(float(resp.json()["latency_ms"].get("total", 0.0)))
    return failures


async def concurrent(
    server: Server, sessions: int, fresh: bool, time_limit_s: float, think_s: float = 0.0, seed: int = 11
) -> dict[str, Any]:
    """`sessions` customers at once, each creating a session and sending 5 turns; with `think_s` 0
    every customer sends the next turn as soon as the reply arrives (a saturation test)."""
    creates: list[float] = []
    turns: list[float] = []
    server_ms: list[float] = []
    texts = [t for _, t in fresh_texts(sessions * 4, seed=seed)] if fresh else []
    # keep-alive shorter than uvicorn's 5 s, so a paced customer never reuses a connection being closed
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions, keepalive_expiry=3.0)
    async with httpx.AsyncClient(
        base_url=server.base_url, timeout=60.0, limits=limits, headers=server.headers
    ) as client:
        plans = [[HTTP_TURNS[0], *texts[i * 4 : i * 4 + 4]] if fresh else list(HTTP_TURNS) for i in range(sessions)]
        started, cpu_before = time.perf_counter(), cpu_s(server.pid)
        results = await asyncio.wait_for(
            asyncio.gather(
                *(_visit(client, plan, creates, turns, think_s, server_ms=server_ms) for plan in plans),
                return_exceptions=True,
            ),
            time_limit_s,
        )
        elapsed = time.perf_counter() - started
        cpu_used = cpu_s(server.pid) - cpu_before
    errors = [r for r in results if isinstance(r, BaseException)]
    failed = sum(r for r in results if isinstance(r, int)) + len(errors)
    return {
        "sessions": sessions,
        "texts": "fresh" if fresh else "repeated",
        "think_s": think_s,
        "requests": len(creates) + len(turns),
        "failed_requests": failed,
        "errors": sorted({type(e).__name__ for e in errors}),
        "seconds": round(elapsed, 2),
        "throughput_rps": round((len(creates) + len(turns)) / elapsed, 1),
        # load-independent: what one request costs the server in CPU (all its threads)
        "server_cpu_ms_per_request": round(cpu_used * 1000 / max(1, len(creates) + len(turns)), 1),
        "turn_ms": _stats(turns),
        "turn_server_reported_ms": _stats(server_ms),
        "create_ms": _stats(creates),
        "all_requests_ms": _stats(creates + turns),
        "load_average": load_average(),
    }


async def idle_memory(server: Server, db_path: Path, count: int, parallel: int = 10) -> dict[str, Any]:
    """RSS of the server before and after `count` idle sessions (each greeted once), and store bytes."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60.0, headers=server.headers) as client:
        await _visit(client, ["你好"], [], [])  # the greeting path is loaded before the first reading
        before = rss_kib(server.pid)
        db_before = _db_bytes(db_path)
        queue = asyncio.Semaphore(parallel)
        failures = 0
        sids: list[str] = []

        async def greet() -> None:
            nonlocal failures
            async with queue:
                failures += await _visit(client, ["你好"], [], [], sids=sids)

        await asyncio.gather(*(greet() for _ in range(count)))
        await asyncio.sleep(1.0)
        after = rss_kib(server.pid)
    return {
        "idle_sessions": count,
        "failed_requests": failures,
        "rss_before_mb": round(before / 1024, 1),
        "rss_after_mb": round(after / 1024, 1),
        "rss_per_session_kib": round((after - before) / count, 2),
        "store": _store_sizes(db_path, sids, db_bytes_before=db_before),
    }


def _db_bytes(db_path: Path) -> int:
    return sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))


def _store_sizes(db_path: Path, sids: list[str], db_bytes_before: int) -> dict[str, Any]:
    """Average payload bytes of the idle sessions' rows and of their turn rows (columns as stored)."""
    count = max(1, len(sids))
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as con:
        con.execute("CREATE TEMP TABLE idle(id TEXT PRIMARY KEY)")
        con.executemany("INSERT INTO idle VALUES (?)", [(sid,) for sid in sids])
        session = con.execute(
            "SELECT avg(length(id) + length(channel) + ifnull(length(branch_id), 0) + length(state)"
            " + length(created_at) + length(updated_at)), count(*) FROM sessions JOIN idle USING (id)"
        ).fetchone()
        turn = con.execute(
            "SELECT avg(length(text) + length(slots) + length(citations) + length(backend_calls) + length(risk)"
            " + length(latency_ms) + length(created_at) + ifnull(length(intent), 0)), count(*)"
            " FROM turns WHERE session_id IN (SELECT id FROM idle)"
        ).fetchone()
    sessions, turns = int(session[1]), int(turn[1])
    return {
        "sessions": sessions,
        "turns": turns,
        "session_row_bytes": round(float(session[0] or 0), 1),
        "turn_row_bytes": round(float(turn[0] or 0), 1),
        "turns_per_idle_session": round(turns / sessions, 2) if sessions else 0,
        "db_file_growth_per_session_bytes": round((_db_bytes(db_path) - db_bytes_before) / count, 1),
    }


async def over_http(
    source: Settings, sessions: int, idle: int, think_s: float = 5.0, time_limit_s: float = 300.0
) -> dict[str, Any]:
    """The server figures: warm-up, saturation with repeated and fresh texts, a paced run, idle memory."""
    with tempfile.TemporaryDirectory(prefix="lobby-bench-") as tmp:
        env = prepare_var_dir(source, Path(tmp))
        async with Server(env) as server:
            rss_start = round(rss_kib(server.pid) / 1024, 1)
            await concurrent(server, min(sessions, 10), fresh=False, time_limit_s=time_limit_s)  # warm-up
            repeated = await concurrent(server, sessions, fresh=False, time_limit_s=time_limit_s)
            fresh = await concurrent(server, sessions, fresh=True, time_limit_s=time_limit_s)
            paced = None
            if think_s:
                paced = await concurrent(server, sessions, True, time_limit_s, think_s=think_s, seed=13)
            memory = await idle_memory(server, Path(tmp) / "lobby.db", idle) if idle else {}
        return {
            "server": "lobby serve (uvicorn, 1 worker) on 127.0.0.1, SQLite, in-process sandbox bank",
            "rss_at_ready_mb": rss_start,
            "concurrent_repeated": repeated,
            "concurrent_fresh": fresh,
            "concurrent_fresh_paced": paced,
            "memory": memory,
        }


def run_benchmark(
    source: Settings, turns: int, journeys: int, sessions: int, idle: int, think_s: float, http: bool = True
) -> dict[str, Any]:
    """Everything, as one JSON-ready dict (the `lobby bench conversation` result)."""
    started = dt.datetime.now(dt.UTC)
    result: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_average_start": load_average(),
        "targets": {"turn_p50_ms": 30, "turn_p95_ms": 100, "concurrent_p95_ms": 300},
    }
    result["in_process"] = asyncio.run(in_process(source, turns, journeys))
    if http:
        result["http"] = asyncio.run(over_http(source, sessions, idle, think_s))
    result["load_average_end"] = load_average()
    result["verdict"] = verdict(result)
    return result


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """Which targets are met, per figure (fresh texts are the honest case; repeated ones hit caches)."""
    targets = result["targets"]
    out: dict[str, Any] = {}
    for name in ("repeated_text_ms", "fresh_text_ms", "journey_turn_ms", "all_text_turns_ms"):
        stats = result["in_process"][name]
        out[name] = {
            "p50_met": stats.get("p50", 1e9) <= targets["turn_p50_ms"],
            "p95_met": stats.get("p95", 1e9) <= targets["turn_p95_ms"],
        }
    for name in ("concurrent_repeated", "concurrent_fresh", "concurrent_fresh_paced"):
        if result.get("http", {}).get(name):
            stats = result["http"][name]["turn_ms"]
            out[name] = {"p95_met": stats.get("p95", 1e9) <= targets["concurrent_p95_ms"]}
    return out


def cli(
    turns: int = typer.Option(200, "--turns", min=20, help="Timed text turns per kind (repeated, fresh)."),
    journeys: int = typer.Option(10, "--journeys", min=1, help="Transfer journeys (7 text turns each)."),
    concurrency: int = typer.Option(100, "--concurrency", min=1, max=1000, help="Concurrent HTTP sessions."),
    idle: int = typer.Option(1000, "--idle", min=0, help="Idle sessions for the memory figure (0: skip)."),
    think: float = typer.Option(5.0, "--think", min=0.0, help="Paced run: mean seconds between turns (0: skip)."),
    http: bool = typer.Option(True, "--http/--no-http", help="Also the server benchmarks (child process)."),
    json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Conversation speed: text turn time in-process, N concurrent sessions over HTTP, memory per idle session."""
    from assistant.cli.common import emit_json, fail, load_settings
    from assistant.logging import configure_logging

    settings = load_settings(runtime=True)
    configure_logging("WARNING", settings.log_json)  # per-turn log lines would be measured too
    try:
        result = run_benchmark(settings, turns, journeys, concurrency, idle, think, http=http)
    except (RuntimeError, TimeoutError, OSError) as exc:
        fail(str(exc) or type(exc).__name__)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"conversation, {result['machine']}, {result['date']}")
    for key in ("repeated_text_ms", "fresh_text_ms", "journey_turn_ms", "all_text_turns_ms"):
        stats = result["in_process"][key]
        typer.echo(f"  in-process {key:18} p50 {stats['p50']:7.2f} ms  p95 {stats['p95']:7.2f} ms")
    for key in ("concurrent_repeated", "concurrent_fresh", "concurrent_fresh_paced"):
        if result.get("http", {}).get(key):
            row = result["http"][key]
            stats = row["turn_ms"]
            typer.echo(
                f"  http {key:20} turn p50 {stats['p50']:7.2f} ms  p95 {stats['p95']:7.2f} ms  "
                f"max {stats['max']:7.2f} ms  {row['throughput_rps']} req/s  failed {row['failed_requests']}"
            )
    memory = result.get("http", {}).get("memory")
    if memory:
        typer.echo(f"  memory per idle session {memory['rss_per_session_kib']} KiB RSS; store {memory['store']}")
    typer.echo(f"  verdict {result['verdict']}")
