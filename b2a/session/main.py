"""The session process loop, built like healthchecks' ``sendalerts``.

Each tick: refresh the heartbeat, renew the leases we hold (dropping sessions
whose lease we lost), stop sessions nobody wants any more, and claim and start
sessions for wanted tenants up to our capacity. Signals only set a flag; the loop
stops sessions and releases leases on its way out. A failing session is retried
with capped exponential backoff and never takes the loop down.
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

log = logging.getLogger("b2a.whatsapp")

BACKOFF_START = 2.0
BACKOFF_CAP = 300.0


class SessionRunner(Protocol):
    """One tenant's WhatsApp-Web session inside this process."""

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

    def __post_init__(self) -> None:
        self.leases = Leases(self.redis, self.instance, self.settings.whatsapp.lease_seconds)

    def request_stop(self, *_: object) -> None:
        """Signal handler: only set the flag; the loop does the rest."""
        self.stopping = True

    async def tick(self) -> None:
        """One pass of heartbeat, renewals, stops and claims."""
        await self.redis.set(
            redis_lib.heartbeat_key("whatsapp", self.instance),
            str(int(time.time())),
            ex=self.settings.worker.heartbeat_seconds * 3,
        )
        for tenant_id in list(self.runners):
            if not await self.leases.renew(tenant_id):
                log.warning("tenant %s: lease lost, stopping its session", tenant_id)
                await self._stop(tenant_id, release=False)
        wanted = await self.wanted_tenants()
        for tenant_id in [t for t in self.runners if t not in wanted]:
            await self._stop(tenant_id)
        for tenant_id in wanted:
            if len(self.runners) >= self.settings.whatsapp.max_sessions:
                break
            if tenant_id not in self.runners:
                await self._try_start(tenant_id)

    async def _try_start(self, tenant_id: str) -> None:
        backoff = self._backoff.setdefault(tenant_id, _Backoff())
        now = time.monotonic()
        if now < backoff.not_before or not await self.leases.claim(tenant_id):
            return
        runner = self.make_runner(tenant_id)
        try:
            await runner.start()
        except Exception as exc:
            delay = backoff.fail(now)
            log.warning(
                "tenant %s: session failed to start (%s); retry in %.0f s", tenant_id, exc, delay
            )
            await self.leases.release(tenant_id)
            return
        backoff.failures = 0
        self.runners[tenant_id] = runner
        log.info("tenant %s: session started", tenant_id)

    async def _stop(self, tenant_id: str, *, release: bool = True) -> None:
        runner = self.runners.pop(tenant_id)
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
            for tenant_id in list(self.runners):
                await self._stop(tenant_id)
            with contextlib.suppress(Exception):
                await self.redis.delete(redis_lib.heartbeat_key("whatsapp", self.instance))
            log.info("whatsapp process %s stopped", self.instance)

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            await asyncio.sleep(min(0.2, deadline - time.monotonic()))


def install_signal_handlers(process: SessionProcess) -> None:
    """SIGTERM and SIGINT ask the loop to stop."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, process.request_stop)
