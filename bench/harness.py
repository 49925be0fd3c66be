"""The real appliance under load: processes, signed webhooks, and what came out.

Used by ``bench/pipeline.py`` (the benchmark, run by hand) and by the
reliability test (the same stack, a short stream and a SIGKILL). Everything
runs as separate processes the way systemd runs them: ``b2a serve``,
``b2a worker`` and ``b2a whatsapp``, with the fake Graph API as the far end.
Each inbound message comes from a new customer of a tenant with a greeting, so
each one is answered by the greeting; with the assistant on (the reliability
test), the greeting leads the assistant's answer from a small catalogue, in one
message (one reply per turn). The benchmark
keeps the assistant off, so it measures the pipeline: one send per message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
APP_SECRET = "bench-app-secret"
GRAPH_TOKEN = "test-token"  # what tests/fakes/graph_api.py accepts
NUMBER = "PNID-BENCH"  # the Cloud API number of the first tenant
GREETING = "Assalam o alaikum! Thanks for writing to Acme."
PROCESSES = ("serve", "worker", "whatsapp")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(home: Path, db_url: str, redis_url: str) -> dict[str, str]:
    """The environment of every b2a process of the stack."""
    return {
        **os.environ,
        "B2A_HOME": str(home),
        "B2A_DB_URL": db_url,
        "B2A_REDIS_URL": redis_url,
        "B2A_SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "B2A_ENCRYPTION_KEY": "3q2-7wBEqf-qvUJtkNhaEAIYbT1cT7jvf3W-NY8tBUc=",
        "B2A_LOG_LEVEL": "warning",
        # One number in the benchmark carries all the load; Meta's default cap would pace it.
        "B2A_SEND_PER_NUMBER_PER_SECOND": "0",
        "B2A_SEND_RETRY_DELAY_SECONDS": "1",
    }


async def prepare_tenant(
    env: dict[str, str], graph_url: str, *, assistant: bool = False, number: str = NUMBER
) -> tuple[str, str]:
    """Migrate, create a tenant with a greeting and a Cloud API number; their ids.

    With ``assistant``, the tenant sells two services and its offline assistant
    answers; without, the assistant is switched off and only the greeting goes.
    Each tenant of a run needs its own ``number`` (webhooks name it).
    """
    from b2a.assistant.tables import AssistantConfig
    from b2a.catalog.tables import Service
    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.db.statistics import refresh_statistics
    from b2a.inbox.channels import connect_cloud_channel
    from b2a.lib.crypto import SecretBox
    from b2a.schema.migrate import apply_pending
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings
    from b2a.tenants import service as tenants
    from b2a.tenants.actor import Actor
    from b2a.tenants.tables import Tenant
    from b2a.whatsapp.cloud_api import CloudCredentials

    settings = load_settings({**env, "B2A_WHATSAPP_GRAPH_URL": graph_url})
    engine = create_engine(settings.db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    try:
        await apply_pending()
        tenant, _ = await tenants.create_tenant(
            Actor.operator("bench"),
            f"Acme {time.time_ns()}",
            admin_email=f"owner-{time.time_ns()}@acme.test",
            admin_password="correct horse battery",
        )
        await Tenant.update({Tenant.greeting_message: GREETING}).where(Tenant.id == tenant.id)
        scope = Actor.operator("bench").within(tenant.id).scope
        await scope.new(AssistantConfig, enabled=assistant).save()
        if assistant:
            for name, price in (("Haircut", 150000), ("Facial", 250000)):
                await scope.new(Service, name=name, price_minor=price, currency="PKR").save()
        credentials = CloudCredentials(
            number, GRAPH_TOKEN, "WABA", app_secret=APP_SECRET, verify_token="vt"
        )
        channel = await connect_cloud_channel(
            scope,
            credentials,
            SecretBox(settings.core.encryption_key),
        )
        await refresh_statistics()  # what `b2a init` and `b2a migrate` do
        return str(tenant.id), str(channel.id)
    finally:
        await close_pool(engine)


def webhook(
    phone: str, wamid: str, at: float, number: str = NUMBER
) -> tuple[bytes, dict[str, str]]:
    """A signed Cloud API delivery of one text message to ``number``, exactly as Meta sends it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
        "contacts": [{"profile": {"name": f"Customer {phone[-4:]}"}, "wa_id": phone}],
        "messages": [
            {
                "from": phone,
                "id": wamid,
                "timestamp": str(int(at)),
                "type": "text",
                "text": {"body": "price kya hai?"},
            }
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


@dataclass
class Stack:
    """The running processes of one appliance and where they listen."""

    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    graph_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"http://127.0.0.1:{self.graph_port}"

    def start_graph(self, latency: float = 0.0) -> None:
        """The fake Graph API, in its own process so it never competes for our GIL.

        ``latency`` seconds delay each answer (Meta's round trip; ``bench/http_client.py``).
        """
        cmd = [sys.executable, "-m", "tests.fakes.graph_api", str(self.graph_port), str(latency)]
        self._spawn("graph", cmd)
        _wait_for(f"{self.graph_url}/_fake/sent")

    def start(
        self,
        name: str,
        command: str = "",
        interpreter_args: Sequence[str] = (),
        *,
        module: str = "b2a",
        env: dict[str, str] | None = None,
    ) -> None:
        """Start ``b2a <command>`` (by default ``b2a <name>``) as systemd would.

        ``interpreter_args`` go to Python before ``-m b2a`` (e.g. ``-m cProfile -o FILE``);
        ``module`` runs another entry point with the same arguments (the many-hosts test's
        session process with WhatsApp faked, ``tests/fakes/whatsapp_host.py``); ``env``
        adds to the stack's environment for this process alone.
        """
        environment = {
            **self.env,
            "B2A_WHATSAPP_GRAPH_URL": self.graph_url,
            "B2A_SERVER_PORT": str(self.port),
            **(env or {}),
        }
        argv = [sys.executable, *interpreter_args, "-m", module, command or name]
        self._spawn(name, argv, environment)
        if name == "serve":
            _wait_for(f"{self.base_url}/health")

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown handler runs, in-flight jobs are simply gone."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def terminate(self, name: str, timeout: float = 90.0) -> float:
        """SIGTERM, as systemd stops a unit; the seconds until the process exited.

        A process still running after ``timeout`` is killed and ``inf`` returned.
        """
        process = self.processes.pop(name)
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            return float("inf")
        return time.monotonic() - began

    def stop_all(self) -> None:
        """SIGTERM everything, then SIGKILL what does not stop in time."""
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()

    def all_pids(self) -> dict[str, int]:
        """Every process of the stack by name, the fake Graph API included."""
        return {name: p.pid for name, p in self.processes.items()}

    def pids(self) -> dict[str, int]:
        """The b2a processes by name (a second worker is ``worker-2``)."""
        return {
            name: p.pid for name, p in self.processes.items() if name.split("-")[0] in PROCESSES
        }


@contextlib.contextmanager
def running_stack(env: dict[str, str], logs: Path) -> Iterator[Stack]:
    """A stack that is always stopped, even when the caller fails."""
    stack = Stack(env, logs)
    try:
        yield stack
    finally:
        stack.stop_all()


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see the logs")
        time.sleep(0.1)


@dataclass
class Drive:
    """What the driver posted: accepted webhooks and when each was posted, by customer."""

    posted_at: dict[str, float] = field(default_factory=dict)
    wamids: dict[str, str] = field(default_factory=dict)
    rejected: int = 0
    started: float = 0.0
    finished: float = 0.0


class _Poster:
    """A few keep-alive HTTP/1.1 connections that POST and read the status, nothing more.

    The driver shares the machine with what it measures: httpx spent about 4 ms
    of CPU per webhook here, more than ``b2a serve`` took to answer it, so the
    benchmark mostly measured its own client. Writing the request bytes and
    reading the response by hand costs a few percent of that.
    """

    def __init__(self, base_url: str, connections: int) -> None:
        parts = httpx.URL(base_url)
        self.host, self.port = parts.host, parts.port or 80
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.size = connections
        self.opened = 0

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """The response's status code (the body is read and dropped)."""
        reader, writer = await self._take()
        try:
            lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{lines}"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            status = int((await reader.readline()).split(b" ", 2)[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            writer.close()
            self.opened -= 1
            raise
        self.idle.put_nowait((reader, writer))
        return status

    async def _take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            try:
                return await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.opened -= 1
                raise
        return await self.idle.get()

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait()[1].close()


async def drive(
    base_url: str,
    channel_id: str,
    *,
    rate: float,
    count: int,
    first_phone: int = 920_000_000_000,
    connections: int = 64,
    on_progress: Any = None,
    number: str = NUMBER,
) -> Drive:
    """Post ``count`` webhooks at ``rate`` per second to ``number``, each from a new customer.

    ``on_progress(n)`` is called after each accepted webhook (the reliability
    test kills the worker from there).
    """
    result = Drive()
    poster = _Poster(base_url, connections)
    path = f"/webhooks/whatsapp/{channel_id}"

    async def post(n: int) -> None:
        phone = str(first_phone + n)
        wamid = f"wamid.bench.{phone}"
        posted = time.time()
        body, headers = webhook(phone, wamid, posted, number)
        try:
            status = await asyncio.wait_for(poster.post(path, body, headers), 30)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError):
            result.rejected += 1
            return
        if status != 200:
            result.rejected += 1
            return
        result.posted_at[phone] = posted
        result.wamids[phone] = wamid
        if on_progress is not None:
            on_progress(len(result.posted_at))

    result.started = time.time()
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    try:
        for n in range(count):
            delay = start + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(n)))
        await asyncio.gather(*tasks)
    finally:
        poster.close()
    result.finished = time.time()
    return result


@dataclass(frozen=True)
class Business:
    """A prepared tenant of the run: its id, its channel and the Cloud API number webhooks name."""

    tenant_id: str
    channel_id: str
    number: str


async def prepare_businesses(
    env: dict[str, str], graph_url: str, count: int, *, assistant: bool = False
) -> list[Business]:
    """``count`` tenants as ``prepare_tenant`` makes them, each with its own number."""
    numbers = [NUMBER, *(f"{NUMBER}-{n}" for n in range(2, count + 1))]
    made = []
    for number in numbers:
        tenant_id, channel_id = await prepare_tenant(
            env, graph_url, assistant=assistant, number=number
        )
        made.append(Business(tenant_id, channel_id, number))
    return made


async def drive_spread(
    base_url: str, businesses: Sequence[Business], *, rate: float, count: int, first_phone: int
) -> Drive:
    """``drive`` over several tenants at once, ``rate`` and ``count`` shared evenly among them."""
    parts = await asyncio.gather(
        *(
            drive(
                base_url,
                business.channel_id,
                rate=rate / len(businesses),
                count=len(range(n, count, len(businesses))),
                first_phone=first_phone + n * 1_000_000,
                number=business.number,
            )
            for n, business in enumerate(businesses)
        )
    )
    merged = Drive(started=min(p.started for p in parts), finished=max(p.finished for p in parts))
    for part in parts:
        merged.posted_at.update(part.posted_at)
        merged.wamids.update(part.wamids)
        merged.rejected += part.rejected
    return merged


def sends(graph_url: str) -> list[dict[str, Any]]:
    """Every message the fake Graph API accepted: recipient, what it said, arrival time."""
    response = httpx.get(f"{graph_url}/_fake/sent", timeout=30)
    response.raise_for_status()
    return list(response.json())


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 once it is gone)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


async def postgres_backends(db_url: str) -> list[int]:
    """The server processes serving the benchmark's database (they live as long as the pools)."""
    import asyncpg

    from b2a.db.engine import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


@dataclass
class Connections:
    """One process's PostgreSQL connections over a phase (by ``application_name``)."""

    peak_open: int = 0
    peak_busy: int = 0
    busy_samples: int = 0
    samples: int = 0

    @property
    def mean_busy(self) -> float:
        """Connections running a statement or inside a transaction, on average."""
        return self.busy_samples / max(self.samples, 1)


class ConnectionSampler:
    """The stack's PostgreSQL connections every ``every`` seconds: how many each process holds
    and how many are busy at once (what a pool really needs), and their backends' CPU.

    A backend that opens during the phase (a pool growing) is counted from its birth, and
    one that closes keeps the CPU it was last seen with; reading the backends once at the
    start missed both.
    """

    def __init__(self, db_url: str, every: float = 0.02) -> None:
        self.db_url = db_url
        self.every = every
        self.by_process: dict[str, Connections] = {}
        self._cpu_at_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ConnectionSampler:
        import asyncpg

        from b2a.db.engine import asyncpg_dsn

        self._connection = await asyncpg.connect(asyncpg_dsn(self.db_url))
        for pid, _, _ in await self._sample():
            self._cpu_at_start[pid] = self._cpu_last[pid]
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._sample()
        await self._connection.close()

    async def _sample(self) -> list[tuple[int, str, str]]:
        rows = await self._connection.fetch(
            "SELECT pid, application_name, state FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        found = [(r["pid"], r["application_name"] or "?", r["state"] or "") for r in rows]
        for pid, _, _ in found:  # a backend gone by now reads 0: it keeps its last figure
            self._cpu_last[pid] = max(cpu_seconds(pid), self._cpu_last.get(pid, 0.0))
        return found

    async def _run(self) -> None:
        while True:
            found = await self._sample()
            opened: dict[str, int] = {}
            busy: dict[str, int] = {}
            for _, name, state in found:
                opened[name] = opened.get(name, 0) + 1
                busy[name] = busy.get(name, 0) + (state != "idle")
            for name in set(opened) | set(self.by_process):
                seen = self.by_process.setdefault(name, Connections())
                seen.samples += 1
                seen.peak_open = max(seen.peak_open, opened.get(name, 0))
                seen.peak_busy = max(seen.peak_busy, busy.get(name, 0))
                seen.busy_samples += busy.get(name, 0)
            await asyncio.sleep(self.every)

    def cpu_seconds(self) -> float:
        """CPU the backends used during the phase, those that came and went included."""
        return sum(last - self._cpu_at_start.get(pid, 0.0) for pid, last in self._cpu_last.items())


async def redis_cpu_seconds(redis_url: str) -> float:
    """CPU the Redis server has used so far (the whole server: other users count too)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        info = await redis.info("cpu")
    finally:
        await redis.aclose()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class RssSampler:
    """Peak resident memory of each process, sampled from /proc every 100 ms."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak_kib: dict[str, int] = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak_kib[name] = max(self.peak_kib[name], _rss_kib(pid))
            self._stop.wait(0.1)

    def peak_mib(self) -> dict[str, float]:
        return {name: kib / 1024 for name, kib in self.peak_kib.items()}


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass(frozen=True)
class Stored:
    """What the database holds after a run."""

    inbound_by_wamid: dict[str, int]
    outbound: int
    unprocessed_events: int
    unsettled_sends: int
    dead: dict[str, int]


async def stored(db_url: str) -> Stored:
    """Read the outcome straight from PostgreSQL."""
    import asyncpg

    from b2a.db.engine import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        rows = await connection.fetch(
            "SELECT wa_message_id, count(*) AS n FROM message"
            " WHERE direction = 'INBOUND' GROUP BY wa_message_id"
        )
        outbound = await connection.fetchval(
            "SELECT count(*) FROM message WHERE direction = 'OUTBOUND'"
        )
        unprocessed = await connection.fetchval(
            "SELECT count(*) FROM inbound_event WHERE processed_at IS NULL"
        )
        unsettled = await connection.fetchval(
            "SELECT count(*) FROM message WHERE state IN ('QUEUED', 'SENDING')"
        )
        dead = await connection.fetch(
            "SELECT error_code, count(*) AS n FROM message WHERE state = 'DEAD' GROUP BY 1"
        )
    finally:
        await connection.close()
    return Stored(
        {row["wa_message_id"]: row["n"] for row in rows},
        outbound,
        unprocessed,
        unsettled,
        {row["error_code"]: row["n"] for row in dead},
    )


async def settle(
    db_url: str, *, expected: int, timeout: float, replies: int | None = None
) -> Stored:
    """Wait until every accepted event is processed and no send is still pending.

    ``replies``: also wait until that many outbound messages exist (a killed
    assistant turn is retried only once its job's timeout has passed).
    """
    deadline = time.monotonic() + timeout
    while True:
        outcome = await stored(db_url)
        done = len(outcome.inbound_by_wamid) >= expected and outcome.outbound >= (replies or 0)
        if done and outcome.unprocessed_events == 0 and outcome.unsettled_sends == 0:
            return outcome
        if time.monotonic() > deadline:
            return outcome
        await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def scratch(
    pg_admin_url: str, redis_url: str, prefix: str
) -> AsyncIterator[tuple[str, Path]]:
    """A new PostgreSQL database, an empty Redis database and a home directory, all removed after.

    Yields the database URL and the home directory.
    """
    import asyncpg
    from redis.asyncio import Redis

    admin = await asyncpg.connect(pg_admin_url)
    name = f"{prefix}_{time.time_ns()}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    try:
        with tempfile.TemporaryDirectory() as home:
            yield pg_admin_url.rsplit("/", 1)[0] + "/" + name, Path(home)
    finally:
        await redis.flushdb()
        await redis.aclose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def add_service_options(parser: argparse.ArgumentParser) -> None:
    """``--pg-admin-url`` and ``--redis-url``: where a benchmark makes its throwaway stack."""
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the benchmark may create and drop a database",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/10",
        help="a Redis database the benchmark flushes before and after",
    )
