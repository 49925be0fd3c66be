"""The checks `b2a doctor` runs: each returns a verdict and, on failure, the fix."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.postgres import PostgresEngine

from b2a.assistant.ai_settings import load_ai_settings
from b2a.assistant.openai_compat import list_models
from b2a.assistant.shapes import ProviderDown
from b2a.billing.config import local_payments, stripe_keys
from b2a.billing.rules import METHOD_NAMES, ManualMethod
from b2a.billing.stripe_api import verify_stripe_key
from b2a.db.diagnose import diagnose_database_error
from b2a.db.engine import (
    asyncpg_dsn,
    bind_engine,
    create_engine,
    match_pooler,
    uses_transaction_pooler,
)
from b2a.db.pooler import Pooling, detect_pooling
from b2a.db.statistics import MIN_PAGES, autovacuum_on, tables_without_statistics
from b2a.errors import ConfigError
from b2a.inbox import recovery
from b2a.lib import redis as redis_lib
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.ops.queue import create_queue
from b2a.ops.sentinels import check_sentinels
from b2a.ops.verdict import Check
from b2a.outbox.sweep import count_stuck_sends
from b2a.schema.migrate import pending_ids
from b2a.schema.tables import all_tables
from b2a.settings import Settings, unknown_variables

GIB = 1024**3


async def check_database(settings: Settings) -> list[Check]:
    """Reachability, with a diagnosis of the classic failures; then the schema."""
    url = settings.db.url
    if settings.db.is_sqlite:
        path = settings.db.sqlite_path
        if not path.exists():
            return [
                Check(
                    "database", "fail", f"SQLite file {path} does not exist yet", "Run `b2a init`."
                )
            ]
        try:
            await asyncio.to_thread(_open_sqlite, path)
        except (sqlite3.Error, OSError) as exc:
            return [
                Check(
                    "database",
                    "fail",
                    f"SQLite file {path}: {exc}",
                    "Make the data directory writable by the b2a user.",
                )
            ]
        checks = [Check("database", "ok", f"SQLite {path}")]
    else:
        try:
            conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5, statement_cache_size=0)
            version = conn.get_server_version()
            available = await conn.fetch(
                "SELECT name FROM pg_available_extensions WHERE name = ANY($1::text[])",
                list(SEARCH_EXTENSIONS),
            )
            await conn.close()
        except Exception as exc:
            detail, fix = diagnose_database_error(exc, url)
            return [Check("database", "fail", detail, fix)]
        checks = [
            Check("database", "ok", f"PostgreSQL {version.major}.{version.micro}"),
            _search_extensions({row["name"] for row in available}),
        ]
        checks.append(await check_pooler(settings))
    return [*checks, await check_schema(settings)]


POOLED_WORK = (
    "transaction mode: every b2a process turns its prepared-statement cache off by itself; "
    "serving, jobs and `b2a migrate` work through it"
)
DIRECT_FIX = (
    "Set B2A_DB_DIRECT_URL to PostgreSQL's own address (its host and port, same database): "
    "`b2a restore` refuses to run through the pooler, and `b2a backup` uses it too."
)


async def check_pooler(settings: Settings) -> Check:
    """Which pooler mode, if any, serves the database, and what that means for b2a.

    Behind a transaction-mode pooler, pg_restore (and a job queue on
    PostgreSQL, which b2a does not use: its queue is on Redis) need PostgreSQL
    itself, given in B2A_DB_DIRECT_URL.
    """
    try:
        mode = await detect_pooling(asyncpg_dsn(settings.db.url), timeout=5)
    except Exception as exc:
        return Check("pooler", "warn", f"could not tell ({exc})", "Run `b2a doctor` again.")
    if mode is Pooling.TRANSACTION:
        return await _behind_transaction_pooler(settings)
    if mode is Pooling.STATEMENT:
        return Check(
            "pooler",
            "fail",
            "statement mode: the pooler refuses transactions, and b2a needs them for every message",
            "Set pool_mode = transaction (or session) for this database in pgbouncer.ini, "
            "then reload PgBouncer.",
        )
    cache_off = not settings.db.statement_cache or uses_transaction_pooler(settings.db.url)
    cache = "prepared-statement cache " + ("off" if cache_off else "on")
    if mode is Pooling.SESSION:
        return Check(
            "pooler",
            "ok",
            f"session mode: each connection keeps its own server connection ({cache}); its pool "
            "must hold every process's B2A_DB_POOL_MAX, or connections wait for one another",
        )
    return Check("pooler", "ok", f"none: b2a connects to PostgreSQL itself ({cache})")


async def _behind_transaction_pooler(settings: Settings) -> Check:
    """Fine for b2a's processes; backups and restores need B2A_DB_DIRECT_URL."""
    if not settings.db.direct_url:
        return Check("pooler", "warn", f"{POOLED_WORK}; B2A_DB_DIRECT_URL is not set", DIRECT_FIX)
    try:
        direct = await detect_pooling(asyncpg_dsn(settings.db.direct_url), timeout=5)
    except Exception as exc:
        return Check("pooler", "warn", f"{POOLED_WORK}; B2A_DB_DIRECT_URL: {exc}", DIRECT_FIX)
    if direct in (Pooling.TRANSACTION, Pooling.STATEMENT):
        detail = f"{POOLED_WORK}; B2A_DB_DIRECT_URL also goes through a {direct}-mode pooler"
        return Check("pooler", "warn", detail, DIRECT_FIX)
    return Check(
        "pooler",
        "ok",
        f"{POOLED_WORK}; `b2a backup` and `b2a restore` use B2A_DB_DIRECT_URL",
    )


# The inbox search's indexes (migration 2026-12-07T20:00:00, b2a/inbox/search.py).
SEARCH_EXTENSIONS = ("pg_trgm", "btree_gin")


def _search_extensions(available: set[str]) -> Check:
    missing = [name for name in SEARCH_EXTENSIONS if name not in available]
    if not missing:
        return Check("search", "ok", "pg_trgm and btree_gin available (inbox search indexes)")
    return Check(
        "search",
        "fail",
        f"PostgreSQL lacks the {', '.join(missing)} extension(s) the inbox search indexes need",
        "Install PostgreSQL's contrib modules (Debian/Ubuntu: part of the postgresql package; "
        "elsewhere postgresql-contrib), then run `b2a migrate`.",
    )


def _open_sqlite(path: Path) -> None:
    sqlite3.connect(path).execute("select 1").fetchone()


async def check_schema(settings: Settings) -> Check:
    """Schema present and every shipped migration applied."""
    engine = create_engine(settings.db, "doctor")
    if isinstance(engine, PostgresEngine):
        await match_pooler(engine)
    bind_engine(engine, all_tables())
    if not await Migration.table_exists().run():
        return Check("schema", "fail", "no b2a schema in this database", "Run `b2a init`.")
    pending = await pending_ids()
    if pending:
        return Check("schema", "fail", f"{len(pending)} migration(s) pending", "Run `b2a migrate`.")
    return Check("schema", "ok", "all migrations applied")


AUTOVACUUM_FIX = (
    "Set autovacuum = on in postgresql.conf and reload PostgreSQL (SELECT pg_reload_conf()); "
    "until then run `vacuumdb --analyze DBNAME` daily (cron) and after big imports."
)


async def check_statistics() -> list[Check]:
    """Autovacuum runs, and no big table lacks the planner's statistics (PostgreSQL only).

    Runs once the schema check passed. Without autovacuum nothing refreshes the
    statistics as tables grow, nor clears dead rows: queries slow down over time.
    """
    on = await autovacuum_on()
    if on is None:
        return []
    checks = [
        Check("autovacuum", "ok", "on: PostgreSQL keeps its statistics fresh")
        if on
        else Check(
            "autovacuum",
            "warn",
            "off: PostgreSQL never refreshes the statistics its plans come from, nor clears "
            "dead rows, so queries slow down as the tables grow",
            AUTOVACUUM_FIX,
        )
    ]
    missing = await tables_without_statistics()
    if missing:
        checks.append(
            Check(
                "statistics",
                "warn",
                f"{len(missing)} table(s) of {MIN_PAGES} pages or more were never analysed "
                f"({', '.join(missing[:5])}): their queries are planned blind",
                "Run `b2a migrate` (it analyses them); autovacuum does it by itself when on.",
            )
        )
    return checks


async def check_redis(settings: Settings) -> list[Check]:
    """Reachable, and configured never to evict (an evicted job is a lost message).

    Behind Sentinels, first what they say: the master, how many answer, its replicas.
    """
    topology = await check_sentinels(settings.redis) if settings.redis.sentinels else []
    return [*topology, *await _check_redis_server(settings)]


async def _check_redis_server(settings: Settings) -> list[Check]:
    client = redis_lib.connect(settings.redis, timeout=3)
    where = redis_lib.describe(settings.redis)
    try:
        try:
            await client.ping()
        except Exception as exc:
            return [
                Check(
                    "redis",
                    "fail",
                    f"{where} does not answer ({exc})",
                    "Start Redis (systemctl start redis-server) or fix B2A_REDIS_URL.",
                )
            ]
        checks = [Check("redis", "ok", where)]
        try:
            policy = (await client.config_get("maxmemory-policy")).get("maxmemory-policy", "")
        except Exception:
            checks.append(
                Check(
                    "redis eviction",
                    "warn",
                    "CONFIG is disabled; cannot read the policy",
                    "Make sure the provider sets maxmemory-policy noeviction.",
                )
            )
            return checks
        if policy != "noeviction":
            checks.append(
                Check(
                    "redis eviction",
                    "fail",
                    f"maxmemory-policy is {policy}, not noeviction",
                    "redis-cli CONFIG SET maxmemory-policy noeviction, and set it in redis.conf.",
                )
            )
        else:
            checks.append(Check("redis eviction", "ok", "noeviction"))
        checks += await check_heartbeats(client)
        return checks
    finally:
        await client.aclose()


async def check_heartbeats(client: redis_lib.Redis) -> list[Check]:
    """A worker and a WhatsApp process have reported within three heartbeats."""
    checks = []
    for process, unit in (("worker", "b2a-worker"), ("whatsapp", "b2a-whatsapp")):
        alive = [k async for k in client.scan_iter(match=redis_lib.heartbeat_pattern(process))]
        if alive:
            checks.append(Check(f"{process} process", "ok", f"{len(alive)} running"))
        else:
            checks.append(
                Check(
                    f"{process} process",
                    "fail",
                    "no recent heartbeat",
                    f"Start it: systemctl start {unit} (or `b2a up`).",
                )
            )
    return checks


METRICS_TOKEN_LENGTH = 24


def check_metrics(settings: Settings) -> Check:
    """Where Prometheus scrapes, who may, and the directory this host's processes share."""
    endpoint = f"http://{settings.server.host}:{settings.server.port}/metrics"
    token = settings.metrics.token
    access = "loopback, or any address with the bearer token" if token else "loopback only"
    directory = settings.metrics.directory
    processes = len({p.stem.rpartition("_")[2] for p in directory.glob("*_[0-9]*.db")})
    detail = f"{endpoint} ({access}); shared in {directory} (files of {processes} process(es))"
    if directory.exists() and not os.access(directory, os.W_OK):
        return Check("metrics", "fail", detail, f"Let the b2a user write to {directory}.")
    if token and len(token) < METRICS_TOKEN_LENGTH:
        return Check(
            "metrics",
            "warn",
            detail,
            f"Use a B2A_METRICS_TOKEN of at least {METRICS_TOKEN_LENGTH} random characters.",
        )
    return Check("metrics", "ok", detail)


def check_tracing(settings: Settings) -> Check:
    """Whether spans are traced, where they go, and whether the ``b2a[otel]`` extra is there."""
    from importlib.util import find_spec

    tracing = settings.tracing
    installed = find_spec("opentelemetry.sdk") is not None
    extra = "the b2a[otel] extra is installed" if installed else "the b2a[otel] extra is absent"
    if tracing.mode == "off":
        return Check("tracing", "ok", f"off ({extra})")
    where = (
        "JSON lines on each process's stdout"
        if tracing.mode == "console"
        else f"OTLP/HTTP to {_otlp_endpoint(tracing.endpoint)}/v1/traces"
    )
    detail = f"{tracing.mode}: {where} ({extra})"
    if not installed:
        return Check(
            "tracing",
            "fail",
            detail,
            "Run pip install 'b2a[otel]' in b2a's virtualenv, or set B2A_TRACING=off.",
        )
    return Check("tracing", "ok", detail)


def _otlp_endpoint(configured: str) -> str:
    """Where the OTLP exporter will post: the setting, else OpenTelemetry's own variables."""
    if configured:
        return configured.rstrip("/")
    standard = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")
    return standard.rstrip("/")


def check_disk(settings: Settings) -> Check:
    """Free space where media and the database live."""
    path = settings.core.home
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free = usage.free / GIB
    detail = f"{free:.1f} GiB free in {path}"
    if usage.free < GIB or usage.free < usage.total * 0.05:
        return Check("disk", "fail", detail, "Free space or move B2A_HOME to a larger disk.")
    if usage.free < 5 * GIB:
        return Check("disk", "warn", detail, "Plan for more space: media grows with every chat.")
    return Check("disk", "ok", detail)


async def check_public_url(settings: Settings) -> Check | None:
    """The public address answers /health (only when one is configured)."""
    url = settings.server.public_url
    if not url:
        return None
    try:
        async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
            response = await client.get(url.rstrip("/") + "/health")
    except httpx.HTTPError as exc:
        return Check(
            "public url",
            "fail",
            f"{url} is unreachable ({type(exc).__name__})",
            "Point DNS and nginx at this host; see docs/install.md.",
        )
    if response.status_code != 200:
        return Check(
            "public url",
            "fail",
            f"{url}/health answered {response.status_code}",
            "Check the nginx site proxies to b2a serve; see docs/install.md.",
        )
    return Check("public url", "ok", url)


async def check_ai(settings: Settings) -> list[Check]:
    """Every remote AI provider the super admin configured answers ``GET {base}/models``.

    Runs once the schema check passed (the settings live in the database). A
    provider that fails still leaves the offline assistant answering, but the
    tenants on its tiers get plainer replies until it is fixed.
    """
    try:
        ai = await load_ai_settings(SecretBox(settings.core.encryption_key))
    except ConfigError as exc:
        return [Check("ai", "fail", exc.message, "Keep the old key in B2A_ENCRYPTION_KEY.")]
    if not ai.providers:
        return [Check("ai", "ok", "no remote provider: the offline catalog assistant answers")]
    checks = []
    async with create_client() as client:
        for provider in ai.providers:
            name = f"ai provider {provider.name}"
            try:
                models = await list_models(provider, client)
            except ProviderDown as exc:
                fix = (
                    f"Check the base URL and API key of {provider.name} on the super admin's "
                    "AI page (/admin/ai); until then the offline assistant answers its tiers."
                )
                checks.append(Check(name, "fail", str(exc), fix))
                continue
            checks.append(Check(name, "ok", f"{provider.base_url}: {len(models)} models"))
    return checks


PAYMENTS_FIX = "Switch payments on in the admin panel: /admin/billing (see docs/admin-guide.md)."


async def check_payments(settings: Settings) -> list[Check]:
    """Whether businesses can pay, and whether Stripe accepts the stored key.

    Runs once the schema check passed (the settings live in the database). No
    way to pay is a warning: the appliance runs, but no business can buy a plan.
    """
    try:
        keys = await stripe_keys(SecretBox(settings.core.encryption_key))
    except ConfigError as exc:
        return [Check("payments", "fail", exc.message, "Keep the old key in B2A_ENCRYPTION_KEY.")]
    local = await local_payments()
    ways = ["card (Stripe)"] if keys else []
    ways += [f"{METHOD_NAMES[ManualMethod(m)]} ({local.currency})" for m in local.offered()]
    if not ways:
        detail = "not set up: no Stripe key and no manual method on, so no business can buy a plan"
        return [Check("payments", "warn", detail, PAYMENTS_FIX)]
    checks = [Check("payments", "ok", "businesses can pay by " + ", ".join(ways))]
    if keys is None:
        return checks
    if not keys.webhook_secret:
        checks.append(
            Check(
                "stripe webhook",
                "fail",
                "no webhook signing secret: Stripe's events are refused, so card payments "
                "never give a business its plan",
                "Add the webhook endpoint shown in /admin/billing in Stripe and save its "
                "signing secret there.",
            )
        )
    async with create_client() as http:
        verdict = await verify_stripe_key(keys, api_url=settings.billing.stripe_api_url, http=http)
    checks.append(Check("stripe", "ok" if verdict.ok else "fail", verdict.message))
    return checks


EVENTS_PAGE = "/admin/events"
STUCK_EVENTS_AFTER = timedelta(minutes=5)
STUCK_SENDS_AFTER = timedelta(minutes=10)
WORKER_FIX = (
    "Make sure the worker runs and reaches Redis (systemctl status b2a-worker; its log: "
    "journalctl -u b2a-worker); its sweep picks the work up again every minute."
)


def _since(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "?"


async def check_work() -> list[Check]:
    """Dead events, events and sends stuck in the pipeline (runs once the schema check passed)."""
    dead = await recovery.count_dead_events()
    stuck = await recovery.count_stuck_events(older_than=STUCK_EVENTS_AFTER)
    sends, oldest_send = await count_stuck_sends(older_than=STUCK_SENDS_AFTER)
    return [
        Check("dead events", "ok", "none: every event was processed or is being retried")
        if not dead.count
        else Check(
            "dead events",
            "fail",
            f"{dead.count} event(s) failed on every attempt, "
            f"the oldest since {_since(dead.oldest)}",
            f"See each one's error in the admin panel ({EVENTS_PAGE}); fix the cause, then Retry "
            "it, or Discard it.",
        ),
        Check("stuck events", "ok", "none waiting longer than 5 minutes")
        if not stuck.count
        else Check(
            "stuck events",
            "fail",
            f"{stuck.count} event(s) waiting unprocessed for over 5 minutes, "
            f"the oldest since {_since(stuck.oldest)}",
            WORKER_FIX,
        ),
        Check("stuck sends", "ok", "no message waiting to be sent longer than 10 minutes")
        if not sends
        else Check(
            "stuck sends",
            "fail",
            f"{sends} conversation(s) whose next outbound message has waited QUEUED or SENDING "
            f"untouched for over 10 minutes (later ones wait behind it), "
            f"the oldest since {_since(oldest_send)}",
            WORKER_FIX,
        ),
    ]


async def check_failed_jobs(settings: Settings) -> Check:
    """Jobs the running workers gave up on since they started (SAQ's own counters)."""
    queue = create_queue(settings.redis)
    try:
        await queue.connect()
        info = await queue.info()
    except Exception as exc:
        return Check("failed jobs", "warn", f"the queue could not be read ({exc})", WORKER_FIX)
    finally:
        await queue.disconnect()
    stats: list[dict[str, Any]] = [
        dict(worker.get("stats") or {}) for worker in info["workers"].values()
    ]
    failed = sum(s.get("failed", 0) + s.get("aborted", 0) for s in stats)
    if not failed:
        return Check("failed jobs", "ok", f"none failed in {len(stats)} running worker(s)")
    return Check(
        "failed jobs",
        "warn",
        f"{failed} job(s) failed or were aborted since the workers started",
        "Read why in the worker's log (journalctl -u b2a-worker, lines 'Error processing job'); "
        f"an event given up on is listed at {EVENTS_PAGE}.",
    )


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, the independent ones concurrently; those reading settings after the schema's."""
    database, redis, public = await asyncio.gather(
        check_database(settings), check_redis(settings), check_public_url(settings)
    )
    stored = all(c.ok for c in database)
    statistics = await check_statistics() if stored else []
    ai = await check_ai(settings) if stored else []
    payments = await check_payments(settings) if stored else []
    work = await check_work() if stored else []
    reachable = any(c.name == "redis" and c.ok for c in redis)
    jobs = [await check_failed_jobs(settings)] if reachable else []
    return [
        *database,
        *statistics,
        *redis,
        check_disk(settings),
        check_metrics(settings),
        check_tracing(settings),
        *([public] if public else []),
        *ai,
        *payments,
        *work,
        *jobs,
    ]


def check_variables(environ: Mapping[str, str]) -> Check:
    """Every ``B2A_*`` variable set (config file and environment) is one b2a reads."""
    unknown = unknown_variables(environ)
    if not unknown:
        return Check("variables", "ok", "every B2A_ variable is a known setting")
    return Check(
        "variables",
        "warn",
        f"b2a reads no {', '.join(unknown)}: ignored",
        "Check the spelling against docs/configuration.md, or remove it.",
    )
