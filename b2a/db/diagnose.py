"""Explain a database connection failure in the operator's terms, with the fix."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

from asyncpg.exceptions import (
    InvalidAuthorizationSpecificationError,
    InvalidCatalogNameError,
    InvalidPasswordError,
    TooManyConnectionsError,
)

SUPABASE_DIRECT = re.compile(r"^db\.[a-z0-9]+\.supabase\.co$")


def safe_url(url: str) -> str:
    """The URL with its password masked."""
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    return url


def ipv6_only(host: str) -> bool:
    """Whether the host name resolves to IPv6 addresses only."""
    try:
        families = {info[0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return families == {socket.AF_INET6}


def diagnose_database_error(exc: BaseException, url: str) -> tuple[str, str]:
    """(what went wrong, how to fix it) for a failed connection to ``url``."""
    parts = urlsplit(url)
    host, port, name = parts.hostname or "", parts.port or 5432, parts.path.lstrip("/")
    text = str(exc)
    if isinstance(exc, InvalidPasswordError):
        return (
            f"PostgreSQL refused the password for user {parts.username!r}.",
            "Correct the password in B2A_DB_URL (or reset it: ALTER ROLE … PASSWORD …).",
        )
    if isinstance(exc, InvalidCatalogNameError):
        return (
            f"database {name!r} does not exist on {host}:{port}.",
            f"Create it: sudo -u postgres createdb -O {parts.username or 'b2a'} {name}.",
        )
    if isinstance(exc, InvalidAuthorizationSpecificationError):
        return (
            f"PostgreSQL does not accept user {parts.username!r}: {text}",
            "Create the role or allow it in pg_hba.conf.",
        )
    if isinstance(exc, TooManyConnectionsError):
        return (
            f"PostgreSQL on {host}:{port} has no connection left (max_connections is reached).",
            "Lower B2A_DB_POOL_MAX, put PgBouncer in front, or raise max_connections.",
        )
    if SUPABASE_DIRECT.match(host) or (isinstance(exc, OSError) and host and ipv6_only(host)):
        return (
            f"{host} is reachable only over IPv6, which this server cannot route.",
            "Use the pooler URL from the Supabase dashboard (…pooler.supabase.com, port 6543"
            " or 5432) in B2A_DB_URL.",
        )
    if isinstance(exc, socket.gaierror):
        return (f"the host name {host!r} does not resolve.", "Check the host in B2A_DB_URL.")
    if isinstance(exc, ConnectionRefusedError) or "Connect call failed" in text:
        return (
            f"nothing accepts connections on {host}:{port}.",
            "Start PostgreSQL (systemctl start postgresql) or fix the host/port in B2A_DB_URL.",
        )
    if isinstance(exc, TimeoutError):
        return (
            f"{host}:{port} did not answer in time.",
            "Check firewalls and that the host/port in B2A_DB_URL are right.",
        )
    return (
        f"cannot connect to {safe_url(url)}: {text or type(exc).__name__}.",
        "Check B2A_DB_URL and that the database server is running.",
    )
