"""What the Redis Sentinels say about the master b2a uses: ``b2a doctor``'s view of Redis HA.

Each Sentinel is asked on its own, so the report shows how many answer and
whether they agree, not just the first answer a client would take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError

from b2a.lib import redis as redis_lib
from b2a.ops.verdict import Check
from b2a.settings import RedisSettings


@dataclass
class SentinelView:
    """The Sentinels' answers: who answered, where they say the master is, its replicas."""

    master_name: str
    reachable: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)
    """Error by Sentinel address."""
    masters: set[str] = field(default_factory=set)
    """Every master address a reachable Sentinel named (more than one: they disagree)."""
    quorum: int = 0
    replicas: set[str] = field(default_factory=set)
    """Replicas that some Sentinel sees up."""


async def view_sentinels(settings: RedisSettings, *, timeout: float = 3.0) -> SentinelView:
    """Ask every configured Sentinel about the master, one by one."""
    view = SentinelView(settings.sentinel_master)
    manager = redis_lib.sentinels(settings, timeout=timeout)
    try:
        # Typed loosely: redis-py types a Sentinel command's reply as "dict or bool".
        clients: list[Any] = list(manager.sentinels)
        for client in clients:
            address = _address(client)
            try:
                master = await client.sentinel_master(settings.sentinel_master)
                replicas = await client.sentinel_slaves(settings.sentinel_master)
            except RedisError as exc:
                view.unreachable[address] = str(exc) or type(exc).__name__
                continue
            view.reachable.append(address)
            view.masters.add(f"{master['ip']}:{master['port']}")
            view.quorum = int(master.get("quorum", 0))
            view.replicas |= {
                f"{r['ip']}:{r['port']}" for r in replicas if not (r["is_sdown"] or r["is_odown"])
            }
    finally:
        await manager.aclose()
    return view


def _address(client: Any) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"{kwargs['host']}:{kwargs['port']}"


SENTINEL_FIX = (
    "Start the missing Sentinels (systemctl start redis-sentinel) or correct"
    " B2A_REDIS_SENTINELS and B2A_REDIS_SENTINEL_PASSWORD."
)


async def check_sentinels(settings: RedisSettings) -> list[Check]:
    """The Sentinel topology: how many answer, where the master is, which replicas can take over."""
    view = await view_sentinels(settings)
    return [_check_reachable(view), *_check_master(view), *_check_replicas(view)]


def _check_reachable(view: SentinelView) -> Check:
    total = len(view.reachable) + len(view.unreachable)
    detail = f"{len(view.reachable)} of {total} reachable"
    if view.unreachable:
        detail += "; " + "; ".join(f"{a}: {e}" for a, e in view.unreachable.items())
    if not view.reachable:
        return Check("redis sentinels", "fail", detail, SENTINEL_FIX)
    if view.unreachable or total < 3:
        fix = SENTINEL_FIX if view.unreachable else "Run three Sentinels on separate hosts."
        return Check("redis sentinels", "warn", detail, fix)
    return Check("redis sentinels", "ok", detail)


def _check_master(view: SentinelView) -> list[Check]:
    if not view.reachable:
        return []
    name = f"{view.master_name!r}"
    if len(view.masters) > 1:
        return [
            Check(
                "redis master",
                "warn",
                f"the Sentinels disagree on {name}: {', '.join(sorted(view.masters))}",
                "A failover is under way, or they monitor different servers: read their logs.",
            )
        ]
    master = next(iter(view.masters))
    return [Check("redis master", "ok", f"{name} at {master} (quorum {view.quorum})")]


def _check_replicas(view: SentinelView) -> list[Check]:
    if not view.reachable:
        return []
    if not view.replicas:
        return [
            Check(
                "redis replicas",
                "warn",
                "none up: a failover has nowhere to go",
                "Start a replica (replicaof MASTER-ADDRESS PORT in its redis.conf).",
            )
        ]
    return [
        Check(
            "redis replicas", "ok", f"{len(view.replicas)} up: {', '.join(sorted(view.replicas))}"
        )
    ]
