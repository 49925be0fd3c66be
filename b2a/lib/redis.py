"""Redis connections and the names of the keys b2a keeps there."""

from __future__ import annotations

from urllib.parse import urlsplit

from redis.asyncio import Redis

from b2a.settings import RedisSettings

PREFIX = "b2a:"


def connect(settings: RedisSettings, *, timeout: float = 5.0) -> Redis:
    """A client for the configured Redis (TCP URL or ``unix://`` socket path)."""
    return Redis.from_url(
        settings.url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        decode_responses=True,
    )


def describe(url: str) -> str:
    """The URL without its password, safe to print."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def heartbeat_key(process: str, instance: str) -> str:
    """Where a running process (worker, whatsapp) proves it is alive."""
    return f"{PREFIX}heartbeat:{process}:{instance}"


def heartbeat_pattern(process: str) -> str:
    """Matches every instance's heartbeat of one process kind."""
    return f"{PREFIX}heartbeat:{process}:*"


def lease_key(kind: str, owner_id: str) -> str:
    """The lease one process holds on a resource, e.g. a tenant's WhatsApp session."""
    return f"{PREFIX}lease:{kind}:{owner_id}"
