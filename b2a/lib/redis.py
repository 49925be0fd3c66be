"""Redis connections and the names of the keys b2a keeps there.

Every Redis client of every process is built here, by ``connect``: from
``B2A_REDIS_URL`` alone, or, when ``B2A_REDIS_SENTINELS`` is set, as a client of
the master the Sentinels name. That client asks the Sentinels again whenever a
connection to the master fails or finds it demoted, so a failover is seen as a
few failed calls, the same as a Redis restart, and nothing has to be restarted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

from b2a.settings import RedisSettings

PREFIX = "b2a:"


def connect(
    settings: RedisSettings,
    *,
    timeout: float = 5.0,
    read_timeout: float | None = None,
    decode: bool = True,
) -> Redis:
    """A client for the configured Redis: the URL's server, or the master the Sentinels name.

    ``read_timeout`` (default ``timeout``) bounds each reply; ``decode`` gives
    ``str`` replies instead of ``bytes`` (SAQ wants bytes).
    """
    options: dict[str, Any] = {
        "socket_connect_timeout": timeout,
        "socket_timeout": read_timeout or timeout,
        "decode_responses": decode,
    }
    if not settings.sentinels:
        return Redis.from_url(settings.url, **options)
    return sentinels(settings, timeout=timeout).master_for(
        settings.sentinel_master,
        connection_pool_class=_MasterPool,
        **_master_credentials(settings.url),
        **options,
    )


def sentinels(settings: RedisSettings, *, timeout: float = 5.0) -> Sentinel:
    """The configured Sentinels, to ask where the master is (``b2a doctor``, ``connect``)."""
    return Sentinel(
        settings.sentinels,
        sentinel_kwargs={
            "password": settings.sentinel_password or None,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "decode_responses": True,
        },
    )


def _master_credentials(url: str) -> dict[str, Any]:
    """The user, password, db and TLS of ``B2A_REDIS_URL``; its host is the Sentinels' to say."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    return {
        "username": parts.username or None,
        "password": parts.password or None,
        "db": int(path) if path.isdigit() else 0,
        "ssl": parts.scheme == "rediss",
    }


class _MasterPool(SentinelConnectionPool):
    """The master's connections, and the Sentinel clients that find it, closed together.

    ``master_for`` leaves the Sentinel connections open when its client is
    closed; a process that builds and closes clients (``b2a doctor``, the CLI)
    would leave them to the garbage collector.
    """

    async def aclose(self) -> None:
        """Close the master's connections, then the connections to the Sentinels."""
        try:
            await super().aclose()
        finally:
            await self.sentinel_manager.aclose()


def describe(settings: RedisSettings) -> str:
    """Where Redis is, without its password, safe to print."""
    if settings.sentinels:
        addresses = ",".join(f"{host}:{port}" for host, port in settings.sentinels)
        return f"master {settings.sentinel_master!r} of Sentinels {addresses}"
    parts = urlsplit(settings.url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return settings.url


def heartbeat_key(process: str, instance: str) -> str:
    """Where a running process (worker, whatsapp) proves it is alive."""
    return f"{PREFIX}heartbeat:{process}:{instance}"


def heartbeat_pattern(process: str) -> str:
    """Matches every instance's heartbeat of one process kind."""
    return f"{PREFIX}heartbeat:{process}:*"


def lease_key(kind: str, owner_id: str) -> str:
    """The lease one process holds on a resource, e.g. a tenant's WhatsApp session."""
    return f"{PREFIX}lease:{kind}:{owner_id}"
