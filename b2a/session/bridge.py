"""The session process's end of the Redis protocol in ``b2a.whatsapp.web_relay``.

One task pops, with a single blocking BLPOP, the wake list and the command and
send lists of every tenant this process holds, and hands each item to the
tenant's session as its own task: a slow send for one tenant never delays
another's, and a handler that fails is logged without stopping the pump.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from b2a.lib import log as log_context
from b2a.whatsapp import web_relay as relay

log = logging.getLogger("b2a.whatsapp")
POP_SECONDS = 1.0


class BridgeHandler(Protocol):
    """A tenant's session, as the bridge feeds it."""

    async def on_command(self, command: dict[str, Any]) -> None:
        """Act on a command (pair_phone)."""

    async def on_send(self, request: dict[str, Any]) -> None:
        """Send a message and answer on its reply list."""


class Bridge:
    """Pops commands, sends and wake-ups for the tenants registered with it."""

    def __init__(self, redis: Any, wake: Callable[[], None] = lambda: None) -> None:
        self._redis = redis
        self.wake = wake
        self._handlers: dict[str, BridgeHandler] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    def register(self, tenant_id: str, handler: BridgeHandler) -> None:
        """Feed this tenant's commands and sends to ``handler`` from now on."""
        self._handlers[tenant_id] = handler

    def unregister(self, tenant_id: str) -> None:
        """Stop feeding the tenant; its queued items wait for the next owner."""
        self._handlers.pop(tenant_id, None)

    def _keys(self) -> dict[str, tuple[str, str]]:
        keys = {relay.wake_key(): ("", "wake")}
        for tenant_id in self._handlers:
            keys[relay.commands_key(tenant_id)] = (tenant_id, "command")
            keys[relay.sends_key(tenant_id)] = (tenant_id, "send")
        return keys

    async def pump_once(self, timeout: float = POP_SECONDS) -> bool:
        """Pop and dispatch one item; False when nothing came within ``timeout``."""
        keys = self._keys()
        item = await self._redis.blpop(list(keys), timeout=timeout)
        if item is None:
            return False
        key, raw = item
        tenant_id, kind = keys[key]
        if kind == "wake":
            self.wake()
            return True
        handler = self._handlers.get(tenant_id)
        if handler is None:  # unregistered between the pop and now: put it back
            await self._redis.lpush(key, raw)
            return True
        data = json.loads(raw)
        work = handler.on_command(data) if kind == "command" else handler.on_send(data)
        self._spawn(work, tenant_id, f"tenant {tenant_id}: {kind}")
        return True

    def _spawn(self, work: Awaitable[None], tenant: str, what: str) -> None:
        async def guarded() -> None:
            log_context.tenant_id.set(tenant)  # the task's own context: its log lines only
            try:
                await work
            except Exception:
                log.exception("%s failed", what)

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """Pump until ``stop``; a Redis hiccup is logged and retried after a pause."""
        while not self._stopping:
            try:
                await self.pump_once()
            except Exception as exc:
                log.warning("session bridge could not read Redis (%s); retrying", exc)
                await asyncio.sleep(POP_SECONDS)

    async def stop(self) -> None:
        """Stop pumping and let handlers in progress finish (sends answer their callers)."""
        self._stopping = True
        if self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait(set(self._tasks), timeout=10)
