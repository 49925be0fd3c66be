"""Two hosts, each with `b2a serve`, `b2a worker` and `b2a whatsapp`, on one PostgreSQL and Redis.

Each host has its own B2A_HOME and port, as separate machines would (docs/scaling.md).
Webhooks stream to both servers at once; mid-stream host 1 loses all three of its
processes to SIGKILL, as a crashed machine would. Every webhook acknowledged by
either server must be stored once and answered once, and every WhatsApp-Web
session must be held by one live process at a time: host 2 takes host 1's
tenants over once their leases run out. WhatsApp cannot be reached from here, so
the session processes run with neonize's connection faked
(``tests/fakes/whatsapp_host.py``); everything else is the real process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bench import harness

pytestmark = pytest.mark.slow  # six b2a processes and the fake Graph API

WEB_TENANTS = 4
HOST1_SESSIONS = 2  # host 1's capacity (B2A_WHATSAPP_MAX_SESSIONS): the rest go to host 2
LEASE_SECONDS = 3
TICK_SECONDS = 1  # the session loop ticks at a third of the lease, at least every second
PER_SERVER = 150
RATE = 25  # per server
KILL_AFTER = 50  # webhooks host 1's server acknowledged before host 1 dies
SETTLE_SECONDS = 120


async def test_two_of_each_process_store_and_answer_once_and_hold_each_session_once(
    make_database, redis_url, redis, tmp_path
):
    db_url = make_database()
    env = {"B2A_WHATSAPP_LEASE_SECONDS": str(LEASE_SECONDS)}
    host1 = harness.Stack(
        {**harness.base_env(tmp_path / "host1", db_url, redis_url), **env},
        tmp_path / "logs1",
    )
    host2 = harness.Stack(
        {**harness.base_env(tmp_path / "host2", db_url, redis_url), **env},
        tmp_path / "logs2",
        graph_port=host1.graph_port,  # one far end: the fake Graph API runs on host 1
    )
    host1.env["B2A_WHATSAPP_MAX_SESSIONS"] = str(HOST1_SESSIONS)
    with contextlib.ExitStack() as hosts:
        hosts.callback(host1.stop_all)
        hosts.callback(host2.stop_all)
        host1.start_graph()
        _, channel_id = await harness.prepare_tenant(host1.env, host1.graph_url)
        web_tenants = await _web_tenants(host1.env, WEB_TENANTS)
        leases = LeaseWatch(redis, web_tenants)

        # Host 1's session process first, so the tenants split: 2 there, the rest on host 2.
        one = _start_sessions(host1)
        await leases.wait(lambda held: Counter(held.values())[one] == HOST1_SESSIONS)
        two = _start_sessions(host2)
        await leases.wait(lambda held: len(held) == WEB_TENANTS)
        split = Counter(leases.held.values())
        assert split == {one: HOST1_SESSIONS, two: WEB_TENANTS - HOST1_SESSIONS}, split
        for host in (host1, host2):
            host.start("serve")
            host.start("worker")
        leases.live = {one, two}
        watching = asyncio.create_task(leases.run())

        def kill_host1(accepted: int) -> None:
            if accepted == KILL_AFTER:
                for name in ("serve", "worker", "whatsapp"):
                    host1.kill(name)
                leases.died(one)

        drives = await asyncio.gather(
            harness.drive(
                host1.base_url,
                channel_id,
                rate=RATE,
                count=PER_SERVER,
                first_phone=921_000_000_000,
                on_progress=kill_host1,
            ),
            harness.drive(
                host2.base_url,
                channel_id,
                rate=RATE,
                count=PER_SERVER,
                first_phone=922_000_000_000,
            ),
        )
        await leases.wait(lambda held: set(held.values()) == {two} and len(held) == WEB_TENANTS)
        acked = {w for drive in drives for w in drive.wamids.values()}
        outcome = await harness.settle(
            db_url, expected=len(acked), replies=len(acked), timeout=SETTLE_SECONDS
        )
        sent = Counter(send["to"] for send in harness.sends(host1.graph_url))
        await asyncio.sleep(TICK_SECONDS * 2)  # a few more looks after the takeover
        leases.stop()
        await watching
        assert host2.processes["whatsapp"].poll() is None, "host 2's session process still runs"
    starts = _session_starts(tmp_path, web_tenants)

    takeover = max(leases.taken_over.values())
    print(
        f"many hosts: server 1 acknowledged {len(drives[0].wamids)} webhooks before it died,"
        f" server 2 {len(drives[1].wamids)}; host 2 held host 1's sessions {takeover:.1f} s"
        f" after the kill (lease {LEASE_SECONDS} s); {leases.looks} lease checks;"
        f" dead letters {outcome.dead}"
    )
    assert len(drives[0].wamids) >= KILL_AFTER and len(drives[1].wamids) == PER_SERVER
    assert outcome.unprocessed_events == 0 and outcome.unsettled_sends == 0, outcome
    assert acked <= set(outcome.inbound_by_wamid), "nothing acknowledged is lost"
    assert set(outcome.inbound_by_wamid.values()) == {1}, "each stored exactly once"
    assert max(sent.values()) == 1, "none answered twice"
    # A send the kill caught on the wire is dead-lettered INTERRUPTED, never repeated.
    interrupted = outcome.dead.get("INTERRUPTED", 0)
    assert set(outcome.dead) <= {"INTERRUPTED"}, outcome.dead
    stored = len(outcome.inbound_by_wamid)
    assert outcome.outbound == stored, "one reply each"
    assert stored - interrupted <= len(sent) <= stored, (len(sent), outcome.dead)
    assert {f"wamid.bench.{phone}" for phone in sent} <= set(outcome.inbound_by_wamid)

    assert leases.wrong == [], "each lease named one live process at every look"
    assert set(leases.taken_over) == leases.of_dead, "host 2 took over every tenant of host 1"
    assert takeover <= LEASE_SECONDS + TICK_SECONDS + 1.5, leases.taken_over
    # Each tenant's session started once on host 2 after the takeover, never twice at once.
    assert starts["host1"] == Counter({t: 1 for t in leases.of_dead}), starts
    assert starts["host2"] == Counter(dict.fromkeys(web_tenants, 1)), starts


@dataclass
class LeaseWatch:
    """Looks at every web tenant's lease in Redis every 100 ms and notes what it saw."""

    redis: Any
    tenants: list[str]
    live: set[str] = field(default_factory=set)
    held: dict[str, str] = field(default_factory=dict)
    wrong: list[tuple[float, str, str]] = field(default_factory=list)
    """(time, tenant, holder) for a lease naming a process that is neither live nor
    within its lease period after its death."""
    taken_over: dict[str, float] = field(default_factory=dict)
    """Seconds from the kill to the survivor holding each of the dead process's tenants."""
    of_dead: set[str] = field(default_factory=set)
    looks: int = 0
    _dead: tuple[str, float] | None = None
    _stopping: bool = False

    async def look(self) -> dict[str, str]:
        from b2a.lib.redis import lease_key
        from b2a.session.leases import KIND

        values = await self.redis.mget([lease_key(KIND, t) for t in self.tenants])
        self.held = {t: v for t, v in zip(self.tenants, values, strict=True) if v}
        return self.held

    def died(self, instance: str) -> None:
        self._dead = (instance, time.monotonic())
        self.live.discard(instance)
        self.of_dead = {t for t, holder in self.held.items() if holder == instance}

    async def run(self) -> None:
        while not self._stopping:
            held = await self.look()
            now = time.monotonic()
            self.looks += 1
            for tenant, holder in held.items():
                if self._dead and tenant in self.of_dead and tenant not in self.taken_over:
                    if holder in self.live:
                        self.taken_over[tenant] = now - self._dead[1]
                        continue
                    if holder == self._dead[0] and now - self._dead[1] <= LEASE_SECONDS + 0.5:
                        continue  # its lease runs out by itself
                if holder not in self.live:
                    self.wrong.append((now, tenant, holder))
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        self._stopping = True

    async def wait(self, done: Callable[[dict[str, str]], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not done(await self.look()):
            assert time.monotonic() < deadline, f"leases stuck at {self.held}"
            await asyncio.sleep(0.1)


def _start_sessions(host: harness.Stack) -> str:
    """Start the host's session process, logging each start; the owner name of its leases."""
    host.start(
        "whatsapp",
        module="tests.fakes.whatsapp_host",
        env={"B2A_LOG_LEVEL": "info"},
    )
    return f"{socket.gethostname()}:{host.processes['whatsapp'].pid}"  # as session/main.py


def _session_starts(tmp_path, tenants: list[str]) -> dict[str, Counter[str]]:
    """How often each host's session process logged a tenant's session as started."""
    starts = {}
    for host, logs in (("host1", "logs1"), ("host2", "logs2")):
        text = (tmp_path / logs / "whatsapp.log").read_text()
        starts[host] = Counter(
            {t: text.count(f"tenant {t}: session started") for t in tenants if t in text}
        )
        starts[host] = +starts[host]
    return starts


async def _web_tenants(env: dict[str, str], count: int) -> list[str]:
    """Tenants whose WhatsApp-Web session is wanted, as "Show a QR code" leaves them; their ids."""
    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.inbox import web_session
    from b2a.lib import redis as redis_lib
    from b2a.schema.piccolo_app import all_tables
    from b2a.settings import load_settings
    from b2a.tenants import service as tenants
    from b2a.tenants.actor import Actor

    settings = load_settings(env)
    engine = create_engine(settings.db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    redis = redis_lib.connect(settings.redis)
    ids = []
    try:
        for n in range(count):
            tenant, _ = await tenants.create_tenant(
                Actor.operator("test"),
                f"Web shop {n} {time.time_ns()}",
                admin_email=f"web-{n}-{time.time_ns()}@shop.test",
                admin_password="correct horse battery",
            )
            await web_session.start_session(Actor.operator("test").within(tenant.id).scope, redis)
            ids.append(str(tenant.id))
    finally:
        await redis.aclose()
        await close_pool(engine)
    return ids
