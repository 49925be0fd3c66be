"""The session process loop, built like healthchecks' ``sendalerts``.

Each tick: refresh the heartbeat, renew the leases we hold (dropping sessions
whose lease we lost), reap sessions that ended by themselves, stop sessions
nobody wants any more, and claim and start sessions for wanted tenants up to our
capacity. Starts run as tasks, one in flight per tenant, so a slow connection
never holds up the renewals of the others. Signals only set a flag; the loop
stops sessions and releases leases on its way out. A failing or ended session is
retried with capped exponential backoff and never takes the loop down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from b2a.lib import redis as redis_lib
from b2a.session.leases import Leases
from b2a.settings import Settings
from b2a.whatsapp import web_relay as relay

log = logging.getLogger("b2a.whatsapp")

BACKOFF_START = 2.0
BACKOFF_CAP = 300.0


class SessionRunner(Protocol):
    """One tenant's WhatsApp-Web session inside this process."""

    ended: bool
    """True once the session ended by itself (dropped for good, logged out)."""

    async def start(self) -> None:
        """Connect (or begin pairing); raise on failure."""

    async def stop(self) -> None:
        """Disconnect, keeping the stored credentials."""


RunnerFactory = Callable[[str], SessionRunner]
WantedTenants = Callable[[], Awaitable[list[str]]]


@dataclass
class _Backoff:
    failures: int = 0
    not_before: float = 0.0

    def fail(self, now: float) -> float:
        self.failures += 1
        delay = min(BACKOFF_CAP, BACKOFF_START * 2 ** (self.failures - 1))
        self.not_before = now + delay
        return delay


@dataclass
class SessionProcess:
    """The loop that owns this process's sessions."""

    settings: Settings
    redis: Any
    wanted_tenants: WantedTenants
    make_runner: RunnerFactory
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    stopping: bool = False
    runners: dict[str, SessionRunner] = field(default_factory=dict)
    _backoff: dict[str, _Backoff] = field(default_factory=dict)
    _starting: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _started_at: dict[str, float] = field(default_factory=dict)
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.leases = Leases(self.redis, self.instance, self.settings.whatsapp.lease_seconds)

    def request_stop(self, *_: object) -> None:
        """Signal handler: only set the flag; the loop does the rest."""
        self.stopping = True
        self._wakeup.set()

    def wake(self) -> None:
        """Tick now rather than at the next interval (a command arrived, a session ended)."""
        self._wakeup.set()

    async def tick(self) -> None:
        """One pass of heartbeat, renewals, reaping, stops and claims."""
        beat, ttl = str(int(time.time())), self.settings.worker.heartbeat_seconds * 3
        await self.redis.set(redis_lib.heartbeat_key("whatsapp", self.instance), beat, ex=ttl)
        await self.redis.set(relay.service_key(), beat, ex=ttl)
        for tenant_id in [*self.runners, *self._starting]:
            if not await self.leases.renew(tenant_id) and tenant_id in self.runners:
                log.warning("tenant %s: lease lost, stopping its session", tenant_id)
                await self._stop(tenant_id, release=False)
        for tenant_id in [t for t, r in self.runners.items() if r.ended]:
            await self._reap(tenant_id)
        wanted = await self.wanted_tenants()
        for tenant_id in [t for t in self.runners if t not in wanted]:
            await self._stop(tenant_id)
        for tenant_id in [t for t in self._backoff if t not in wanted]:
            del self._backoff[tenant_id]  # given up: the next start is a person's, not a retry
        for tenant_id in wanted:
            if len(self.runners) + len(self._starting) >= self.settings.whatsapp.max_sessions:
                break
            if tenant_id not in self.runners and tenant_id not in self._starting:
                await self._try_start(tenant_id)

    async def settle(self) -> None:
        """Wait for the starts in flight to finish (each tenant has at most one)."""
        if self._starting:
            await asyncio.gather(*self._starting.values(), return_exceptions=True)

    async def _try_start(self, tenant_id: str) -> None:
        backoff = self._backoff.setdefault(tenant_id, _Backoff())
        if await self.redis.delete(relay.hurry_key(tenant_id)):
            backoff.not_before = 0.0  # a person is waiting: no pause between retries
        if time.monotonic() < backoff.not_before or not await self.leases.claim(tenant_id):
            return
        self._starting[tenant_id] = asyncio.create_task(self._start(tenant_id, backoff))

    async def _start(self, tenant_id: str, backoff: _Backoff) -> None:
        try:
            runner = self.make_runner(tenant_id)
            await runner.start()
        except Exception as exc:
            delay = backoff.fail(time.monotonic())
            log.warning(
                "tenant %s: session failed to start (%s); retry in %.0f s if still wanted",
                tenant_id,
                exc,
                delay,
            )
            await self.leases.release(tenant_id)
            return
        finally:
            self._starting.pop(tenant_id, None)
        self.runners[tenant_id] = runner
        self._started_at[tenant_id] = time.monotonic()
        log.info("tenant %s: session started", tenant_id)

    async def _reap(self, tenant_id: str) -> None:
        """A session that ended by itself: release it and retry later if still wanted."""
        await self._stop(tenant_id)
        delay = self._backoff.setdefault(tenant_id, _Backoff()).fail(time.monotonic())
        log.warning("tenant %s: session ended; next start not before %.0f s", tenant_id, delay)

    async def _stop(self, tenant_id: str, *, release: bool = True) -> None:
        runner = self.runners.pop(tenant_id)
        if time.monotonic() - self._started_at.pop(tenant_id, 0.0) > BACKOFF_CAP:
            # It ran well for a while: earlier failures no longer count.
            self._backoff.pop(tenant_id, None)
        try:
            await runner.stop()
        except Exception as exc:
            log.warning("tenant %s: session did not stop cleanly (%s)", tenant_id, exc)
        if release:
            await self.leases.release(tenant_id)
        log.info("tenant %s: session stopped", tenant_id)

    async def run(self) -> None:
        """Tick until asked to stop, then stop every session and release its lease."""
        interval = max(1.0, self.settings.whatsapp.lease_seconds / 3)
        log.info("whatsapp process %s started", self.instance)
        try:
            while not self.stopping:
                try:
                    await self.tick()
                except Exception:
                    log.exception("session loop tick failed; retrying")
                await self._sleep(interval)
        finally:
            await self.settle()
            for tenant_id in list(self.runners):
                await self._stop(tenant_id)
            with contextlib.suppress(Exception):
                await self.redis.delete(redis_lib.heartbeat_key("whatsapp", self.instance))
            log.info("whatsapp process %s stopped", self.instance)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        self._wakeup.clear()


def install_signal_handlers(process: SessionProcess) -> None:
    """SIGTERM and SIGINT ask the loop to stop."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, process.request_stop)
