"""Faults survived, measured: a webhook stream through kills and restarts, then the counts.

Run by hand (never by the test suite), from the project root:

    .venv/bin/python -m bench.faults                 # the full run (10 worker kills)
    .venv/bin/python -m bench.faults --kills 3 --outage 3

It starts its OWN PostgreSQL cluster (initdb in a temporary directory, as the
``postgres`` user when run as root) and its own ``redis-server`` on free
loopback ports, so it can stop and start them without touching the machine's.
Then ``b2a serve``, ``b2a worker`` and ``b2a whatsapp`` run as separate
processes, the fake Graph API receives the sends, and signed Cloud API
webhooks stream in at ``--rate`` per second (each from a new customer of a
tenant with a greeting, so each message calls for exactly one send) while:

(b) Redis is stopped (it saves its data, like ``systemctl restart``), kept
    down ``--outage`` seconds, started again;
(c) PostgreSQL is stopped (fast mode, like ``systemctl restart``), kept down,
    started again;
(a) the worker is SIGKILLed ``--kills`` times, each time once the previous
    one is up and working, and restarted at once;
(d) ``b2a serve`` gets SIGTERM and is started again.

Redis goes first: a webhook kept while it was down is queued by the minute
sweep (``requeue_stranded``) once 30 s have passed, so its wait runs during
the other faults instead of after them.

Webhooks that were not acknowledged (no 2xx: the server was away or a
dependency down) are posted again afterwards, as Meta redelivers them. Then
each process gets SIGTERM under load and must exit within its systemd unit's
``TimeoutStopSec``; the worker and the session process are started again to
finish what is left. Reported: messages sent, acknowledged, stored, answered,
duplicates and losses (counted in PostgreSQL and at the fake Graph API),
``/ready``'s answer times per fault, and each process's stop time.
Results are recorded in docs/reliability.md ("Faults").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench import harness

console = Console(width=150)
UNITS = harness.ROOT / "deploy" / "systemd"
READY_PERIOD = 0.05
"""How often the probe asks ``/ready`` (seconds)."""


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found: run ./setup.sh --test to install PostgreSQL")
    return path


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class LocalPostgres:
    """A PostgreSQL cluster of our own in a temporary directory, stopped and started at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = harness.free_port()

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o777)  # the postgres user writes here
        initdb = [_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-E", "UTF8"]
        subprocess.run(_as_postgres([*initdb, "--auth=trust"]), check=True, capture_output=True)
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [_pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.root / "log")]
                + ["-o", options, "start"]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` is what ``systemctl stop postgresql`` does: sessions are cut, then it stops."""
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
        )


class LocalRedis:
    """A redis-server of our own that saves on shutdown, as a packaged Redis does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = harness.free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server not found: run ./setup.sh --test to install it")
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.root)]
            + ["--save", "3600 1", "--appendonly", "no"],
            stdout=(self.root / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM: Redis writes its snapshot and exits (``systemctl stop redis-server``)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
            self.process = None


def _port_open(port: int) -> bool:
    import socket

    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def dependencies(root: Path) -> Iterator[tuple[LocalPostgres, LocalRedis]]:
    """Our own PostgreSQL and Redis under ``root``, always stopped afterwards."""
    # Not under ``root``: the postgres user must reach its directory, and pytest's are private.
    postgres = LocalPostgres(Path(tempfile.mkdtemp(prefix="b2a-faults-pg-")))
    redis = LocalRedis(root / "redis")
    try:
        postgres.init()
        redis.start()
        try:
            yield postgres, redis
        finally:
            redis.stop()
    finally:
        postgres.stop("immediate")
        shutil.rmtree(postgres.root, ignore_errors=True)


def stop_timeouts() -> dict[str, float]:
    """Each long-running process's systemd grace period (``TimeoutStopSec``), in seconds."""
    found: dict[str, float] = {}
    for process, unit in (("serve", "server"), ("worker", "worker"), ("whatsapp", "whatsapp")):
        text = (UNITS / f"b2a-{unit}.service").read_text()
        match = re.search(r"^TimeoutStopSec=(\d+)s?$", text, re.M)
        found[process] = float(match.group(1)) if match else 90.0  # systemd's default
    return found


class Stream:
    """Signed webhooks at a steady rate, each from a new customer, until told to stop."""

    def __init__(self, base_url: str, channel_id: str, rate: float, first_phone: int) -> None:
        self.path = f"/webhooks/whatsapp/{channel_id}"
        self.poster = harness._Poster(base_url, 64)
        self.rate = rate
        self.next_phone = first_phone
        self.sent = 0
        self.acked: dict[str, str] = {}
        """wamid by customer phone, for every webhook answered 2xx."""
        self.unacked: dict[str, str] = {}
        self.statuses: Counter[str] = Counter()
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def post(self, phone: str, wamid: str) -> bool:
        body, headers = harness.webhook(phone, wamid, time.time())
        try:
            status = await asyncio.wait_for(self.poster.post(self.path, body, headers), 30)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError):
            self.statuses["no answer"] += 1
            return False
        self.statuses[str(status)] += 1
        return 200 <= status < 300

    async def _one(self, phone: str, wamid: str) -> None:
        if await self.post(phone, wamid):
            self.acked[phone] = wamid
        else:
            self.unacked[phone] = wamid

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        n = 0
        while not self._stop.is_set():
            delay = start + n / self.rate - loop.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
                continue
            phone = str(self.next_phone)
            self.next_phone += 1
            n += 1
            self.sent += 1
            task = asyncio.create_task(self._one(phone, f"wamid.faults.{phone}"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            await asyncio.gather(*self._tasks)

    async def redeliver(self, attempts: int = 20) -> None:
        """Post every unacknowledged webhook again until it is acknowledged, as Meta does."""
        for _ in range(attempts):
            if not self.unacked:
                return
            pending, self.unacked = self.unacked, {}
            await asyncio.gather(*(self._one(phone, wamid) for phone, wamid in pending.items()))
            if self.unacked:
                await asyncio.sleep(1)

    def close(self) -> None:
        self.poster.close()


@dataclass
class Answer:
    at: float
    status: int
    code: str


class ReadyProbe:
    """Asks ``/ready`` every 50 ms and keeps every answer (status 0: no answer at all)."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/ready"
        self.answers: list[Answer] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                at = time.monotonic()
                try:
                    response = await client.get(self.url)
                    code = response.json().get("code", "") if response.status_code != 200 else ""
                    self.answers.append(Answer(at, response.status_code, code))
                except (httpx.HTTPError, ValueError):
                    self.answers.append(Answer(at, 0, ""))
                await asyncio.sleep(READY_PERIOD)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def first(self, since: float, status: int, code: str = "", timeout: float = 60) -> float:
        """Seconds from ``since`` to the first answer asked after it with this status and code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for answer in self.answers:
                if answer.at >= since and answer.status == status and answer.code == code:
                    return answer.at - since
            await asyncio.sleep(READY_PERIOD)
        return float("inf")


@dataclass
class Outage:
    """One dependency taken away: how soon /ready said so, and how soon it was ready again."""

    name: str
    code: str
    to_503: float
    to_200: float
    worker_cpu: float = 0.0
    """Share of a core the worker used while the dependency was down (no busy retry loop)."""


@dataclass
class Plan:
    """How hard a run pushes."""

    rate: float = 100.0
    kills: int = 10
    kill_every: float = 2.0
    outage: float = 5.0
    calm: float = 3.0
    """Seconds of plain streaming between faults."""
    settle_timeout: float = 900.0


@dataclass
class Report:
    sent: int = 0
    acked: int = 0
    acked_first_time: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    stored: int = 0
    stored_twice: int = 0
    lost: int = 0
    answered: int = 0
    answered_twice: int = 0
    interrupted: int = 0
    unprocessed: int = 0
    unsettled: int = 0
    dead: dict[str, int] = field(default_factory=dict)
    outages: list[Outage] = field(default_factory=list)
    kills: int = 0
    stops: dict[str, float] = field(default_factory=dict)
    grace: dict[str, float] = field(default_factory=dict)
    duration: float = 0.0


async def _wait_ready(probe: ReadyProbe, timeout: float = 60) -> None:
    if await probe.first(time.monotonic(), 200, timeout=timeout) == float("inf"):
        raise RuntimeError("/ready did not answer 200")


async def _outage(
    stack: harness.Stack,
    probe: ReadyProbe,
    name: str,
    code: str,
    stop: Any,
    start: Any,
    seconds: float,
) -> Outage:
    await asyncio.to_thread(stop)
    down = time.monotonic()
    worker = stack.processes["worker"].pid
    cpu_before = harness.cpu_seconds(worker)
    to_503 = await probe.first(down, 503, code, timeout=max(seconds, 5))
    await asyncio.sleep(max(0.0, down + seconds - time.monotonic()))
    cpu = (harness.cpu_seconds(worker) - cpu_before) / (time.monotonic() - down)
    await asyncio.to_thread(start)
    up = time.monotonic()
    to_200 = await probe.first(up, 200, timeout=60)
    return Outage(name, code, to_503, to_200, cpu)


async def _worker_up(stack: harness.Stack, redis_url: str, timeout: float = 60) -> None:
    """Wait until the worker just started writes its heartbeat (its startup is over)."""
    import socket

    from redis.asyncio import Redis

    pid = stack.processes["worker"].pid
    key = f"b2a:heartbeat:worker:{socket.gethostname()}:{pid}"
    redis = Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + timeout
        while not await redis.exists(key):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker (pid {pid}) did not start; see its log")
            await asyncio.sleep(0.05)
    finally:
        await redis.aclose()


async def _terminate(stack: harness.Stack, name: str) -> float:
    """SIGTERM one process and wait for it to exit; the seconds it took."""
    return await asyncio.to_thread(stack.terminate, name, 120)


@contextlib.asynccontextmanager
async def _streaming(
    stack: harness.Stack, channel_id: str, plan: Plan, first_phone: int
) -> AsyncIterator[Stream]:
    stream = Stream(stack.base_url, channel_id, plan.rate, first_phone)
    task = asyncio.create_task(stream.run())
    try:
        yield stream
    finally:
        await stream.stop()
        await task


async def run(plan: Plan, root: Path, *, log: Any = print) -> Report:
    """The whole exercise under ``root`` (dependencies, home, logs); the counts and timings."""
    report = Report(grace=stop_timeouts())
    began = time.monotonic()
    with dependencies(root) as (postgres, redis):
        db_url = await _create_database(postgres.admin_url)
        env = harness.base_env(root / "home", db_url, redis.url)
        env["B2A_LOG_LEVEL"] = "info"
        # Heartbeats expire 3 beats after the last one: a worker whose heartbeat stopped at a
        # Redis restart is seen at once by the next wait for it (``_worker_up``).
        env["B2A_WORKER_HEARTBEAT_SECONDS"] = "1"
        # A send's retries wait as in production (5 s, then 20 s): the benchmark's 1 s would
        # spend them all inside one outage and leave the send to the 5-minute stranded sweep.
        env.pop("B2A_SEND_RETRY_DELAY_SECONDS", None)
        with harness.running_stack(env, root / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url)
            for process in harness.PROCESSES:
                stack.start(process)
            log("stack up")
            probe = ReadyProbe(stack.base_url)
            probe.start()
            await _wait_ready(probe)
            await _worker_up(stack, redis.url)  # a worker still starting would miss the faults
            async with _streaming(stack, channel_id, plan, 940_000_000_000) as stream:
                await asyncio.sleep(plan.calm)
                log("restart Redis")
                report.outages.append(
                    await _outage(
                        stack,
                        probe,
                        "Redis",
                        "REDIS_UNAVAILABLE",
                        redis.stop,
                        redis.start,
                        plan.outage,
                    )
                )
                await asyncio.sleep(plan.calm)
                log("restart PostgreSQL")
                report.outages.append(
                    await _outage(
                        stack,
                        probe,
                        "PostgreSQL",
                        "DB_UNAVAILABLE",
                        postgres.stop,
                        postgres.start,
                        plan.outage,
                    )
                )
                await asyncio.sleep(max(plan.calm, 3.0))  # a heartbeat not renewed expires
                log(f"SIGKILL the worker {plan.kills} times")
                for _ in range(plan.kills):
                    await _worker_up(stack, redis.url)
                    await asyncio.sleep(plan.kill_every)  # with jobs in hand
                    stack.kill("worker")
                    stack.start("worker")
                    report.kills += 1
                await _worker_up(stack, redis.url)
                await asyncio.sleep(plan.calm)
                log("SIGTERM and restart b2a serve")
                report.stops["serve"] = await _terminate(stack, "serve")
                await asyncio.to_thread(stack.start, "serve")
                await _wait_ready(probe)
                await asyncio.sleep(plan.calm)
                log("SIGTERM the worker and the session process under load")
                took = await asyncio.gather(*(_terminate(stack, n) for n in ("worker", "whatsapp")))
                report.stops.update(zip(("worker", "whatsapp"), took, strict=True))
                stack.start("worker")
                stack.start("whatsapp")
                await _worker_up(stack, redis.url)
                await asyncio.sleep(plan.calm)
            log("redelivering what was not acknowledged")
            report.acked_first_time = len(stream.acked)
            await stream.redeliver()
            stream.close()
            await probe.stop()
            log("waiting for every message to be processed")
            outcome = await harness.settle(
                db_url, expected=len(stream.acked), timeout=plan.settle_timeout
            )
            log("settled")
            sends = Counter(send["to"] for send in harness.sends(stack.graph_url))
    report.duration = time.monotonic() - began
    _count(report, stream, outcome, sends)
    return report


def _count(report: Report, stream: Stream, outcome: harness.Stored, sends: Counter[str]) -> None:
    report.sent = stream.sent
    report.acked = len(stream.acked)
    report.statuses = dict(stream.statuses)
    acked = set(stream.acked.values())
    stored = outcome.inbound_by_wamid
    report.stored = sum(1 for wamid in acked if stored.get(wamid))
    report.stored_twice = sum(1 for n in stored.values() if n > 1)
    report.lost = sum(1 for wamid in acked if not stored.get(wamid))
    report.answered = len(sends)
    report.answered_twice = sum(1 for n in sends.values() if n > 1)
    report.interrupted = outcome.dead.get("INTERRUPTED", 0)
    report.dead = outcome.dead
    report.unprocessed = outcome.unprocessed_events
    report.unsettled = outcome.unsettled_sends


async def _create_database(admin_url: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute('CREATE DATABASE "b2a_faults"')
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/b2a_faults"


def print_report(report: Report) -> None:
    counts = Table(title="b2a faults: messages through kills and restarts")
    for column in ("sent", "acked", "stored", "answered", "dup stored", "dup answered", "lost"):
        counts.add_column(column, justify="right")
    counts.add_row(
        str(report.sent),
        f"{report.acked} ({report.acked_first_time} first time)",
        str(report.stored),
        str(report.answered),
        str(report.stored_twice),
        str(report.answered_twice),
        str(report.lost),
    )
    console.print(counts)
    console.print(f"webhook answers on first delivery: {report.statuses}")
    console.print(
        f"dead sends: {report.dead or 'none'}; unprocessed events {report.unprocessed}, "
        f"unsettled sends {report.unsettled}; worker SIGKILLs {report.kills}"
    )
    ready = Table(title="/ready while a dependency was down")
    for column in ("dependency", "code", "503 after (s)", "200 after restart (s)", "worker CPU"):
        ready.add_column(column, justify="right")
    for o in report.outages:
        ready.add_row(o.name, o.code, f"{o.to_503:.2f}", f"{o.to_200:.2f}", f"{o.worker_cpu:.0%}")
    console.print(ready)
    stops = Table(title="SIGTERM under load")
    for column in ("process", "stopped in (s)", "TimeoutStopSec"):
        stops.add_column(column, justify="right")
    for name, took in report.stops.items():
        stops.add_row(name, f"{took:.2f}", f"{report.grace[name]:.0f}")
    console.print(stops)
    console.print(f"whole run: {report.duration:.0f} s")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100, help="webhooks per second")
    parser.add_argument("--kills", type=int, default=10, help="worker SIGKILLs")
    parser.add_argument("--kill-every", type=float, default=2.0, help="seconds between kills")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds a dependency is down")
    parser.add_argument("--calm", type=float, default=3.0, help="seconds between faults")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    began = time.monotonic()

    def log(line: str) -> None:
        console.print(f"[dim]{time.monotonic() - began:6.1f} s  {line}[/]")

    plan = Plan(
        rate=args.rate,
        kills=args.kills,
        kill_every=args.kill_every,
        outage=args.outage,
        calm=args.calm,
    )
    root = Path(tempfile.mkdtemp(prefix="b2a-faults-"))
    try:
        report = asyncio.run(run(plan, root, log=log))
        print_report(report)
    finally:
        if args.keep:
            console.print(f"logs in {root}/logs")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
